import Foundation
import KeelCore
import KeelPrompts
import KeelProviders
import KeelStore
import Logging
import Metrics
import Synchronization
import Tracing

/// The gateway: the snapshot requests are served from, and the state that outlives snapshots
/// (breakers, retry budget, spend, rate limits, cache). Each request goes through `RequestPipeline`.
public final class Gateway: Sendable {
    private let current: Mutex<GatewaySnapshot>
    let state: GatewayState
    let responseCache: ResponseCache
    let semanticIndex = SemanticIndex()
    let logger: Logger

    /// `traces` receives a trace of every request; `prices` prices them; `metrics` counts them.
    public init(
        config: KeelConfig, providers: [String: any ModelProvider], traces: (any TraceSink)? = nil, keys: (any APIKeyStore)? = nil,
        prices: PriceCatalog = .builtIn(), metrics: any MetricsFactory = MetricsSystem.factory, tracer: (any Tracer)? = nil,
        logger: Logger = Logger(label: "keel.gateway")
    ) {
        let resilience = config.resilience
        state = GatewayState(
            traces: traces, keys: keys, metrics: GatewayMetrics(factory: metrics), tracer: tracer, drift: DriftDetector(),
            ledger: Self.ledger(config: config, keys: keys, traces: traces),
            limiter: (keys as? any SharedLimitStore).map(FleetRateLimiter.init) ?? RateLimiter(),
            breakers: CircuitBreakers(failureThreshold: resilience.breakerFailureThreshold, cooldown: .milliseconds(resilience.breakerCooldownMs)),
            retryBudget: RetryBudget(ratio: resilience.retryBudgetRatio, minPerSecond: resilience.retryBudgetMinPerSecond), rollouts: RolloutBoard(),
            overrides: TrafficOverrides(), logger: logger)
        current = Mutex(GatewaySnapshot(config: config, providers: providers, prices: prices, prompts: .empty, state: state))
        responseCache = ResponseCache(maxBytes: config.cacheMaxBytes, store: keys as? any ResponseCacheStore)
        self.logger = logger
        state.rollouts.shadowRunner.withLock { runner in runner = { [weak self] job in self?.runShadow(job) } }
    }

    /// Budgets are the fleet's when the store is shared (PostgreSQL), else this process's.
    private static func ledger(config: KeelConfig, keys: (any APIKeyStore)?, traces: (any TraceSink)?) -> any BudgetLedger {
        let failOpen = config.storage.budgetsWhenUnreachable == .open
        if let shared = keys as? any SharedLimitStore { return FleetSpendLedger(store: shared, sink: traces, failOpen: failOpen) }
        return SpendLedger(store: keys, sink: traces, failOpen: failOpen)
    }

    /// The snapshot a request that starts now is served from.
    public var snapshot: GatewaySnapshot { current.withLock { $0 } }

    public var config: KeelConfig { snapshot.config }

    public var breakers: CircuitBreakers { state.breakers }

    /// The rollouts this process serves.
    public var rollouts: RolloutBoard { state.rollouts }

    /// What the incident layer changed about routing, for a while.
    public var overrides: TrafficOverrides { state.overrides }

    var recorder: TraceRecorder { snapshot.recorder }

    /// Serves `config` from now on (requests already running finish on the snapshot they
    /// started with). Breakers, spend, rate limits and the cache carry over; the server's
    /// address, the store, telemetry and the resilience thresholds are read only at start.
    public func reload(config: KeelConfig, providers: [String: any ModelProvider], prices: PriceCatalog) {
        current.withLock { snapshot in
            snapshot = GatewaySnapshot(config: config, providers: providers, prices: prices, prompts: snapshot.prompts, state: state)
        }
    }

    /// Serves `prompts` from now on.
    public func install(prompts: PromptCatalog) {
        current.withLock { snapshot in snapshot = snapshot.with(prompts: prompts) }
    }

    /// `GET /v1/models`: the model names clients (with `key`, if keys are in use) may send.
    public func modelList(for key: APIKey? = nil) -> JSONValue {
        ["object": "list", "data": .array(config.models.filter { key?.allows(model: $0.name) ?? true }.map(Self.modelObject))]
    }

    /// `GET /v1/models/{id}`.
    public func model(id: String, for key: APIKey? = nil) throws(KeelError) -> JSONValue {
        let config = self.config
        guard let model = config.model(named: id) else { throw KeelError.modelNotFound(id, available: config.models.map(\.name)) }
        try Self.check(key, mayUse: model.name)
        return Self.modelObject(model)
    }

    /// A 403 when `key` may not call `model`.
    static func check(_ key: APIKey?, mayUse model: String) throws(KeelError) {
        guard let key, !key.allows(model: model) else { return }
        throw KeelError(
            status: 403, type: "permission_error",
            message: "The API key '\(key.name)' may not use model '\(model)' (it may use: \((key.models ?? []).joined(separator: ", "))).",
            param: "model", code: "model_not_allowed")
    }

    private static func modelObject(_ model: ModelConfig) -> JSONValue {
        ["id": .string(model.name), "object": "model", "created": 0, "owned_by": "keel"]
    }

    /// What each target last answered with, so that drift across a restart is noticed.
    public func seedTargetVersions(_ versions: [TargetVersion]) {
        state.drift.seed(versions)
    }
}
