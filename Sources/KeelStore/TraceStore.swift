import Foundation
import KeelCore

/// Where traces live. SQLite (embedded) is the default; PostgreSQL comes for several replicas.
public protocol TraceStore: Sendable {
    func insert(_ traces: [Trace]) async throws
    func trace(id: String) async throws -> Trace?
    func traces(_ query: TraceQuery) async throws -> TracePage
    func stats(_ query: StatsQuery) async throws -> [StatsRow]
    /// Deletes traces older than `date` and, beyond `maxCount`, the oldest; returns how many went.
    func applyRetention(olderThan date: Date?, maxCount: Int?) async throws -> Int
    func recordEvent(_ event: StoredEvent) async throws
    func events(since: Date?, limit: Int) async throws -> [StoredEvent]
    func insertSpans(_ spans: [Span]) async throws
    /// The spans of a W3C trace, oldest first.
    func spans(otelTraceID: String) async throws -> [Span]
    /// The Keel traces that belong to a W3C trace, oldest first.
    func traces(otelTraceID: String) async throws -> [Trace]
    /// The model version and fingerprint each target last answered with.
    func latestTargetVersions() async throws -> [TargetVersion]
}

/// What a target (provider and upstream model) answered with.
public struct TargetVersion: Sendable, Equatable {
    public var provider: String
    public var upstreamModel: String
    public var responseModel: String?
    public var systemFingerprint: String?

    public init(provider: String, upstreamModel: String, responseModel: String?, systemFingerprint: String?) {
        self.provider = provider
        self.upstreamModel = upstreamModel
        self.responseModel = responseModel
        self.systemFingerprint = systemFingerprint
    }
}

public struct TraceQuery: Sendable, Equatable {
    public var model: String?
    public var provider: String?
    public var status: String?
    public var user: String?
    public var session: String?
    public var tag: String?
    /// `support-reply` (every version) or `support-reply@3`.
    public var prompt: PromptFilter?
    public var since: Date?
    public var until: Date?
    /// Case-insensitive text search in the request and the output.
    public var search: String?
    /// The prompt versions whose own text holds `search`: a call by reference stored as called
    /// holds its variables and history, not its version's text, and matches through these.
    public var searchedVersions: [PromptFilter] = []
    public var limit: Int = 50
    /// From a previous page's `nextCursor`.
    public var cursor: String?

    public init() {}
}

/// Traces of one prompt, or of one of its versions.
public struct PromptFilter: Sendable, Equatable {
    public var name: String
    public var version: Int?

    public init(name: String, version: Int? = nil) {
        self.name = name
        self.version = version
    }

    /// `NAME` or `NAME@VERSION`; nil when the version is not a number.
    public init?(_ text: String) {
        guard let at = text.lastIndex(of: "@") else {
            self.init(name: text)
            return
        }
        guard let version = Int(text[text.index(after: at)...]), version > 0, at > text.startIndex else { return nil }
        self.init(name: String(text[..<at]), version: version)
    }
}

public struct TracePage: Sendable {
    public var traces: [Trace]
    public var nextCursor: String?

    public init(traces: [Trace], nextCursor: String?) {
        self.traces = traces
        self.nextCursor = nextCursor
    }
}

public struct StatsQuery: Sendable, Equatable {
    public enum Grouping: String, Sendable, CaseIterable {
        case none, model, provider, user
        /// By prompt version: `support-reply@3`.
        case prompt
        /// The key of each row, as SQL over the `traces` table.
        var sqlKey: String {
            switch self {
            case .none: return "NULL"
            case .model, .provider, .user: return rawValue
            case .prompt: return "prompt_name || '@' || prompt_version"
            }
        }
    }

    public var since: Date
    public var groupBy: Grouping

    public init(since: Date, groupBy: Grouping = .none) {
        self.since = since
        self.groupBy = groupBy
    }
}

public struct StatsRow: Sendable, Equatable {
    /// The group's value (nil for no grouping, or traces without one).
    public var key: String?
    /// Every request of the group, those the client cancelled included.
    public var requests: Int
    /// Requests that failed (a cancelled one is not an error).
    public var errors: Int
    /// Requests the client gave up on: not counted as errors, nor in the latencies.
    public var cancelled: Int
    public var p50LatencyMs: Double?
    public var p95LatencyMs: Double?
    public var p99LatencyMs: Double?
    public var promptTokens: Int
    public var completionTokens: Int
    public var costUSD: Double
    /// Requests whose cost is unknown (a model with no price).
    public var unpricedRequests: Int
    /// Per score name, over the scores of the group's traces.
    public var scores: [String: ScoreAggregate] = [:]

    /// Errors over the requests that were not cancelled.
    public var errorRate: Double { requests - cancelled <= 0 ? 0 : Double(errors) / Double(requests - cancelled) }
    public var costPerRequest: Double { requests == 0 ? 0 : costUSD / Double(requests) }

    public init(
        key: String?, requests: Int, errors: Int, cancelled: Int = 0, p50LatencyMs: Double?, p95LatencyMs: Double?, p99LatencyMs: Double?,
        promptTokens: Int, completionTokens: Int, costUSD: Double, unpricedRequests: Int
    ) {
        self.key = key
        self.requests = requests
        self.errors = errors
        self.cancelled = cancelled
        self.p50LatencyMs = p50LatencyMs
        self.p95LatencyMs = p95LatencyMs
        self.p99LatencyMs = p99LatencyMs
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.costUSD = costUSD
        self.unpricedRequests = unpricedRequests
    }

    public var json: JSONValue {
        func ms(_ value: Double?) -> JSONValue { value.map { .double($0.rounded3) } ?? .null }
        return [
            "key": key.json, "requests": .int(Int64(requests)), "errors": .int(Int64(errors)), "cancelled": .int(Int64(cancelled)),
            "error_rate": .double(errorRate),
            "p50_latency_ms": ms(p50LatencyMs), "p95_latency_ms": ms(p95LatencyMs), "p99_latency_ms": ms(p99LatencyMs),
            "prompt_tokens": .int(Int64(promptTokens)), "completion_tokens": .int(Int64(completionTokens)),
            "cost_usd": .double(costUSD), "cost_per_request_usd": .double(costPerRequest),
            "unpriced_requests": .int(Int64(unpricedRequests)), "scores": .object(scores.mapValues(\.json)),
        ]
    }
}

/// Something worth knowing that happened to a target, e.g. a changed model version (drift).
public struct StoredEvent: Sendable, Equatable {
    public var createdAt: Date
    public var kind: String
    public var provider: String?
    public var upstreamModel: String?
    public var detail: JSONValue

    public init(createdAt: Date, kind: String, provider: String?, upstreamModel: String?, detail: JSONValue) {
        self.createdAt = createdAt
        self.kind = kind
        self.provider = provider
        self.upstreamModel = upstreamModel
        self.detail = detail
    }

    public var json: JSONValue {
        [
            "created_at": .string(Trace.format(createdAt)), "kind": .string(kind), "provider": provider.json,
            "upstream_model": upstreamModel.json, "detail": detail,
        ]
    }
}
