import KeelCore
import KeelPrompts
import KeelProviders
import KeelStore
import Logging
import Tracing

/// What a request is served from: the configuration, what Keel made of it (providers, guards,
/// cost routers, prices) and the prompt catalog. Immutable: `Gateway` swaps it whole, and a
/// request keeps the one it started with to its end.
public final class GatewaySnapshot: Sendable {
    public let config: KeelConfig
    public let prompts: PromptCatalog
    let promptFaults: PromptRenderingFaults
    let router: FallbackRouter
    let errors: ClientErrorMapper
    let recorder: TraceRecorder
    let inputGuards: ModelGuards
    let outputPolicies: ModelOutputPolicies
    let classifiers: ModelClassifiers
    let routers: [String: CostRouter]

    init(config: KeelConfig, providers: [String: any ModelProvider], prices: PriceCatalog, prompts: PromptCatalog, state: GatewayState) {
        let logger = state.logger
        let providerKinds = Dictionary(config.providers.map { ($0.name, $0.kind) }) { first, _ in first }
        let errors = ClientErrorMapper(secrets: config.providers.compactMap(\.apiKey).filter { !$0.isEmpty })
        let resilience = config.resilience
        self.config = config
        self.prompts = prompts
        promptFaults = PromptRenderingFaults(prompts)
        self.errors = errors
        inputGuards = ModelGuards(config: config) { $0.input }
        outputPolicies = ModelOutputPolicies(config: config)
        classifiers = ModelClassifiers(config: config)
        routers = Dictionary(config.models.compactMap { model in model.router.map { (model.name, CostRouter($0)) } }) { first, _ in first }
        recorder = TraceRecorder(
            sink: state.traces, costs: CostCalculator(catalog: prices, providers: config.providers, logger: logger),
            metrics: state.metrics, drift: state.drift,
            spans: state.tracer.map { SpanEmitter(tracer: $0, providerKinds: providerKinds) },
            rollouts: state.rollouts,
            limits: Limits(
                ledger: state.ledger, limiter: state.limiter,
                teams: Dictionary(config.teams.map { ($0.name, $0.budget) }) { first, _ in first }, keys: state.keys),
            tokens: TokenCounter(vocabulary: TokenCounter.needsVocabulary(config) ? BPETokenizer.cl100k : nil))
        router = FallbackRouter(
            providers: providers, breakers: state.breakers, retryBudget: state.retryBudget,
            backoff: Backoff(initialMs: resilience.backoffInitialMs, maxMs: resilience.backoffMaxMs),
            maxRetryAfterMs: resilience.maxRetryAfterMs, errors: errors, logger: logger)
    }

    private init(_ other: GatewaySnapshot, prompts: PromptCatalog) {
        config = other.config
        self.prompts = prompts
        promptFaults = PromptRenderingFaults(prompts)
        router = other.router
        errors = other.errors
        recorder = other.recorder
        inputGuards = other.inputGuards
        outputPolicies = other.outputPolicies
        classifiers = other.classifiers
        routers = other.routers
    }

    /// The same snapshot serving `prompts`: nothing made of the configuration is made again.
    func with(prompts: PromptCatalog) -> GatewaySnapshot {
        GatewaySnapshot(self, prompts: prompts)
    }

    func resolve(_ name: String) throws(KeelError) -> ModelConfig {
        guard let model = config.model(named: name) else { throw KeelError.modelNotFound(name, available: config.models.map(\.name)) }
        return model
    }
}

/// What outlives a snapshot: the state a reload must not reset (breakers, spend, rate limits,
/// drift, metrics) and where traces go.
struct GatewayState: Sendable {
    let traces: (any TraceSink)?
    let keys: (any APIKeyStore)?
    let metrics: GatewayMetrics
    let tracer: (any Tracer)?
    let drift: DriftDetector
    let ledger: any BudgetLedger
    let limiter: any RateLimiting
    let breakers: CircuitBreakers
    let retryBudget: RetryBudget
    let rollouts: RolloutBoard
    let overrides: TrafficOverrides
    let logger: Logger
}
