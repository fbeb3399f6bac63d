import KeelCore

/// A run as one self-contained HTML page (inline CSS, no scripts, no links out): the verdict,
/// each side's figures, the regressions, then every result with its variables, outputs and
/// assertions. Everything taken from the report is escaped: outputs are model text.
public enum EvalReportHTML {
    public static func render(_ report: JSONValue) -> String {
        let groups = ReportTestGroup.groups(of: report)
        let sides = EvalSide.Role.allCases.map(\.rawValue).filter { role in
            (report["sides"]?.arrayValue ?? []).contains { $0["role"]?.stringValue == role } || groups.contains { !$0.runs(on: role).isEmpty }
        }
        let summary = report["summary"] ?? .null
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(h("Eval \(text(report["id"])) · \(text(report["suite"]))"))</title>
            <style>\(style)</style>
            </head>
            <body>

            """
        html += header(report)
        html += sideSummaries(summary)
        html += changes(summary["regressions"], title: "Regressions (passed on baseline, fail on candidate)", kind: "regressions")
        html += changes(summary["improvements"], title: "Improvements (fail on baseline, pass on candidate)", kind: "improvements")
        html += flaky(summary["flaky"])
        html += results(groups, sides: sides)
        html += "</body>\n</html>\n"
        return html
    }

    private static func header(_ report: JSONValue) -> String {
        let summary = report["summary"]
        let verdict = summary?["verdict"]?.stringValue ?? "unknown"
        var times = "Started \(text(report["started_at"])), finished \(text(report["finished_at"]))"
        if let duration = report["duration_ms"]?.doubleValue { times += " (\(format(duration)) ms)" }
        if let repeats = report["repeat"]?.intValue, repeats > 1 { times += ", \(repeats) repeats" }
        var out = "<header>\n<h1>\(h(text(report["suite"])))</h1>\n"
        if let description = report["description"]?.stringValue, !description.isEmpty { out += "<p class=\"description\">\(h(description))</p>\n" }
        out += "<p class=\"meta\">Run <code>\(h(text(report["id"])))</code> · \(h(times))</p>\n"
        for side in report["sides"]?.arrayValue ?? [] {
            out += "<p class=\"meta\">\(h(text(side["role"]))): <code>\(h(text(side["resolved"])))</code>"
            if let requested = side["requested"]?.stringValue, requested != side["resolved"]?.stringValue {
                out += " (asked for <code>\(h(requested))</code>)"
            }
            out += "</p>\n"
        }
        let exit = summary?["exit_code"]?.intValue.map { " (exit \($0))" } ?? ""
        out += "<div class=\"verdict \(h(verdict))\"><strong>\(h(verdict.uppercased()))</strong> \(h(text(summary?["reason"])))\(h(exit))</div>\n"
        return out + "</header>\n"
    }

    private static func sideSummaries(_ summary: JSONValue) -> String {
        let sides = summary["sides"]?.arrayValue ?? []
        guard !sides.isEmpty else { return "" }
        var out = "<section>\n<h2>Summary</h2>\n"
        if let threshold = summary["threshold"]?.doubleValue {
            out += "<p>The suite's threshold: \(h(ReportNumbers.percent(threshold))) of results must pass.</p>\n"
        }
        out += "<table>\n<thead><tr><th>Side</th><th>Passed</th><th>Pass rate</th><th>Mean score</th><th>Call errors</th>"
        out += "<th>Tokens (prompt / completion)</th><th>Cost</th><th>Latency p50 / p95</th></tr></thead>\n<tbody>\n"
        for side in sides {
            out += "<tr><td>\(h(text(side["side"]?["role"]))) <code>\(h(text(side["side"]?["resolved"])))</code></td>"
            out += "<td>\(h(text(side["passed"])))/\(h(text(side["results"])))</td>"
            out += "<td>\(h(ReportNumbers.percent(side["pass_rate"]?.doubleValue ?? 0)))</td>"
            out += "<td>\(h(ReportNumbers.score(side["mean_score"]?.doubleValue ?? 0)))</td>"
            out += "<td>\(h(text(side["call_errors"])))</td>"
            out += "<td>\(h(text(side["prompt_tokens"]))) / \(h(text(side["completion_tokens"])))</td>"
            out += "<td>\(h(ReportNumbers.cost(side["cost_usd"])))</td>"
            let latency = ReportNumbers.milliseconds(side["latency_p50_ms"]) + " / " + ReportNumbers.milliseconds(side["latency_p95_ms"])
            out += "<td>\(h(latency))</td></tr>\n"
        }
        out += "</tbody>\n</table>\n"
        for side in sides {
            let metrics = side["metrics"]?.arrayValue ?? []
            guard !metrics.isEmpty else { continue }
            out += "<h3>Metrics: \(h(text(side["side"]?["role"])))</h3>\n<table>\n"
            out += "<thead><tr><th>Metric</th><th>Checked</th><th>Passed</th><th>Errors</th><th>Pass rate</th><th>Mean score</th></tr></thead>\n"
            out += "<tbody>\n"
            for metric in metrics {
                out += "<tr><td>\(h(text(metric["name"])))</td><td>\(h(text(metric["count"])))</td><td>\(h(text(metric["passed"])))</td>"
                out += "<td>\(h(text(metric["errors"])))</td><td>\(h(ReportNumbers.percent(metric["pass_rate"]?.doubleValue ?? 0)))</td>"
                out += "<td>\(h(ReportNumbers.score(metric["mean_score"]?.doubleValue ?? 0)))</td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }
        return out + "</section>\n"
    }

    private static func changes(_ list: JSONValue?, title: String, kind: String) -> String {
        let changes = list?.arrayValue ?? []
        guard !changes.isEmpty else { return "" }
        var out = "<section class=\"\(kind)\">\n<h2>\(h(title))</h2>\n<table>\n"
        out += "<thead><tr><th>Test</th><th>Candidate pass rate</th><th>Baseline pass rate</th></tr></thead>\n<tbody>\n"
        for change in changes {
            out += "<tr><td>\(h(text(change["description"])))</td>"
            out += "<td>\(h(ReportNumbers.percent(change["candidate_pass_rate"]?.doubleValue ?? 0)))</td>"
            out += "<td>\(h(change["baseline_pass_rate"]?.doubleValue.map(ReportNumbers.percent) ?? "-"))</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    private static func flaky(_ list: JSONValue?) -> String {
        let tests = list?.arrayValue ?? []
        guard !tests.isEmpty else { return "" }
        var out = "<section>\n<h2>Flaky (passed in some repeats, failed in others)</h2>\n<table>\n"
        out += "<thead><tr><th>Test</th><th>Candidate pass rate</th><th>Scores</th></tr></thead>\n<tbody>\n"
        for test in tests {
            let scores = ReportNumbers.score(test["min_score"]?.doubleValue ?? 0) + " … " + ReportNumbers.score(test["max_score"]?.doubleValue ?? 0)
            out += "<tr><td>\(h(text(test["description"])))</td>"
            out += "<td>\(h(ReportNumbers.percent(test["candidate_pass_rate"]?.doubleValue ?? 0)))</td><td>\(h(scores))</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    private static func results(_ groups: [ReportTestGroup], sides: [String]) -> String {
        var out = "<section>\n<h2>Results</h2>\n<table class=\"results\">\n<thead><tr><th>Test</th><th>Vars</th>"
        out += sides.map { "<th>\(h($0.prefix(1).uppercased() + $0.dropFirst()))</th>" }.joined()
        out += "</tr></thead>\n<tbody>\n"
        for group in groups {
            for result in group.results {
                out += "<tr class=\"\(group.standing)\"><td><strong>\(h(group.description))</strong>"
                if group.standing == .regressed { out += " <span class=\"badge regressed\">REGRESSED</span>" }
                out += "<div class=\"small\">test \(group.test + 1)"
                if let repeatIndex = result["repeat"]?.intValue, group.results.count > 1 { out += ", repeat \(repeatIndex + 1)" }
                if !group.location.isEmpty { out += " · \(h(group.location))" }
                out += "</div></td>"
                out += "<td><pre>\(h(result["vars"]?.canonicalString() ?? "{}"))</pre></td>"
                for side in sides { out += "<td>\(result[side].map(sideCell) ?? "-")</td>" }
                out += "</tr>\n"
            }
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    /// One side's answer to one test: verdict and score, output, reason, call figures, assertions.
    private static func sideCell(_ side: JSONValue) -> String {
        let passed = side["pass"]?.boolValue == true
        var out = "<span class=\"badge \(passed ? "pass" : "fail")\">\(passed ? "PASS" : "FAIL")</span> "
        out += h(ReportNumbers.score(side["score"]?.doubleValue ?? 0))
        if let error = side["error"]?.stringValue { out += "<p class=\"call-error\">Call failed: \(h(error))</p>" }
        if let output = side["output"]?.stringValue { out += "<pre class=\"output\">\(h(output))</pre>" }
        if let calls = side["tool_calls"]?.arrayValue, !calls.isEmpty {
            out += "<div class=\"small\">Tool calls:</div><pre class=\"output\">"
            out += calls.map { h(text($0["name"]) + " " + ($0["arguments"]?.canonicalString() ?? "{}")) }.joined(separator: "\n")
            out += "</pre>"
        }
        out += "<p class=\"reason\">\(h(text(side["reason"])))</p>"
        var figures: [String] = []
        if side["latency_ms"] != nil { figures.append(ReportNumbers.milliseconds(side["latency_ms"])) }
        if side["cost_usd"] != nil { figures.append(ReportNumbers.cost(side["cost_usd"])) }
        if let prompt = side["prompt_tokens"]?.intValue, let completion = side["completion_tokens"]?.intValue {
            figures.append("\(prompt) + \(completion) tokens")
        }
        if let finish = side["finish_reason"]?.stringValue { figures.append("finish: \(finish)") }
        if let trace = side["trace_id"]?.stringValue { figures.append("trace \(trace)") }
        if !figures.isEmpty { out += "<div class=\"small\">\(h(figures.joined(separator: " · ")))</div>" }
        let assertions = side["assertions"]?.arrayValue ?? []
        if !assertions.isEmpty {
            let passing = assertions.filter { $0["status"]?.stringValue == "pass" }.count
            out += "<details><summary>\(passing)/\(assertions.count) assertions passed</summary><ul>"
            for assertion in assertions {
                let status = assertion["status"]?.stringValue ?? (assertion["pass"]?.boolValue == true ? "pass" : "fail")
                out += "<li><span class=\"badge \(h(status))\">\(h(status.uppercased()))</span> <code>\(h(text(assertion["type"])))</code>"
                if let metric = assertion["metric"]?.stringValue, metric != assertion["type"]?.stringValue { out += " (\(h(metric)))" }
                out += " \(h(ReportNumbers.score(assertion["score"]?.doubleValue ?? 0)))"
                if let weight = assertion["weight"]?.doubleValue, weight != 1 { out += ", weight \(h(format(weight)))" }
                out += ": \(h(text(assertion["reason"])))</li>"
            }
            out += "</ul></details>"
        }
        return out
    }

    /// A value as text: a string as it is, a number plainly, anything else as JSON; empty for none.
    private static func text(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return ""
        case .string(let string)?: return string
        case let value?: return ReportNumbers.plain(value) ?? value.canonicalString()
        }
    }

    private static func h(_ text: String) -> String { HTMLText.escape(text) }

    private static let style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1f2328;background:#fff}
        h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin-top:2rem}h3{font-size:1rem}
        code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
        pre{white-space:pre-wrap;word-break:break-word;margin:.25rem 0;background:#f6f8fa;padding:.4rem;border-radius:4px;max-height:24rem;overflow:auto}
        table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}
        th{background:#f6f8fa}.meta,.small{color:#59636e;font-size:12px}.description{font-size:1rem}
        .verdict{margin:1rem 0;padding:.75rem 1rem;border-radius:6px;font-size:1rem}
        .verdict.passed{background:#dafbe1;border:1px solid #1a7f37}.verdict.failed{background:#ffebe9;border:1px solid #cf222e}
        .verdict.error{background:#fff8c5;border:1px solid #9a6700}
        .badge{display:inline-block;padding:0 .4rem;border-radius:3px;font-size:11px;font-weight:600;color:#fff;background:#59636e}
        .badge.pass{background:#1a7f37}.badge.fail,.badge.regressed{background:#cf222e}.badge.error{background:#9a6700}
        tr.regressed>td:first-child{border-left:4px solid #cf222e}tr.failing>td:first-child{border-left:4px solid #fd8c73}
        .results td{max-width:40rem}.reason{margin:.25rem 0}.call-error{color:#cf222e;margin:.25rem 0}
        details ul{margin:.25rem 0;padding-left:1.2rem}
        """
}
