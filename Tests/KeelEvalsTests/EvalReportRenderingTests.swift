import KeelCore
import Testing

@testable import KeelEvals

@Suite struct EvalReportTableTests {
    typealias F = RunFixtures

    var report: JSONValue { F.report(F.regressedRun, threshold: 0.3) }

    @Test func regressionsComeFirstThenFailuresThenPasses() {
        let lines = EvalReportTable.render(report).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func line(_ text: String) -> Int { lines.firstIndex { $0.contains(text) } ?? -1 }
        let heading = line("Regressions (passed on baseline, fail on candidate)")
        #expect(heading >= 0)
        #expect(heading < line("mentions the refund policy"))
        #expect(line("mentions the refund policy") < line("Failing (1)"))
        #expect(line("Failing (1)") < line("cites the order number"))
        #expect(line("cites the order number") < line("Passing (1)"))
        #expect(line("Passing (1)") < line("greets the customer"))
        let regressed = lines[line("mentions the refund policy")]
        #expect(regressed.contains("FAIL 0.00"))
        #expect(regressed.contains("PASS 1.00"))
        #expect(regressed.contains("contains: expected \"refund\""))
    }

    @Test func itEndsWithTheVerdict() {
        let table = EvalReportTable.render(report)
        #expect(table.hasSuffix("\nFAILED: 1 test regressed against the baseline (exit 100)\n"))
    }

    @Test func itSummarisesEachSide() {
        let table = EvalReportTable.render(report)
        #expect(table.contains("candidate support@3 (support@staging): 1/3 passed (33.3%), mean score 0.33"))
        #expect(table.contains("baseline support@2 (support@production): 2/3 passed (66.7%), mean score 0.67"))
        #expect(table.contains("metric   contains  33.3% pass, mean 0.33"))
        #expect(table.contains("tokens   30 prompt / 15 completion"))
        #expect(table.contains("cost     $0.0123"))
        #expect(table.contains("cost     unpriced"))
        #expect(table.contains("latency  p50 100 ms / p95 100 ms"))
    }

    @Test func rowsFitTheWidth() {
        let long = String(repeating: "a very long test description ", count: 8)
        let results = [
            F.result(
                0, description: long, F.answer(.candidate, pass: false, reason: String(repeating: "why\nnot ", count: 40)),
                F.answer(.baseline, pass: true))
        ]
        for width in [80, 100, 140] {
            let table = EvalReportTable.render(F.report(results), width: width)
            let rows = table.split(separator: "\n").filter { $0.hasPrefix("  ") && !$0.hasPrefix("  metric") }
            #expect(!rows.isEmpty)
            #expect(rows.allSatisfy { $0.count <= width }, "\(width)")
            #expect(table.contains("…"))
        }
    }

    @Test func repeatsShowThePassCountAndFlakyTests() {
        let results = [
            F.result(0, repeat: 0, F.answer(.candidate, pass: true)), F.result(0, repeat: 1, F.answer(.candidate, pass: false, score: 0.25)),
            F.result(0, repeat: 2, F.answer(.candidate, pass: true)),
        ]
        let table = EvalReportTable.render(F.report(results, baseline: false, repeats: 3))
        #expect(table.contains("FAIL 2/3 0.75"))
        #expect(!table.contains("BASELINE"))
        #expect(table.contains("Flaky"))
        #expect(table.contains("passed 66.7% of repeats, scores 0.25..1.00"))
    }

    @Test func costsShowTwoSignificantDigitsAtLeast() {
        #expect(ReportNumbers.cost(0.0123) == "$0.0123")
        #expect(ReportNumbers.cost(1.5) == "$1.5000")
        #expect(ReportNumbers.cost(0.0023) == "$0.0023")
        #expect(ReportNumbers.cost(0.00011) == "$0.00011")
        #expect(ReportNumbers.cost(0.0000123) == "$0.000012")
        #expect(ReportNumbers.cost(0) == "$0.0000")
        #expect(ReportNumbers.cost(.null) == "unpriced")
        #expect(ReportNumbers.percent(2.0 / 3) == "66.7%")
        #expect(ReportNumbers.percent(1) == "100%")
    }

    @Test func aStoredRunPrintsAsAFreshOne() throws {
        let stored = try JSONValue.parse(report.encodedString())
        #expect(EvalReportTable.render(stored) == EvalReportTable.render(report))
        #expect(EvalReportHTML.render(stored) == EvalReportHTML.render(report))
        #expect(EvalReportCSV.render(stored) == EvalReportCSV.render(report))
    }

    @Test func aFailedCallShowsAsAnError() {
        let table = EvalReportTable.render(F.report([F.result(0, F.unanswered(.candidate))], baseline: false))
        #expect(table.contains("ERROR"))
        #expect(table.contains("the call failed: 503: upstream unavailable"))
        #expect(table.hasSuffix("(exit 1)\n"))
    }
}

@Suite struct EvalReportHTMLTests {
    typealias F = RunFixtures

    @Test func everythingFromTheReportIsEscaped() {
        let results = [
            F.result(
                0, description: "quotes \"double\" & 'single'", vars: ["html": "<b>bold</b>"],
                F.answer(.candidate, pass: false, text: "<script>alert(1)</script>", reason: "saw <img src=x onerror=alert(2)>"),
                F.answer(.baseline, pass: true))
        ]
        let html = EvalReportHTML.render(F.report(results))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>bold"))
        #expect(html.contains("saw &lt;img src=x onerror=alert(2)&gt;"))
        #expect(html.contains("quotes &quot;double&quot; &amp; &#39;single&#39;"))
        #expect(html.contains("Support replies &lt;v3&gt; &amp; friends"))
    }

    @Test func itIsOneSelfContainedPage() {
        let html = EvalReportHTML.render(F.report(F.regressedRun, threshold: 0.3))
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.hasSuffix("</html>\n"))
        #expect(html.contains("<style>"))
        for external in ["<link", "<script", "src=", "http://", "https://", "@import"] { #expect(!html.contains(external), "\(external)") }
        #expect(html.contains("eval_0123456789ab"))
        #expect(html.contains("evals/support.yaml"))
        #expect(html.contains("<div class=\"verdict failed\"><strong>FAILED</strong> 1 test regressed against the baseline (exit 100)</div>"))
        #expect(html.contains("<details>"))
    }

    @Test func regressionsComeFirst() throws {
        let html = EvalReportHTML.render(F.report(F.regressedRun, threshold: 0.3))
        let regressions = try #require(html.range(of: "Regressions (passed on baseline, fail on candidate)"))
        let results = try #require(html.range(of: "<h2>Results</h2>"))
        #expect(regressions.lowerBound < results.lowerBound)
        let rows = html[results.upperBound...]
        let regressed = try #require(rows.range(of: "mentions the refund policy"))
        let failing = try #require(rows.range(of: "cites the order number"))
        let passing = try #require(rows.range(of: "greets the customer"))
        #expect(regressed.lowerBound < failing.lowerBound)
        #expect(failing.lowerBound < passing.lowerBound)
    }
}

@Suite struct EvalReportCSVTests {
    typealias F = RunFixtures

    /// Reads RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks.
    static func records(_ csv: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(csv.unicodeScalars)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        field.unicodeScalars.append(characters.removeFirst())
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                record.append(field)
                field = ""
            } else if character == "\r" && characters.first == "\n" {
                characters.removeFirst()
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else {
                field.unicodeScalars.append(character)
            }
        }
        if !field.isEmpty || !record.isEmpty { records.append(record + [field]) }
        return records
    }

    @Test func oneRecordPerResultPerSide() {
        let csv = EvalReportCSV.render(F.report(F.regressedRun))
        let records = Self.records(csv)
        #expect(records.count == 1 + 3 * 2)
        #expect(records[0] == EvalReportCSV.columns)
        #expect(records.allSatisfy { $0.count == EvalReportCSV.columns.count })
        #expect(
            records[1] == [
                "0", "0", "greets the customer", "{}", "candidate", "true", "1", "all assertions passed", "an answer", "100", "0.01", "10", "5",
                "trace-candidate",
            ])
        #expect(records[2][4] == "baseline")
        #expect(records[2][10] == "")
        #expect(csv.hasSuffix("\r\n"))
        #expect(!csv.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }

    @Test func fieldsWithCommasQuotesAndLineBreaksAreQuoted() {
        let output = "Dear \"Ada\",\r\nyour refund, as promised.\nBye"
        let results = [
            F.result(
                0, description: "a, b", vars: ["name": "Ada", "n": 2], F.answer(.candidate, pass: true, text: output),
                F.answer(.baseline, pass: true))
        ]
        let csv = EvalReportCSV.render(F.report(results))
        #expect(csv.contains("\"Dear \"\"Ada\"\",\r\nyour refund, as promised.\nBye\""))
        let records = Self.records(csv)
        #expect(records.count == 3)
        #expect(records[1][2] == "a, b")
        #expect(records[1][3] == #"{"n":2,"name":"Ada"}"#)
        #expect(records[1][8] == output)
    }

    @Test(arguments: ["=HYPERLINK(\"http://x\")", "+1", "-1.5", "@SUM(A1)", "\tcmd", "\rcmd"])
    func aTextFieldThatStartsAFormulaIsGuarded(_ output: String) {
        let results = [F.result(0, description: output, F.answer(.candidate, pass: true, text: output))]
        let records = Self.records(EvalReportCSV.render(F.report(results, baseline: false)))
        #expect(records[1][2] == "'" + output)
        #expect(records[1][8] == "'" + output)
    }

    @Test func numbersAreNotGuarded() throws {
        var result = try #require(F.report([F.result(0, F.answer(.candidate, pass: true))], baseline: false)["results"]?[0]?.objectValue)
        var candidate = try #require(result["candidate"]?.objectValue)
        candidate["latency_ms"] = -1.5
        candidate["cost_usd"] = -0.25
        result["candidate"] = .object(candidate)
        let records = Self.records(EvalReportCSV.render(["results": [.object(result)]]))
        #expect(records[1][9] == "-1.5")
        #expect(records[1][10] == "-0.25")
        #expect(CSVField.text("safe") == "safe")
        #expect(CSVField.text("-x") == "'-x")
    }
}

@Suite struct EvalReportFormatTests {
    @Test(arguments: [
        ("out/run.json", EvalReportFormat.json), ("REPORT.JSON", .json), ("run.html", .html), ("run.htm", .html), ("a.b/run.csv", .csv),
    ])
    func theExtensionChoosesTheFormat(_ path: String, _ format: EvalReportFormat) {
        #expect(EvalReportFormat(path: path) == format)
    }

    @Test(arguments: ["run.txt", "run", "json", ".json", "out.json/run", "run.json.gz", ""])
    func anyOtherPathHasNone(_ path: String) {
        #expect(EvalReportFormat(path: path) == nil)
    }

    @Test func eachFormatRendersTheReport() throws {
        let report = RunFixtures.report(RunFixtures.regressedRun)
        let json = EvalReportFormat.json.render(report)
        #expect(try JSONValue.parse(json).canonicalString() == report.canonicalString())
        #expect(json.contains("\n  \"id\": \"eval_0123456789ab\""))
        #expect(EvalReportFormat.html.render(report) == EvalReportHTML.render(report))
        #expect(EvalReportFormat.csv.render(report) == EvalReportCSV.render(report))
    }
}
