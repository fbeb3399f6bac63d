import Hummingbird
import KeelCore
import KeelGateway
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
        config: KeelConfig, connections: UpstreamConnectionPool, store: any KeelStorage, writer: TraceWriter, tracer: (any Tracer)? = nil,
        logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> [any Service] {
        let providers = ProviderFactory.make(config.providers, http: UpstreamHTTPClient(pool: connections))
        let registry = PrometheusCollectorRegistry()
        let gateway = Gateway(
            config: config, providers: providers, traces: writer, keys: store, prices: .builtIn(overrides: config.pricing),
            metrics: MetricsRoute<BasicRequestContext>.factory(registry: registry), tracer: tracer, logger: logger)
        gateway.seedTargetVersions(try await store.latestTargetVersions())
        let authenticator = KeyAuthenticator(store: store, config: config.auth)
        let router = Router()
        router.add(middleware: OpenAIErrorMiddleware())
        router.add(middleware: AdminAuthMiddleware(authenticator: authenticator))
        router.get("/healthz") { _, _ in Response.json(HealthReport.make(gateway, writer: writer)) }
        let gatewayRoutes = GatewayRoutes<BasicRequestContext>(gateway: gateway, authenticator: authenticator)
        gatewayRoutes.register(on: router)
        var direct = DirectRoutes()
        gatewayRoutes.register(on: &direct)
        KeyRoutes(store: store, authenticator: authenticator, maxBodyBytes: config.server.maxBodyBytes).register(on: router)
        CostRoute(store: store).register(on: router)
        let batches = BatchRunner(gateway: gateway, store: store, concurrency: config.batchConcurrency, logger: logger)
        FileRoutes(store: store, authenticator: authenticator, maxBodyBytes: config.server.maxBodyBytes).register(on: router)
        BatchRoutes(store: store, runner: batches, authenticator: authenticator, maxBodyBytes: config.server.maxBodyBytes).register(on: router)
        TraceRoutes(store: store).register(on: router)
        GuardRoute(gateway: gateway).register(on: router)
        MetricsRoute(registry: registry, gateway: gateway, writer: writer).register(on: router)
        let server = HTTPServer(
            configuration: .init(
                host: config.server.host, port: config.server.port, serverName: "keel", maxBodyBytes: config.server.maxBodyBytes,
                idleTimeout: .milliseconds(Int64(config.server.idleTimeoutMs))),
            responder: router.buildResponder(), direct: direct, logger: logger, onServerRunning: onServerRunning)
        // Stopped in reverse: the server first, then the batches it started.
        return [batches, server]
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
    public static func serve(config: KeelConfig, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let store = try StoreFactory.open(config.storage)
        let writer = StoreFactory.writer(for: store, config: config.storage, logger: logger)
        let connections = makeConnectionPool(maxConnections: config.providers.map(\.maxConnections).max() ?? 64)
        let telemetry = try TelemetryBackend.make(config.telemetry, logger: logger)
        let gateway = try await gatewayServices(
            config: config, connections: connections, store: store, writer: writer, tracer: telemetry?.tracer, logger: logger,
            onServerRunning: onServerRunning)
        // Stopped in reverse: the server, the batches, the provider client, the trace writer, the span exporter.
        let services: [any Service] = (telemetry.map { [$0.service] } ?? []) + [writer, ConnectionPoolService(pool: connections)] + gateway
        try await runUntilSignalled(services, graceMs: config.server.shutdownGraceMs, logger: logger)
    }

    public static func serveMock(host: String, port: Int, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
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
    static func make(_ gateway: Gateway, writer: TraceWriter) -> JSONValue {
        let breakers = gateway.breakers.states().mapValues { JSONValue.string($0.rawValue) }
        let counters = writer.counters
        let deadLetterPending = writer.deadLetterPending
        return [
            "status": deadLetterPending > 0 ? "degraded" : "ok", "models": .int(Int64(gateway.config.models.count)), "breakers": .object(breakers),
            "traces": [
                "queued": .int(Int64(counters.queued)), "written": .int(Int64(counters.written)),
                "backpressure_waits": .int(Int64(counters.backpressureWaits)), "failed_batches": .int(Int64(counters.failedBatches)),
                "dead_lettered": .int(Int64(counters.deadLettered)), "dead_letter_pending": .int(Int64(deadLetterPending)),
            ],
        ]
    }
}
