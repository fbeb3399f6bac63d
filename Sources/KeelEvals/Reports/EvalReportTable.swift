import KeelCore

/// The terminal table `keel eval run` and `keel eval show` print: one row per test
/// (regressions first, then failures, then passes), each side's figures, the flaky tests and
/// the verdict. Plain text, no colours; it reads the report's JSON only, so a stored run prints
/// as it did when it ran.
public enum EvalReportTable {
    public static func render(_ report: JSONValue, width: Int = 100) -> String {
        let groups = ReportTestGroup.groups(of: report)
        let sides = sideRoles(of: report, groups: groups)
        let repeats = report["repeat"]?.intValue ?? 1
        var lines = header(of: report)
        let columns = Columns(groups: groups, sides: sides, repeats: repeats, width: width)
        for standing in ReportTestGroup.Standing.allCases {
            let members = groups.filter { $0.standing == standing }
            guard !members.isEmpty else { continue }
            lines.append("")
            lines.append(heading(standing, count: members.count))
            lines.append(columns.headerRow())
            lines += members.map { columns.row($0) }
        }
        if groups.isEmpty { lines += ["", "No results."] }
        for side in report["summary"]?["sides"]?.arrayValue ?? [] {
            lines.append("")
            lines += sideSummary(side)
        }
        let flaky = report["summary"]?["flaky"]?.arrayValue ?? []
        if !flaky.isEmpty {
            lines += ["", "Flaky (passed in some repeats, failed in others)"]
            let nameWidth = min(50, flaky.map { ($0["description"]?.stringValue ?? "").count }.max() ?? 0)
            for test in flaky {
                let name = ReportText.column(ReportText.oneLine(test["description"]?.stringValue ?? ""), nameWidth)
                let rate = ReportNumbers.percent(test["candidate_pass_rate"]?.doubleValue ?? 0)
                let scores =
                    ReportNumbers.score(test["min_score"]?.doubleValue ?? 0) + ".." + ReportNumbers.score(test["max_score"]?.doubleValue ?? 0)
                lines.append("  \(name)  passed \(rate) of repeats, scores \(scores)")
            }
        }
        lines += ["", verdictLine(report)]
        return lines.map(trimmingTrailingSpaces).joined(separator: "\n") + "\n"
    }

    /// `FAILED: 2 tests regressed against the baseline (exit 100)`.
    static func verdictLine(_ report: JSONValue) -> String {
        let summary = report["summary"]
        let verdict = summary?["verdict"]?.stringValue ?? "unknown"
        let exit = summary?["exit_code"]?.intValue.map { " (exit \($0))" } ?? ""
        return "\(verdict.uppercased()): \(summary?["reason"]?.stringValue ?? "")\(exit)"
    }

    private static func header(of report: JSONValue) -> [String] {
        var lines = ["Eval run \(report["id"]?.stringValue ?? "?") of \(report["suite"]?.stringValue ?? "?")"]
        if let description = report["description"]?.stringValue, !description.isEmpty { lines.append(ReportText.oneLine(description)) }
        var times = "started \(report["started_at"]?.stringValue ?? "?")"
        if let duration = report["duration_ms"]?.doubleValue { times += ", took \(seconds(duration))" }
        if let repeats = report["repeat"]?.intValue, repeats > 1 { times += ", \(repeats) repeats" }
        lines.append(times)
        for side in report["sides"]?.arrayValue ?? [] { lines.append(sideName(side, padded: true)) }
        return lines
    }

    private static func heading(_ standing: ReportTestGroup.Standing, count: Int) -> String {
        switch standing {
        case .regressed: return "Regressions (passed on baseline, fail on candidate)"
        case .failing: return "Failing (\(count))"
        case .passing: return "Passing (\(count))"
        }
    }

    private static func sideSummary(_ summary: JSONValue) -> [String] {
        let side = summary["side"] ?? .null
        let passed = summary["passed"]?.intValue ?? 0
        let results = summary["results"]?.intValue ?? 0
        var first =
            "\(sideName(side, padded: false)): \(passed)/\(results) passed (\(ReportNumbers.percent(summary["pass_rate"]?.doubleValue ?? 0))), "
            + "mean score \(ReportNumbers.score(summary["mean_score"]?.doubleValue ?? 0))"
        if let errors = summary["call_errors"]?.intValue, errors > 0 { first += ", \(errors) call\(errors == 1 ? "" : "s") failed" }
        var lines = [first]
        let metrics = summary["metrics"]?.arrayValue ?? []
        let nameWidth = min(40, metrics.map { ($0["name"]?.stringValue ?? "").count }.max() ?? 0)
        for metric in metrics {
            let name = ReportText.column(metric["name"]?.stringValue ?? "", nameWidth)
            var line =
                "  metric   \(name)  \(ReportNumbers.percent(metric["pass_rate"]?.doubleValue ?? 0)) pass, "
                + "mean \(ReportNumbers.score(metric["mean_score"]?.doubleValue ?? 0))"
            if let errors = metric["errors"]?.intValue, errors > 0 { line += ", \(errors) error\(errors == 1 ? "" : "s")" }
            lines.append(line)
        }
        lines.append(
            "  tokens   \(summary["prompt_tokens"]?.intValue ?? 0) prompt / \(summary["completion_tokens"]?.intValue ?? 0) completion")
        lines.append("  cost     \(ReportNumbers.cost(summary["cost_usd"]))")
        lines.append(
            "  latency  p50 \(ReportNumbers.milliseconds(summary["latency_p50_ms"])) / p95 \(ReportNumbers.milliseconds(summary["latency_p95_ms"]))")
        return lines
    }

    /// `candidate support-reply@3 (support-reply@staging)`.
    private static func sideName(_ side: JSONValue, padded: Bool) -> String {
        let role = side["role"]?.stringValue ?? "side"
        let resolved = side["resolved"]?.stringValue ?? "?"
        let requested = side["requested"]?.stringValue
        let label = padded ? role + ":" + String(repeating: " ", count: max(1, 11 - role.count)) : role + " "
        return label + resolved + (requested.map { $0 == resolved ? "" : " (\($0))" } ?? "")
    }

    private static func sideRoles(of report: JSONValue, groups: [ReportTestGroup]) -> [String] {
        EvalSide.Role.allCases.map(\.rawValue).filter { role in
            (report["sides"]?.arrayValue ?? []).contains { $0["role"]?.stringValue == role }
                || groups.contains { !$0.runs(on: role).isEmpty }
        }
    }

    private static func seconds(_ milliseconds: Double) -> String {
        milliseconds < 1000 ? "\(Int64(milliseconds.rounded())) ms" : "\(format((milliseconds / 100).rounded() / 10)) s"
    }

    private static func trimmingTrailingSpaces(_ line: String) -> String {
        var line = Substring(line)
        while line.last == " " { line.removeLast() }
        return String(line)
    }
}

extension EvalReportTable {
    /// The test rows' columns: the description, one result per side, the reason; fitted to the width.
    struct Columns {
        static let indent = "  "
        static let gap = "  "

        var sides: [String]
        var repeats: Int
        var descriptionWidth: Int
        var resultWidth: Int
        var reasonWidth: Int

        init(groups: [ReportTestGroup], sides: [String], repeats: Int, width: Int) {
            self.sides = sides
            self.repeats = repeats
            let cells = groups.flatMap { group in sides.map { Self.result(group, on: $0, repeats: repeats) } }
            resultWidth = max(sides.map(\.count).max() ?? 0, cells.map(\.count).max() ?? 0)
            let columnCount = sides.count + 2
            let available = width - Self.indent.count - Self.gap.count * (columnCount - 1) - resultWidth * sides.count
            let longestDescription = max(4, groups.map { ReportText.oneLine($0.description).count }.max() ?? 0)
            descriptionWidth = min(longestDescription, max(12, available * 45 / 100))
            reasonWidth = max(10, available - descriptionWidth)
        }

        func headerRow() -> String {
            let cells = [ReportText.column("TEST", descriptionWidth)] + sides.map { ReportText.column($0.uppercased(), resultWidth) } + ["REASON"]
            return Self.indent + cells.joined(separator: Self.gap)
        }

        func row(_ group: ReportTestGroup) -> String {
            var cells = [ReportText.column(ReportText.oneLine(group.description), descriptionWidth)]
            cells += sides.map { ReportText.column(Self.result(group, on: $0, repeats: repeats), resultWidth) }
            cells.append(ReportText.cut(ReportText.oneLine(group.firstFailingReason ?? ""), to: reasonWidth))
            return Self.indent + cells.joined(separator: Self.gap)
        }

        /// `PASS 1.00`, `FAIL 0.00`, `ERROR` (no answer); with repeats the pass count and mean
        /// score: `FAIL 2/3 0.67`.
        static func result(_ group: ReportTestGroup, on side: String, repeats: Int) -> String {
            let (passed, total) = group.passCount(on: side)
            guard total > 0 else { return "-" }
            let count = total > 1 || repeats > 1 ? " \(passed)/\(total)" : ""
            if group.allCallsFailed(on: side) { return "ERROR" + count }
            return (passed == total ? "PASS" : "FAIL") + count + " " + ReportNumbers.score(group.meanScore(on: side))
        }
    }
}
