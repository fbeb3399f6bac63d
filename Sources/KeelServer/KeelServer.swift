import CoreMetrics
import Foundation
import Hummingbird
import KeelCore
import KeelEvals
import KeelGateway
import KeelMonitor
import KeelProviders
import KeelStore
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Tracing

/// Builds and runs Keel's HTTP servers: the gateway (`keel serve`) and the mock provider
/// (`keel mock`), each stopping gracefully on SIGTERM and SIGINT.
public enum KeelServer {
    /// The gateway's HTTP server for `config` and the batch runner beside it, with a pooled
    /// HTTP client to the providers and traces going to `store` through `writer`.
    static func gatewayServices(
        config: KeelConfig, source: ConfigSource? = nil, connections: UpstreamConnectionPool, store: any KeelStorage, writer: TraceWriter,
        tracer: (any Tracer)? = nil, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> [any Service] {
        let parts = try await gatewayParts(
            config: config, source: source, connections: connections, store: store, writer: writer, tracer: tracer, logger: logger)
        let server = HTTPServer(
            configuration: .init(
                host: config.server.host, port: config.server.port, serverName: "keel", maxBodyBytes: config.server.maxBodyBytes,
                idleTimeout: .milliseconds(Int64(config.server.idleTimeoutMs))),
            responder: parts.routes.router.buildResponder(), direct: parts.routes.direct, logger: logger, onServerRunning: onServerRunning)
        // Stopped in reverse: the server first, then the batches it started.
        return [parts.batches] + parts.background + [server]
    }

    /// The gateway, its batch runner and every route of its server, each with its access.
    static func gatewayParts(
        config: KeelConfig, source: ConfigSource? = nil, connections: UpstreamConnectionPool, store: any KeelStorage, writer: TraceWriter,
        tracer: (any Tracer)? = nil, logger: Logger
    ) async throws -> (routes: RouteCatalogue, batches: BatchRunner, background: [any Service]) {
        let registry = PrometheusCollectorRegistry()
        let evalSettings = try EvalSettings(config.evals, models: Set(config.models.map(\.name)))
        let online = evalSettings.online.isEmpty ? nil : OnlineEvaluator(settings: evalSettings, store: store, logger: logger)
        // The monitor's signals take every batch the writer stores. Online evals see every
        // finished trace through a tap; without them (and scheduled suites) the writer is the sink.
        let monitorSettings = try MonitorSettings(config.monitoring)
        let slos = try SLO.parse(config.slos)
        let signals = SignalFeed(
            book: SignalBook(settings: .init(horizon: max(3600, monitorSettings.longestLook)), mirror: SLOBook.make(for: slos)), store: store,
            writer: writer, logger: logger)
        var tap: TraceTap?
        if let online {
            tap = TraceTap(forwardingTo: writer, observer: { online.offer($0) })
        } else if !evalSettings.scheduled.isEmpty {
            tap = TraceTap(forwardingTo: writer)
        }
        let sink: any TraceSink = tap ?? writer
        let (gateway, http) = try await makeGateway(
            config: config, connections: connections, store: store, sink: sink, metrics: MetricsRoute.factory(registry: registry),
            tracer: tracer, logger: logger)
        if let online, let tap { online.attach(gateway: gateway, tap: tap, signals: signals.book) }
        let prompts = PromptCatalogRefresher(store: store, gateway: gateway, logger: logger)
        try await prompts.refresh()
        let authenticator = KeyAuthenticator(store: store, config: config.auth)
        let batches = BatchRunner(
            gateway: gateway, store: store, concurrency: config.batchConcurrency, lease: .seconds(config.batchLeaseSeconds),
            sole: config.storage.sqlitePath != nil, logger: logger)
        let maxBodyBytes = config.server.maxBodyBytes
        let routes = RouteCatalogue(authenticator: authenticator)

        let open = routes.group(.open)
        let alerts = AlertSender(
            channels: try AlertChannel.parse(.array(config.alerts)), http: http, source: "keel",
            link: { id in monitorSettings.externalURL.map { $0 + "/api/incidents/" + id } }, logger: logger)
        let rollouts = RolloutDriver(store: store, gateway: gateway, prompts: prompts, logger: logger)
        try await rollouts.sync()
        let monitor = MonitorService(
            settings: monitorSettings, remediation: try RemediationSettings(config.remediation), slos: slos, book: signals.book, store: store,
            gateway: gateway, rollouts: rollouts, alerts: alerts, leadership: store as? any StoreLeadership, logger: logger)
        open.get("/healthz") { _, _ in
            Response.json(HealthReport.make(gateway, writer: writer, failingAlertChannels: monitor.failingChannels, monitorLeads: monitor.leads))
        }
        try OpenAPIRoute.load().register(on: open)

        let apiKey = routes.group(.apiKey)
        GatewayRoutes(gateway: gateway).register(on: apiKey)
        FileRoutes(store: store, maxBodyBytes: maxBodyBytes).register(on: apiKey)
        BatchRoutes(store: store, runner: batches, maxBodyBytes: maxBodyBytes).register(on: apiKey)
        ScoreRoutes(store: store, signals: signals.book, maxBodyBytes: maxBodyBytes).register(on: apiKey)

        let admin = routes.group(.admin)
        KeyRoutes(store: store, authenticator: authenticator, maxBodyBytes: maxBodyBytes).register(on: admin)
        CostRoute(store: store).register(on: admin)
        PromptRoutes(
            store: store, gateway: gateway, refresher: prompts, gate: ProtectedLabelGate(store: store, protectedLabels: config.protectedLabels),
            maxBodyBytes: maxBodyBytes
        ).register(on: admin)
        TraceRoutes(store: store, gateway: gateway).register(on: admin)
        EventRoutes(store: store, maxBodyBytes: maxBodyBytes).register(on: admin)
        EvalRoutes(store: store).register(on: admin)
        ReviewRoutes(store: store, gateway: gateway).register(on: admin)
        SignalRoutes(book: signals.book).register(on: admin)
        IncidentRoutes(store: store, monitor: monitor, maxBodyBytes: maxBodyBytes).register(on: admin)
        GuardRoute(gateway: gateway).register(on: admin)
        MetricsRoute(registry: registry, gateway: gateway, writer: writer, monitor: monitor).register(on: admin)
        RolloutRoutes(
            control: { RolloutControl(store: store, config: gateway.config, board: gateway.rollouts) }, store: store, driver: rollouts,
            prompts: prompts, maxBodyBytes: maxBodyBytes
        ).register(on: admin)
        var background: [any Service] = [prompts, rollouts, signals, monitor]
        if let notifying = store as? any StoreChangeNotifying {
            background.append(
                StoreChangeListener(store: notifying, logger: logger) { change in
                    switch change {
                    case .prompts: try? await prompts.refresh()
                    case .rollouts: try? await rollouts.sync()
                    case .keys: authenticator.keysChanged()
                    }
                })
        }
        if let online { background.append(online) }
        if let tap, !evalSettings.scheduled.isEmpty {
            background.append(
                ScheduledEvals(
                    settings: evalSettings, store: store, gateway: gateway, tap: tap,
                    baseDirectory: source?.directory ?? FileManager.default.currentDirectoryPath,
                    logger: logger))
        }
        let reloader = source.map { ConfigReloader(source: $0, gateway: gateway, http: http, started: config, events: store, logger: logger) }
        ConfigRoutes(reloader: reloader).register(on: admin)
        if let reloader { background.append(await ReloadOnHangup(reloader: reloader)) }
        return (routes, batches, background)
    }

    /// The gateway for `config`: providers over a pooled HTTP client (through the egress proxies
    /// the environment names), traces to `sink`, the drift detector seeded from the store.
    static func makeGateway(
        config: KeelConfig, connections: UpstreamConnectionPool, store: any KeelStorage, sink: any TraceSink,
        metrics: any MetricsFactory = MetricsSystem.factory, tracer: (any Tracer)? = nil, logger: Logger
    ) async throws -> (Gateway, UpstreamHTTPClient) {
        let proxies = try ProxySettings.fromEnvironment()
        if proxies.httpsProxy != nil || proxies.httpProxy != nil {
            // The proxies' host and port only: their descriptions never carry the credentials.
            logger.info(
                "upstream egress proxy",
                metadata: [
                    "https_proxy": "\(proxies.httpsProxy?.description ?? "none")", "http_proxy": "\(proxies.httpProxy?.description ?? "none")",
                ])
        }
        // Benchmarks only: KEEL_UPSTREAM_CLIENT=async-http-client measures AsyncHTTPClient in place of Keel's client.
        let http =
            UpstreamHTTPClient.asksForAsyncHTTPClient()
            ? UpstreamHTTPClient(asyncHTTPClientWith: connections, maxConnectionsPerHost: config.providers.map(\.maxConnections).max() ?? 64)
            : UpstreamHTTPClient(pool: connections, proxies: proxies)
        let providers = ProviderFactory.make(config.providers, http: http)
        let gateway = Gateway(
            config: config, providers: providers, traces: sink, keys: store, prices: .builtIn(overrides: config.pricing),
            metrics: metrics, tracer: tracer, logger: logger)
        gateway.seedTargetVersions(try await store.latestTargetVersions())
        return (gateway, http)
    }

    /// Every route of the gateway that `config` describes, with the access it needs
    /// (`keel routes`), from a gateway built on a scratch store and never started.
    public static func routeTable(config: KeelConfig, logger: Logger) async throws -> [(method: String, path: String, access: String)] {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("keel-routes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let store = try SQLiteTraceStore(path: scratch.appendingPathComponent("routes.db").path)
        let connections = makeConnectionPool(maxConnections: 1)
        let parts = try await gatewayParts(
            config: config, connections: connections, store: store, writer: TraceWriter(store: store, logger: logger), logger: logger)
        await connections.shutdown()
        return parts.routes.entries.map { ($0.method.rawValue, $0.path, $0.access.rawValue) }
    }

    /// The standalone mock provider's HTTP server.
    static func mockServer(
        host: String, port: Int, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some Service {
        let maxBodyBytes = 64 * 1024 * 1024
        let router = Router()
        router.add(middleware: OpenAIErrorMiddleware())
        router.get("/healthz") { _, _ in Response.json(["status": "ok"]) }
        MockRoutes(engine: MockEngine(), maxBodyBytes: maxBodyBytes).register(on: router)
        return HTTPServer(
            configuration: .init(
                host: host, port: port, serverName: "keel-mock", maxBodyBytes: maxBodyBytes,
                idleTimeout: .milliseconds(Int64(ServerConfig().idleTimeoutMs))),
            responder: router.buildResponder(), logger: logger, onServerRunning: onServerRunning)
    }

    /// Runs the gateway until SIGTERM or SIGINT, then stops accepting, lets in-flight requests
    /// finish (up to `server.shutdown_grace_ms`), closes the provider connections and writes
    /// every remaining trace.
    public static func serve(
        config: KeelConfig, source: ConfigSource? = nil, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        if let problem = config.auth.exposureProblem(host: config.server.host) { throw StartRefused(description: problem) }
        let store = try await StoreFactory.open(config.storage)
        let writer = StoreFactory.writer(for: store, config: config.storage, logger: logger)
        let connections = makeConnectionPool(maxConnections: config.providers.map(\.maxConnections).max() ?? 64)
        let telemetry = try TelemetryBackend.make(config.telemetry, logger: logger)
        let gateway = try await gatewayServices(
            config: config, source: source, connections: connections, store: store, writer: writer, tracer: telemetry?.tracer, logger: logger,
            onServerRunning: onServerRunning)
        // Stopped in reverse: the server, the batches, the provider client, the trace writer, the span exporter.
        let services: [any Service] = (telemetry.map { [$0.service] } ?? []) + [writer, ConnectionPoolService(pool: connections)] + gateway
        try await runUntilSignalled(services, graceMs: config.server.shutdownGraceMs, logger: logger)
    }

    public static func serveMock(host: String, port: Int, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        async throws
    {
        let server = mockServer(host: host, port: port, logger: logger, onServerRunning: onServerRunning)
        try await runUntilSignalled([server], graceMs: 5_000, logger: logger)
    }

    public static func makeConnectionPool(maxConnections: Int) -> UpstreamConnectionPool {
        UpstreamConnectionPool(configuration: .init(maxConnectionsPerOrigin: maxConnections))
    }

    /// Services stop in the reverse of their order: the server first, then what it uses.
    private static func runUntilSignalled(_ services: [any Service], graceMs: Int, logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(graceMs)
        try await ServiceGroup(configuration: configuration).run()
    }
}

/// Why the gateway did not start, for its operator.
public struct StartRefused: Error, CustomStringConvertible {
    public let description: String
}

/// Keeps the provider connections open while the server runs and closes them after.
struct ConnectionPoolService: Service {
    let pool: UpstreamConnectionPool

    func run() async throws {
        try? await gracefulShutdown()
        await pool.shutdown()
    }
}

/// `GET /healthz`: up, with the state of every circuit breaker that has seen traffic; `degraded` while traces wait in the
/// dead-letter file (the gateway still serves: a 200 all the same).
enum HealthReport {
    static func make(_ gateway: Gateway, writer: TraceWriter, failingAlertChannels: [String] = [], monitorLeads: Bool = true) -> JSONValue {
        let breakers = gateway.breakers.states().mapValues { JSONValue.string($0.rawValue) }
        let counters = writer.counters
        let deadLetterPending = writer.deadLetterPending
        return [
            "status": deadLetterPending > 0 || !failingAlertChannels.isEmpty ? "degraded" : "ok", "models": .int(Int64(gateway.config.models.count)),
            "breakers": .object(breakers), "alerts": ["failing_channels": .array(failingAlertChannels.map(JSONValue.string))],
            "store": [
                "kind": PostgresURL.isPostgres(gateway.config.storage.url) ? "postgres" : "sqlite",
                "budgets_when_unreachable": .string(gateway.config.storage.budgetsWhenUnreachable.rawValue),
                "monitor": monitorLeads ? "leader" : "follower",
            ],
            "traces": [
                "queued": .int(Int64(counters.queued)), "written": .int(Int64(counters.written)),
                "backpressure_waits": .int(Int64(counters.backpressureWaits)), "failed_batches": .int(Int64(counters.failedBatches)),
                "dead_lettered": .int(Int64(counters.deadLettered)), "dead_letter_pending": .int(Int64(deadLetterPending)),
            ],
        ]
    }
}
