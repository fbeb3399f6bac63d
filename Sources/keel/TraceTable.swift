import ArgumentParser
import Foundation
import KeelCore
import KeelStore

/// Plain-text tables for a terminal.
enum TraceTable {
    static let columns: [(String, Int)] = [
        ("TIME", 19), ("ID", 32), ("MODEL", 16), ("PROVIDER", 18), ("STATUS", 16), ("MS", 8), ("TTFT", 7), ("IN", 7), ("OUT", 7), ("COST $", 10),
    ]

    static var header: String { line(columns.map(\.0)) }

    static func render(_ traces: [Trace]) -> String {
        ([header] + traces.map(row)).joined(separator: "\n") + (traces.isEmpty ? "\n(no traces)" : "")
    }

    static func row(_ trace: Trace) -> String {
        line([
            trace.startedAt.formatted(
                Date.ISO8601FormatStyle(timeZone: .current).year().month().day().time(includingFractionalSeconds: false).dateTimeSeparator(.space)),
            trace.id, trace.model, [trace.provider, trace.upstreamModel].compactMap { $0 }.joined(separator: "/"),
            trace.status, String(format: "%.0f", trace.latencyMs), trace.ttftMs.map { String(format: "%.0f", $0) } ?? "-",
            trace.usage.promptTokens.map(String.init) ?? "-", trace.usage.completionTokens.map(String.init) ?? "-",
            trace.costUSD.map { String(format: "%.6f", $0) } ?? "-",
        ])
    }

    static func line(_ values: [String]) -> String {
        zip(values, columns.map(\.1)).map { value, width in
            value.count > width ? String(value.prefix(width - 1)) + "…" : value.padding(toLength: width, withPad: " ", startingAt: 0)
        }.joined(separator: " ")
    }
}

enum StatsTable {
    static func render(_ rows: [StatsRow], grouping: StatsQuery.Grouping) -> String {
        let header = [
            grouping == .none ? "ALL" : grouping.rawValue.uppercased(), "REQUESTS", "ERROR %", "P50 MS", "P95 MS", "P99 MS", "TOKENS IN",
            "TOKENS OUT", "COST $", "$/REQ",
        ]
        let widths = [20, 9, 8, 8, 8, 8, 10, 10, 12, 10]
        func line(_ values: [String]) -> String {
            zip(values, widths).map { $0.padding(toLength: max($1, $0.count), withPad: " ", startingAt: 0) }.joined(separator: " ")
        }
        func ms(_ value: Double?) -> String { value.map { String(format: "%.0f", $0) } ?? "-" }
        let lines = rows.map { row in
            line([
                row.key ?? (grouping == .none ? "all" : "(none)"), String(row.requests), String(format: "%.1f", row.errorRate * 100),
                ms(row.p50LatencyMs), ms(row.p95LatencyMs), ms(row.p99LatencyMs), String(row.promptTokens), String(row.completionTokens),
                String(format: "%.6f", row.costUSD), String(format: "%.6f", row.costPerRequest),
            ])
        }
        return ([line(header)] + lines).joined(separator: "\n") + (rows.isEmpty ? "\n(no traffic in the window)" : "")
    }
}

/// A table whose columns are as wide as their widest cell.
enum FittedTable {
    static func render(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(
                in: .whitespaces)
        }.joined(separator: "\n")
    }
}

enum PrettyJSON {
    static func render(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? value.encodedString()
    }
}

enum TimeArgument {
    static func date(_ text: String, option: String) throws -> Date {
        guard let date = TimeText.date(text) else {
            throw ValidationError("\(option): expected an RFC 3339 time, unix seconds or a duration such as 30m, 1h or 7d")
        }
        return date
    }

    static func duration(_ text: String, option: String) throws -> TimeInterval {
        guard let seconds = TimeText.duration(text) else { throw ValidationError("\(option): expected a duration such as 30m, 1h or 7d") }
        return seconds
    }
}
