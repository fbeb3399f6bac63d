import Foundation
import KeelCore
import KeelEvals
import KeelGateway
import KeelStore
import Logging
import ServiceLifecycle

/// Scheduled suites (`evals.scheduled`), the defence against silent drift: each suite runs
/// every `every` inside `keel serve` against what its target names now (a prompt's production
/// label, a model), is stored (origin `schedule`), and is compared with its previous scheduled
/// run; tests that passed then and fail now are an `eval_quality_drop` event naming them (the
/// monitor's quality signal). The schedule survives restarts: a suite is due `every` after its
/// last stored scheduled run.
final class ScheduledEvals: Service, Sendable {
    private let settings: EvalSettings
    private let store: any KeelStorage
    private let gateway: Gateway
    private let tap: TraceTap
    /// Where relative suite paths are read from: keel.yaml's folder.
    private let baseDirectory: String
    private let logger: Logger

    init(settings: EvalSettings, store: any KeelStorage, gateway: Gateway, tap: TraceTap, baseDirectory: String, logger: Logger) {
        self.settings = settings
        self.store = store
        self.gateway = gateway
        self.tap = tap
        self.baseDirectory = baseDirectory
        self.logger = logger
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for entry in settings.scheduled {
                group.addTask { await self.keepRunning(entry) }
            }
        }
    }

    private func path(_ entry: ScheduledSuite) -> String {
        entry.suite.hasPrefix("/") ? entry.suite : (baseDirectory as NSString).appendingPathComponent(entry.suite)
    }

    private func keepRunning(_ entry: ScheduledSuite) async {
        let file = path(entry)
        while !Task.isShuttingDownGracefully {
            let last = try? await store.evalRuns(EvalRunQuery(suite: file, limit: 20)).first { $0.origin == "schedule" }
            let due = last.map { $0.startedAt.addingTimeInterval(entry.every) } ?? Date()
            let wait = due.timeIntervalSinceNow
            if wait > 0 {
                do {
                    try await gracefulSleep(seconds: min(wait, 3600))
                } catch {
                    return
                }
                continue
            }
            guard await runOnce(file, previous: last) else {
                // A run that could not be done is tried again in a minute.
                do { try await gracefulSleep(seconds: 60) } catch { return }
                continue
            }
        }
    }

    /// Sleeps, ending early (with an error) when the server stops.
    private func gracefulSleep(seconds: Double) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64(seconds * 1000))) }
    }

    /// Runs the suite once, stores the run and reports a drop against `previous`; false when the
    /// run could not be done (it is then stored nowhere).
    @discardableResult
    func runOnce(_ file: String, previous: EvalRunRecord?) async -> Bool {
        do {
            let suite = try EvalSuiteParser.load(path: file)
            let report = try await EvalSession.runSuite(
                suite, options: EvalRunOptions(origin: "schedule"), settings: settings, gateway: gateway, store: store, tap: tap,
                progress: { _, _ in })
            logger.info(
                "scheduled eval run", metadata: ["suite": "\(file)", "run": "\(report.id)", "verdict": "\(report.summary.verdict.rawValue)"])
            if let previous, let drop = QualityDrop(previous: previous.report, current: report.json) {
                logger.warning("a scheduled eval run dropped", metadata: ["suite": "\(file)", "tests": "\(drop.tests.joined(separator: "; "))"])
                try await store.recordEvent(
                    StoredEvent(createdAt: Date(), kind: "eval_quality_drop", provider: nil, upstreamModel: nil, detail: drop.json(suite: file)))
            }
            return true
        } catch {
            logger.error("a scheduled eval run could not be done", metadata: ["suite": "\(file)", "error": "\(error)"])
            return false
        }
    }
}

/// A run that did worse than the one before it: tests that passed then and fail now, or a lower
/// pass rate.
struct QualityDrop: Equatable {
    var previousRun: String
    var currentRun: String
    var previousPassRate: Double
    var currentPassRate: Double
    /// The descriptions of the tests that passed in the previous run and fail in this one.
    var tests: [String]

    /// Nil when nothing got worse.
    init?(previous: JSONValue, current: JSONValue) {
        func outcomes(_ report: JSONValue) -> [String: Bool] {
            var passed: [String: Bool] = [:]
            for result in report["results"]?.arrayValue ?? [] {
                let key = result["description"]?.stringValue ?? "test \(result["test"]?.intValue ?? 0)"
                passed[key] = (passed[key] ?? true) && result["pass"]?.boolValue == true
            }
            return passed
        }
        func passRate(_ report: JSONValue) -> Double { report["summary"]?["sides"]?[0]?["pass_rate"]?.doubleValue ?? 0 }
        let before = outcomes(previous)
        let now = outcomes(current)
        tests = now.filter { !$0.value && before[$0.key] == true }.map(\.key).sorted()
        previousPassRate = passRate(previous)
        currentPassRate = passRate(current)
        previousRun = previous["id"]?.stringValue ?? ""
        currentRun = current["id"]?.stringValue ?? ""
        guard !tests.isEmpty || currentPassRate < previousPassRate else { return nil }
    }

    func json(suite: String) -> JSONValue {
        [
            "suite": .string(suite), "run_id": .string(currentRun), "previous_run_id": .string(previousRun),
            "pass_rate": .double(currentPassRate), "previous_pass_rate": .double(previousPassRate), "tests": .array(tests.map(JSONValue.string)),
        ]
    }
}

extension ConfigSource {
    /// The folder of the configuration file; nil for the built-in configuration.
    var directory: String? {
        guard !description.hasPrefix("<") else { return nil }
        let folder = (description as NSString).deletingLastPathComponent
        return folder.isEmpty ? FileManager.default.currentDirectoryPath : folder
    }
}
