import ArgumentParser
import Foundation
import KeelCore
import KeelEvals
import KeelServer
import KeelStore

/// `keel eval`: promptfoo-style suites run through Keel's own pipeline, gated by exit code.
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run eval suites against prompt versions or models, and look at past runs.",
        subcommands: [Run.self, List.self, Show.self, Add.self, Calibrate.self])

    /// Exit codes: 0 passed, 100 tests failed or regressed, 1 the run could not be done.
    static let runFailed = ExitCode(1)

    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return runFailed
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Run suites through the gateway in process; exit 0 when they pass, 100 when tests fail or regress, 1 when the run cannot be done.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "Suite files (YAML).") var suites: [String]
        @Option(help: "What to test instead of the suite's target: PROMPT@VERSION, PROMPT@LABEL, or a model for a model suite.")
        var candidate: String?
        @Option(help: "Compare with this (same forms as --candidate): tests passing here and failing on the candidate are regressions.")
        var baseline: String?
        @Option(name: .customLong("repeat"), help: "Run every test this many times (the spread shows flaky tests).") var repeats = 1
        @Option(help: "Calls in flight at once.") var concurrency = 4
        @Option(name: .shortAndLong, help: "Write the report: report.json, report.html or report.csv (repeatable).") var output: [String] = []
        @Flag(help: "Print the JSON report instead of the table.") var json = false

        func validate() throws {
            guard repeats >= 1, repeats <= 100 else { throw ValidationError("--repeat: expected 1 to 100") }
            guard concurrency >= 1, concurrency <= 256 else { throw ValidationError("--concurrency: expected 1 to 256") }
            for path in output where EvalReportFormat(path: path) == nil {
                throw ValidationError("--output \(path): expected a .json, .html or .csv file")
            }
        }

        func run() async throws {
            let config: KeelConfig
            do {
                config = try options.loadForReload().0
            } catch {
                throw Eval.fail("\(error)")
            }
            var loaded: [EvalSuite] = []
            for path in suites {
                do {
                    loaded.append(try EvalSuiteParser.load(path: path))
                } catch {
                    throw Eval.fail(error.description)
                }
            }
            let logger = options.makeLogger(label: "keel.eval")
            let bar = ProgressBar(suites: loaded.map(\.file))
            let reports: [EvalRunReport]
            do {
                reports = try await EvalSession.run(
                    loaded, options: EvalRunOptions(candidate: candidate, baseline: baseline, repeats: repeats, concurrency: concurrency),
                    config: config, logger: logger, progress: { bar.update(suite: $0, done: $1, total: $2) })
            } catch let error as EvalSetupError {
                bar.finish()
                throw Eval.fail(error.description)
            } catch {
                bar.finish()
                throw Eval.fail("the run could not be done: \(error)")
            }
            bar.finish()
            for report in reports {
                let json = report.json
                print(self.json ? json.encodedString() : EvalReportTable.render(json))
            }
            for path in output {
                try Eval.write(reports.map(\.json), to: path)
            }
            let codes = reports.map(\.summary.exitCode)
            let worst: Int32 = codes.contains(1) ? 1 : codes.contains(100) ? 100 : 0
            if worst != 0 { throw ExitCode(worst) }
        }
    }

    /// One report to `path` in its format; several suites' reports as one JSON list, or one after another.
    static func write(_ reports: [JSONValue], to path: String) throws {
        guard let format = EvalReportFormat(path: path) else { throw fail("--output \(path): expected a .json, .html or .csv file") }
        let text: String
        if reports.count == 1 {
            text = format.render(reports[0])
        } else if format == .json {
            text = JSONValue.object(["runs": .array(reports)]).encodedString()
        } else {
            text = reports.map(format.render).joined(separator: format == .csv ? "" : "\n")
        }
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw fail("cannot write \(path): \(error.localizedDescription)")
        }
        FileHandle.standardError.write(Data("report written to \(path)\n".utf8))
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Past eval runs, newest first.")

        @OptionGroup var options: ConfigOptions
        @Option(help: "Only runs of this suite file.") var suite: String?
        @Option(help: "Only runs whose candidate was this prompt.") var prompt: String?
        @Option(help: "Only passed, failed or error runs.") var verdict: String?
        @Option(help: "At most this many.") var limit = 20
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try await options.openStore()
            let runs = try await store.evalRuns(EvalRunQuery(suite: suite, prompt: prompt, verdict: verdict, limit: max(1, min(limit, 1000))))
            if json {
                print(JSONValue.object(["data": .array(runs.map(\.summaryJSON))]).encodedString())
                return
            }
            if runs.isEmpty {
                print("no eval runs yet: keel eval run SUITE")
                return
            }
            print("RUN                STARTED               VERDICT  PASS    CANDIDATE             BASELINE              SUITE")
            for run in runs {
                let rate = "\(Int((run.passRate * 100).rounded()))%"
                print(
                    [
                        pad(run.id, 18), pad(Trace.format(run.startedAt).prefix(19) + "Z", 21), pad(run.verdict, 8), pad(rate, 7),
                        pad(run.candidate, 21),
                        pad(run.baseline ?? "-", 21), run.suite,
                    ].joined(separator: " "))
            }
        }

        private func pad<S: StringProtocol>(_ text: S, _ width: Int) -> String {
            String(text).padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One run's results, as the run printed them, or its report.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The run's id (eval_...).") var run: String
        @Flag(help: "Print the JSON report.") var json = false
        @Option(name: .shortAndLong, help: "Write the report: report.json, report.html or report.csv.") var output: [String] = []

        func run() async throws {
            let store = try await options.openStore()
            guard let record = try await store.evalRun(id: run) else { throw Eval.fail("no eval run '\(run)' (keel eval list shows them)") }
            print(json ? record.report.encodedString() : EvalReportTable.render(record.report))
            for path in output { try Eval.write([record.report], to: path) }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a production trace a test of a suite: its input as the test, the corrected answer as the reference.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The suite file.") var suite: String
        @Option(help: "The trace whose input becomes the test.") var trace: String
        @Option(help: "The right answer (default: the answer the trace got).") var expected: String?

        func run() async throws {
            let parsed: EvalSuite
            do {
                parsed = try EvalSuiteParser.load(path: suite)
            } catch {
                throw Eval.fail(error.description)
            }
            let store = try await options.openStore()
            guard let found = try await store.trace(id: trace) else { throw Eval.fail("no trace '\(trace)'") }
            let promptSuite: Bool
            if case .prompt(let selector) = parsed.target {
                guard let used = found.prompt, used.name == selector.name else {
                    throw Eval.fail(
                        "trace \(trace) did not call prompt '\(selector.name)'\(found.prompt.map { " (it called '\($0.name)')" } ?? ""): its variables cannot make a test of this suite"
                    )
                }
                promptSuite = true
            } else {
                promptSuite = false
            }
            let messages = try await StoredCallRenderer(store: store).sent(found).request["messages"]?.arrayValue ?? []
            let answer = found.output["content"]?.stringValue
            let test = EvalTestAppender.test(
                fromTrace: found.id, variables: found.prompt?.variables, messages: messages, answer: answer, expected: expected,
                promptSuite: promptSuite)
            do {
                let written = try EvalTestAppender.append(test, toSuiteAt: suite)
                _ = try EvalSuiteParser.load(path: suite)
                print("added a test from trace \(found.id) to \(written)")
            } catch {
                throw Eval.fail(error.description)
            }
        }
    }
}

extension Eval {
    struct Calibrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How often each online eval's judge agrees with people's annotations of the same traces (agreement and Cohen's kappa).")

        @OptionGroup var options: ConfigOptions
        @Option(help: "Only this score name.") var name: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try await options.openStore()
            let reports = try await CalibrationReport.make(store: store, name: name)
            if json {
                let rows: [JSONValue] = reports.map { report in
                    [
                        "name": .string(report.name), "pairs": .int(Int64(report.pairs)),
                        "agreement": report.agreement.map(JSONValue.double) ?? .null,
                        "kappa": report.kappa.map(JSONValue.double) ?? .null, "strength": .string(report.strength),
                        "both_pass": .int(Int64(report.bothPass)), "judge_only_pass": .int(Int64(report.judgeOnlyPass)),
                        "person_only_pass": .int(Int64(report.personOnlyPass)), "both_fail": .int(Int64(report.bothFail)),
                    ]
                }
                print(JSONValue.object(["data": .array(rows)]).encodedString())
                return
            }
            guard !reports.isEmpty else {
                print("no trace has both a judge's score and an annotation of the same name (annotate with POST /api/scores, source: annotation)")
                return
            }
            print("NAME                  PAIRS  AGREEMENT  KAPPA   STRENGTH")
            for report in reports {
                let agreement = report.agreement.map { "\(Int(($0 * 100).rounded()))%" } ?? "-"
                let kappa = report.kappa.map { $0.formatted(.number.precision(.fractionLength(2))) } ?? "-"
                print(
                    report.name.padding(toLength: max(21, report.name.count), withPad: " ", startingAt: 0) + " "
                        + String(report.pairs).padding(toLength: 6, withPad: " ", startingAt: 0) + " "
                        + agreement.padding(toLength: 10, withPad: " ", startingAt: 0) + " " + kappa.padding(toLength: 7, withPad: " ", startingAt: 0)
                        + " " + report.strength)
            }
        }
    }
}

/// `keel eval run`'s progress on a terminal (standard error); silent when it is not one.
final class ProgressBar: Sendable {
    private let suites: [String]
    private let enabled = isatty(STDERR_FILENO) == 1

    init(suites: [String]) { self.suites = suites }

    func update(suite: Int, done: Int, total: Int) {
        guard enabled, total > 0 else { return }
        let width = 30
        let filled = done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let name = suites.indices.contains(suite) ? (suites[suite] as NSString).lastPathComponent : ""
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) \(name)   ".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
