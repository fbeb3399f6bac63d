import Foundation
import KeelCore
import KeelProviders
import KeelStore
import Logging
import Metrics
import Tracing

/// The gateway: configuration, providers and the shared state of resilience (breakers, retry
/// budget). Each request goes through `RequestPipeline`.
public final class Gateway: Sendable {
    public let config: KeelConfig
    public let breakers: CircuitBreakers
    let router: FallbackRouter
    let errors: ClientErrorMapper
    let recorder: TraceRecorder
    let inputGuards: ModelGuards
    let outputPolicies: ModelOutputPolicies
    let classifiers: ModelClassifiers
    let responseCache: ResponseCache
    let semanticIndex = SemanticIndex()
    let routers: [String: CostRouter]
    let logger: Logger

    /// `traces` receives a trace of every request; `prices` prices them; `metrics` counts them.
    public init(
        config: KeelConfig, providers: [String: any ModelProvider], traces: (any TraceSink)? = nil, keys: (any APIKeyStore)? = nil,
        prices: PriceCatalog = .builtIn(), metrics: any MetricsFactory = MetricsSystem.factory, tracer: (any Tracer)? = nil,
        logger: Logger = Logger(label: "keel.gateway")
    ) {
        self.config = config
        self.logger = logger
        inputGuards = ModelGuards(config: config) { $0.input }
        outputPolicies = ModelOutputPolicies(config: config)
        classifiers = ModelClassifiers(config: config)
        routers = Dictionary(config.models.compactMap { model in model.router.map { (model.name, CostRouter($0)) } }) { first, _ in first }
        responseCache = ResponseCache(maxBytes: config.cacheMaxBytes, store: keys as? any ResponseCacheStore)
        recorder = TraceRecorder(
            sink: traces, costs: CostCalculator(catalog: prices, providers: config.providers, logger: logger),
            metrics: GatewayMetrics(factory: metrics), drift: DriftDetector(),
            spans: tracer.map {
                SpanEmitter(tracer: $0, providerKinds: Dictionary(config.providers.map { ($0.name, $0.kind) }) { first, _ in first })
            },
            limits: Limits(
                ledger: SpendLedger(store: keys, sink: traces), teams: Dictionary(config.teams.map { ($0.name, $0.budget) }) { first, _ in first },
                keys: keys),
            tokens: TokenCounter(vocabulary: TokenCounter.needsVocabulary(config) ? BPETokenizer.cl100k : nil))
        let resilience = config.resilience
        breakers = CircuitBreakers(
            failureThreshold: resilience.breakerFailureThreshold, cooldown: .milliseconds(resilience.breakerCooldownMs))
        errors = ClientErrorMapper(secrets: config.providers.compactMap(\.apiKey).filter { !$0.isEmpty })
        router = FallbackRouter(
            providers: providers, breakers: breakers,
            retryBudget: RetryBudget(ratio: resilience.retryBudgetRatio, minPerSecond: resilience.retryBudgetMinPerSecond),
            backoff: Backoff(initialMs: resilience.backoffInitialMs, maxMs: resilience.backoffMaxMs),
            maxRetryAfterMs: resilience.maxRetryAfterMs, errors: errors, logger: logger)
    }

    /// `GET /v1/models`: the model names clients (with `key`, if keys are in use) may send.
    public func modelList(for key: APIKey? = nil) -> JSONValue {
        ["object": "list", "data": .array(config.models.filter { key?.allows(model: $0.name) ?? true }.map(Self.modelObject))]
    }

    /// `GET /v1/models/{id}`.
    public func model(id: String, for key: APIKey? = nil) throws(KeelError) -> JSONValue {
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
        recorder.drift.seed(versions)
    }

    func resolve(_ name: String) throws(KeelError) -> ModelConfig {
        guard let model = config.model(named: name) else { throw KeelError.modelNotFound(name, available: config.models.map(\.name)) }
        return model
    }
}
