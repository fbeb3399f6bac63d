import Foundation

/// The whole of keel.yaml, validated. Every key is documented in README.md.
public struct KeelConfig: Sendable, Equatable {
    public var server: ServerConfig
    public var storage: StorageConfig
    public var resilience: ResilienceConfig
    public var providers: [ProviderConfig]
    public var models: [ModelConfig]
    /// Prices that override or extend the built-in catalog.
    public var pricing: [PriceOverride] = []
    public var telemetry = TelemetryConfig()
    /// Checks for every model that has no `guardrails` of its own.
    public var guardrails = GuardrailsConfig()
    public var auth = AuthConfig()
    /// Teams and their budgets; a key joins one with `--team`.
    public var teams: [TeamConfig] = []
    /// How many lines of a batch run at once.
    public var batchConcurrency = 4
    /// How long a process holds a batch it runs without renewing its lease (renewed every third
    /// of it): past that, another process of a fleet takes the batch over.
    public var batchLeaseSeconds = 30
    /// The `rollouts:` block: the steps and guards a rollout gets unless its flags say otherwise
    /// (read by KeelPrompts' `RolloutDefaults`, which `keel` checks at load).
    public var rollouts: JSONObject = [:]
    /// The `evals:` block: judge, online evals, scheduled suites (read by KeelEvals'
    /// `EvalSettings`, which `keel` checks at load).
    public var evals: JSONObject = [:]
    /// The `monitoring:` block and the `alerts:` channels (read by KeelMonitor's
    /// `MonitorSettings` and `AlertChannel`, which `keel` checks at load).
    public var monitoring: JSONObject = [:]
    public var alerts: [JSONValue] = []
    /// The `slos:` list (read by KeelMonitor's `SLO.parse`).
    public var slos: [JSONValue] = []
    /// The `remediation:` block (read by KeelMonitor's `RemediationSettings`).
    public var remediation: JSONObject = [:]
    /// Labels (`prompts.protected_labels`) that only a version with a passing eval run may get,
    /// unless forced.
    public var protectedLabels: [String] = []
    /// The response cache's memory bound, in bytes.
    public var cacheMaxBytes = KeelConfig.defaultCacheMaxBytes
    public static let defaultCacheMaxBytes = 64 * 1024 * 1024

    public init(
        server: ServerConfig = ServerConfig(), storage: StorageConfig = StorageConfig(),
        resilience: ResilienceConfig = ResilienceConfig(), providers: [ProviderConfig], models: [ModelConfig]
    ) {
        self.server = server
        self.storage = storage
        self.resilience = resilience
        self.providers = providers
        self.models = models
    }

    public func provider(named name: String) -> ProviderConfig? {
        providers.first { $0.name == name }
    }

    public func model(named name: String) -> ModelConfig? {
        models.first { $0.name == name }
    }
}

public struct ServerConfig: Sendable, Equatable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// Largest request body accepted, in bytes; larger bodies get a 413.
    public var maxBodyBytes: Int = 4 * 1024 * 1024
    /// How long a graceful stop waits for in-flight requests before closing them.
    public var shutdownGraceMs: Int = 30_000
    /// How long a client connection may sit with no request in flight before Keel closes it.
    public var idleTimeoutMs: Int = 75_000

    public init(host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 4 * 1024 * 1024, shutdownGraceMs: Int = 30_000) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.shutdownGraceMs = shutdownGraceMs
    }
}

public struct StorageConfig: Sendable, Equatable {
    public var url: String = "sqlite://keel.db"
    /// Traces waiting to be written; a full queue makes requests wait (back-pressure).
    public var queueCapacity: Int = 10_000
    /// Traces written per transaction.
    public var batchSize: Int = 500
    /// How long the writer lets traces gather before a transaction smaller than a batch.
    public var flushIntervalMs: Int = 100
    /// Traces older than this are deleted; nil keeps them.
    public var retentionDays: Int?
    /// Beyond this many traces the oldest are deleted; nil keeps them.
    public var maxTraces: Int?
    /// What a budget does when its spend cannot be read from the store (a database down when
    /// the key's first request of a period comes): `closed` refuses the request (503), `open`
    /// admits it unbudgeted and reads again on the next request.
    public var budgetsWhenUnreachable = BudgetFailure.closed

    public enum BudgetFailure: String, Sendable, CaseIterable {
        case closed, open
    }

    public init(url: String = "sqlite://keel.db") { self.url = url }

    /// A relative SQLite path in a configuration file is relative to that file's folder, so
    /// that `keel serve` and `keel traces` find the same database from anywhere.
    mutating func resolveRelativePath(against directory: String) {
        guard let path = sqlitePath, !path.hasPrefix("/"), path != ":memory:" else { return }
        url = "sqlite://" + directory + "/" + path
    }

    /// The file of a `sqlite://PATH` URL (`sqlite:///abs/path` for an absolute path).
    public var sqlitePath: String? {
        guard url.hasPrefix("sqlite://") else { return nil }
        return String(url.dropFirst("sqlite://".count))
    }
}

/// OpenTelemetry export of a span per request and per attempt (off without an endpoint).
public struct TelemetryConfig: Sendable, Equatable {
    public enum OTLPProtocol: String, Sendable, CaseIterable {
        case httpProtobuf = "http/protobuf"
        case httpJSON = "http/json"
    }

    /// The OTLP/HTTP traces endpoint, e.g. `http://collector:4318/v1/traces`.
    public var otlpEndpoint: String?
    public var otlpHeaders: [String: String] = [:]
    public var otlpProtocol: OTLPProtocol = .httpProtobuf
    public var serviceName = "keel"
    /// How often finished spans are sent.
    public var exportIntervalMs = 5_000

    public init() {}
}

/// A price from keel.yaml, in USD per million tokens.
public struct PriceOverride: Sendable, Equatable {
    public var provider: String?
    public var model: String
    public var input: Double
    public var output: Double
    public var cachedInput: Double?
    public var cacheWrite: Double?

    public init(provider: String? = nil, model: String, input: Double, output: Double, cachedInput: Double? = nil, cacheWrite: Double? = nil) {
        self.provider = provider
        self.model = model
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite
    }
}

public enum ProviderKind: String, Sendable, Equatable, CaseIterable {
    case openai, anthropic, gemini, mock
}

public struct ProviderConfig: Sendable, Equatable {
    public var name: String
    public var kind: ProviderKind
    public var baseURL: String
    public var apiKey: String?
    /// Extra headers sent on every upstream request (e.g. `OpenAI-Organization`).
    public var headers: [String: String]
    /// Anthropic only: the `anthropic-version` header.
    public var anthropicVersion: String
    /// Anthropic only: `max_tokens` when the client sends none (the Messages API requires it).
    public var defaultMaxTokens: Int
    /// Pooled connections per upstream host.
    public var maxConnections: Int
    /// The egress proxy for this provider, overriding `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`:
    /// an `http://[user:pass@]host:port` URL, or `direct` for none; nil follows the environment.
    public var proxy: String?

    public init(
        name: String, kind: ProviderKind, baseURL: String? = nil, apiKey: String? = nil, headers: [String: String] = [:],
        anthropicVersion: String = "2023-06-01", defaultMaxTokens: Int = 4096, maxConnections: Int = 64
    ) {
        self.name = name
        self.kind = kind
        self.baseURL = baseURL ?? Self.defaultBaseURL(for: kind)
        self.apiKey = apiKey
        self.headers = headers
        self.anthropicVersion = anthropicVersion
        self.defaultMaxTokens = defaultMaxTokens
        self.maxConnections = maxConnections
    }

    public static func defaultBaseURL(for kind: ProviderKind) -> String {
        switch kind {
        case .openai: return "https://api.openai.com/v1"
        case .anthropic: return "https://api.anthropic.com"
        case .gemini: return "https://generativelanguage.googleapis.com"
        case .mock: return ""
        }
    }
}

public struct ModelConfig: Sendable, Equatable {
    public var name: String
    public var targets: [TargetConfig]
    /// Per-attempt timeout; for streams, the longest silence allowed between two chunks.
    public var timeoutMs: Int
    /// Streams only: how long an attempt may take to produce its first chunk.
    public var firstTokenTimeoutMs: Int
    /// Extra attempts on the same target, for retryable errors only.
    public var retries: Int
    /// This model's own checks, in place of the global ones; nil to use those.
    public var guardrails: GuardrailsConfig?
    /// Requests and tokens per minute for the model, across all callers.
    public var rpm: Int?
    public var tpm: Int?
    /// How long an answer is served from the response cache; nil: not cached.
    public var cacheTTLSeconds: Int?
    /// Serve one key's cached answers to other keys too. Off, the cache (exact and semantic) is
    /// kept apart per team, and per key for a key without a team: an answer may quote the
    /// prompt it was made for, so sharing lets one caller read what another asked.
    public var cacheSharedAcrossKeys = false
    /// Also serve answers to requests that mean the same: embeddings from a Keel model.
    public var semanticCache: SemanticCacheConfig?
    /// Set for a router: it has no targets of its own.
    public var router: RouterConfig?
    /// What to answer, in the API's normal shape and marked as such, when every target failed
    /// (graceful degradation); nil: the error.
    public var fallbackAnswer: String?
    /// Token caps: the most input a request may carry, what to do beyond it, and the most output.
    public var maxInputTokens: Int?
    public var inputOverflow = InputOverflow.reject
    public var maxOutputTokens: Int?
    /// Mark the stable part of requests (tools, long system prompts, a prompt's messages) for
    /// the provider's prompt cache, where the provider has one that needs marking (Anthropic).
    public var promptCaching = true

    public enum InputOverflow: String, Sendable, CaseIterable {
        /// Refuse the request with a 400 (`context_length_exceeded`).
        case reject
        /// Drop the oldest turns (never a system or developer message) until it fits.
        case prune
    }

    public init(name: String, targets: [TargetConfig], timeoutMs: Int = 30_000, firstTokenTimeoutMs: Int? = nil, retries: Int = 1) {
        self.name = name
        self.targets = targets
        self.timeoutMs = timeoutMs
        self.firstTokenTimeoutMs = firstTokenTimeoutMs ?? timeoutMs
        self.retries = retries
    }
}

public struct TargetConfig: Sendable, Equatable {
    public var provider: String
    public var model: String

    public init(provider: String, model: String) {
        self.provider = provider
        self.model = model
    }
}

/// Gateway-wide settings of retries, backoff and circuit breakers.
public struct ResilienceConfig: Sendable, Equatable {
    public var backoffInitialMs: Int = 200
    public var backoffMaxMs: Int = 5_000
    /// A `Retry-After` longer than this is not waited for: the next target is tried instead.
    public var maxRetryAfterMs: Int = 10_000
    /// Retries may be at most this fraction of first attempts, over a sliding 10 s window...
    public var retryBudgetRatio: Double = 0.2
    /// ...plus this many retries per second, so that low traffic can still retry.
    public var retryBudgetMinPerSecond: Double = 3
    /// Consecutive failures that open a target's breaker.
    public var breakerFailureThreshold: Int = 5
    /// How long an open breaker rejects calls before it lets a probe through.
    public var breakerCooldownMs: Int = 30_000

    public init() {}
}

public struct SemanticCacheConfig: Sendable, Equatable {
    /// The Keel model that embeds requests.
    public var embeddingModel: String
    /// The cosine similarity from which two requests share an answer.
    public var threshold: Double

    public static let defaultThreshold = 0.95

    public init(embeddingModel: String, threshold: Double = SemanticCacheConfig.defaultThreshold) {
        self.embeddingModel = embeddingModel
        self.threshold = threshold
    }
}
