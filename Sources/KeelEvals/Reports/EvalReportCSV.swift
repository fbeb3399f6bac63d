import KeelCore

/// A run's results as RFC 4180 CSV (CRLF line ends): one record per result per side, for
/// spreadsheets. Text fields that would start a formula get a leading `'`.
public enum EvalReportCSV {
    public static let columns = [
        "test", "repeat", "description", "vars", "side", "pass", "score", "reason", "output", "latency_ms", "cost_usd", "prompt_tokens",
        "completion_tokens", "trace_id",
    ]

    public static func render(_ report: JSONValue) -> String {
        var records = [columns.joined(separator: ",")]
        for result in report["results"]?.arrayValue ?? [] {
            for role in EvalSide.Role.allCases {
                guard let side = result[role.rawValue] else { continue }
                records.append(record(result, side: side, role: role.rawValue).joined(separator: ","))
            }
        }
        return records.map { $0 + "\r\n" }.joined()
    }

    private static func record(_ result: JSONValue, side: JSONValue, role: String) -> [String] {
        [
            number(result["test"]), number(result["repeat"]), text(result["description"]),
            CSVField.text(result["vars"]?.canonicalString() ?? "{}"), CSVField.text(role),
            side["pass"]?.boolValue.map { $0 ? "true" : "false" } ?? "", number(side["score"]), text(side["reason"]),
            text(side["output"]), number(side["latency_ms"]), number(side["cost_usd"]), number(side["prompt_tokens"]),
            number(side["completion_tokens"]), text(side["trace_id"]),
        ]
    }

    private static func text(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return ""
        case .string(let string)?: return CSVField.text(string)
        case let other?: return CSVField.text(ReportNumbers.plain(other) ?? other.canonicalString())
        }
    }

    /// A number column: a JSON number unguarded; any other value is text, and guarded.
    private static func number(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return ""
        case let value?: return ReportNumbers.plain(value) ?? text(value)
        }
    }
}
