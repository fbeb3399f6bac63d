import Foundation
import KeelCore
import KeelEvals
import KeelGateway
import KeelProviders
import KeelStore
import Logging
import ServiceLifecycle
import Synchronization

/// What `keel eval run` was asked beyond the suites.
public struct EvalRunOptions: Sendable {
    public var candidate: String?
    public var baseline: String?
    public var repeats: Int
    public var concurrency: Int
    /// Where the run started: `cli`, `schedule`.
    public var origin: String

    public init(candidate: String? = nil, baseline: String? = nil, repeats: Int = 1, concurrency: Int = 4, origin: String = "cli") {
        self.candidate = candidate
        self.baseline = baseline
        self.repeats = repeats
        self.concurrency = concurrency
        self.origin = origin
    }
}

/// `keel eval run`: suites run through a gateway built in this process on keel.yaml and its
/// store, the pipeline live traffic takes (providers, failover, guardrails, pricing, traces);
/// each run is stored with its report. Traces are all written before `run` returns.
public enum EvalSession {
    /// `progress(suite, done, total)` after each graded call of the suite at that index.
    public static func run(
        _ suites: [EvalSuite], options: EvalRunOptions, config: KeelConfig, logger: Logger,
        progress: @escaping @Sendable (Int, Int, Int) -> Void = { _, _, _ in }
    ) async throws -> [EvalRunReport] {
        let settings: EvalSettings
        do {
            settings = try EvalSettings(config.evals, models: Set(config.models.map(\.name)))
        } catch {
            throw EvalSetupError(error.description)
        }
        let store = try await StoreFactory.open(config.storage)
        let writer = StoreFactory.writer(for: store, config: config.storage, logger: logger)
        let connections = KeelServer.makeConnectionPool(maxConnections: config.providers.map(\.maxConnections).max() ?? 64)
        let outcome = Mutex<Result<[EvalRunReport], any Error>?>(nil)
        let job = OneShotService {
            do {
                let tap = TraceTap(forwardingTo: writer)
                let (gateway, _) = try await KeelServer.makeGateway(config: config, connections: connections, store: store, sink: tap, logger: logger)
                let (catalog, skipped) = try await PromptLibrary.catalog(from: store)
                for problem in skipped { logger.warning("a stored prompt version does not read", metadata: ["problem": "\(problem)"]) }
                gateway.install(prompts: catalog)
                var reports: [EvalRunReport] = []
                for (index, suite) in suites.enumerated() {
                    let report = try await runSuite(
                        suite, options: options, settings: settings, gateway: gateway, store: store, tap: tap,
                        progress: { progress(index, $0, $1) })
                    reports.append(report)
                }
                outcome.withLock { $0 = .success(reports) }
            } catch {
                outcome.withLock { $0 = .failure(error) }
            }
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: writer), .init(service: ConnectionPoolService(pool: connections)),
                    .init(service: job, successTerminationBehavior: .gracefullyShutdownGroup),
                ], logger: logger))
        try await group.run()
        guard let result = outcome.withLock({ $0 }) else { throw EvalSetupError("the run stopped before it finished") }
        return try result.get()
    }

    /// One suite against a running gateway; the run is stored.
    static func runSuite(
        _ suite: EvalSuite, options: EvalRunOptions, settings: EvalSettings, gateway: Gateway, store: any KeelStorage, tap: TraceTap,
        progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws -> EvalRunReport {
        let sides = try EvalSideResolver(catalog: gateway.snapshot.prompts, models: Set(gateway.config.models.map(\.name)))
            .sides(for: suite, candidate: options.candidate, baseline: options.baseline)
        let id = EvalRunReport.newID()
        let runner = EvalRunner(
            transport: GatewayEvalTransport(gateway: gateway, tap: tap, session: id), judgeModel: settings.judgeModel,
            embeddingModel: settings.embeddingModel, concurrency: options.concurrency, repeats: options.repeats)
        let started = Date()
        let results = await runner.run(suite, sides: sides, progress: progress)
        let report = EvalRunReport(
            id: id, suite: suite, startedAt: started, finishedAt: Date(), repeats: runner.repeats, sides: sides, results: results)
        try await store.saveEvalRun(EvalRunRecord(report, origin: options.origin))
        return report
    }
}

extension EvalRunRecord {
    init(_ report: EvalRunReport, origin: String) {
        let candidate = report.sides.first { $0.role == .candidate } ?? report.sides[0]
        var prompt: String?
        var version: Int?
        if case .prompt(let name, let number) = candidate.target { (prompt, version) = (name, number) }
        self.init(
            id: report.id, suite: report.suiteFile, description: report.suiteDescription, startedAt: report.startedAt,
            verdict: report.summary.verdict.rawValue, candidatePrompt: prompt, candidateVersion: version, candidate: candidate.resolved,
            baseline: report.sides.first { $0.role == .baseline }?.resolved, passRate: report.summary.side(candidate.role)?.passRate ?? 0,
            origin: origin, report: report.json)
    }
}

/// A service that does one job and ends (its group then stops, the services it used last).
struct OneShotService: Service {
    let job: @Sendable () async -> Void

    init(_ job: @escaping @Sendable () async -> Void) { self.job = job }

    func run() async throws { await job() }
}
