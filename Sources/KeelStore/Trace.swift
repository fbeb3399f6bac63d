import Foundation
import KeelCore

/// One request through Keel, as stored: who asked what, which targets were tried, what
/// answered, how long it took, how many tokens it used and what it cost.
public struct Trace: Sendable, Equatable {
    public struct Attempt: Sendable, Equatable {
        public enum Outcome: String, Sendable {
            case ok, error
            case skipped = "skipped_circuit_open"
            /// The upstream client sent the request again on a new connection: the one it had was
            /// closed before any of the request was written.
            case resent = "resent_on_new_connection"
        }

        public var provider: String
        public var upstreamModel: String
        public var outcome: Outcome
        public var status: Int?
        public var error: String?
        public var latencyMs: Double

        public init(provider: String, upstreamModel: String, outcome: Outcome, status: Int? = nil, error: String? = nil, latencyMs: Double) {
            self.provider = provider
            self.upstreamModel = upstreamModel
            self.outcome = outcome
            self.status = status
            self.error = error
            self.latencyMs = latencyMs
        }
    }

    public struct Usage: Sendable, Equatable {
        public var promptTokens: Int?
        public var completionTokens: Int?
        public var cachedTokens: Int?
        public var cacheWriteTokens: Int?
        public var reasoningTokens: Int?

        public init(
            promptTokens: Int? = nil, completionTokens: Int? = nil, cachedTokens: Int? = nil, cacheWriteTokens: Int? = nil,
            reasoningTokens: Int? = nil
        ) {
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.cachedTokens = cachedTokens
            self.cacheWriteTokens = cacheWriteTokens
            self.reasoningTokens = reasoningTokens
        }
    }

    public var id: String
    /// `chat` or `embeddings`.
    public var operation: String
    public var startedAt: Date
    public var latencyMs: Double
    public var ttftMs: Double?
    /// The model name the client sent.
    public var model: String
    public var provider: String?
    public var upstreamModel: String?
    /// The model version and fingerprint the provider answered with.
    public var responseModel: String?
    public var systemFingerprint: String?
    /// `ok`, or the error type (`rate_limit_error`, `timeout_error`, ...).
    public var status: String
    public var httpStatus: Int
    public var errorMessage: String?
    public var finishReason: String?
    public var stream: Bool
    public var usage: Usage
    /// Nil when the model has no price in the catalog.
    public var costUSD: Double?
    public var user: String?
    public var session: String?
    public var tags: [String]
    public var metadata: JSONValue?
    /// The messages and parameters as the client sent them. A trace handed to a sink with
    /// `requestJSON` set has `request` null: the text says it all, and the parsed copy is let
    /// go on the request's own thread (`droppingParsedRequest()`). A trace read back from a
    /// store has it parsed.
    public var request: JSONValue {
        get { requestStorage.value }
        set { requestStorage = RequestStorage(stored: newValue) }
    }
    private var requestStorage: RequestStorage
    /// `request` exactly as the client sent it, when Keel stores it unchanged: written as it
    /// is rather than encoded again (a trace is written on every request).
    public var requestJSON: String?
    /// The stored request is a call by reference as the client made it (its `prompt` member,
    /// variables and history), not the rendered request Keel sent: the version's text is stored
    /// once, with the version, and rendered again on read (`Trace.withSentRequest(from:)`).
    /// Before the trace is handed to its store, `request` is still the rendered body while
    /// `requestJSON` holds the call.
    public var requestIsCall = false
    /// The answer: `{"content": ..., "tool_calls": [...]}`.
    public var output: JSONValue
    public var attempts: [Attempt]
    /// The W3C trace this request belongs to: the client's `traceparent`, else the trace id.
    public var otelTraceID: String?
    public var spanID: String?
    /// The client's span, from its `traceparent`.
    public var parentSpanID: String?
    /// What the guardrails found: one object per verdict (check, type, action, score, location).
    public var guardrails: [JSONValue] = []
    /// The name of the Keel API key the request came with, and its team.
    public var apiKey: String?
    public var apiTeam: String?
    /// That key's id: budgets sum spend by it, so a new key given a revoked key's name starts
    /// from nothing.
    public var apiKeyID: String?
    /// `hit` or `miss` for a model with a response cache.
    public var cache: String?
    /// What a cache hit would have cost.
    public var savedUSD: Double?
    /// What the provider's prompt cache saved: cached input at the full input rate less its
    /// cache rate, less the surcharge on cache writes (negative when the request only wrote).
    public var cacheSavingsUSD: Double?
    /// A router's decision: `{router, model, rule, reasons}`.
    public var routing: JSONValue?
    /// The prompt version the request called by reference.
    public var prompt: PromptUse?

    /// A prompt called by reference: its name and version, the label asked for (nil when the
    /// request named the version), the model the request named, which the prompt's pin overrode,
    /// and the variables it was rendered with (what `keel eval add` makes a test of). Held by
    /// reference: a trace is copied several times on its way to the store, and one reference
    /// costs each copy less than these six members.
    public final class PromptUse: Sendable, Equatable {
        public let name: String
        public let version: Int
        /// `support-reply@3`, what the monitor scopes the trace by.
        public let reference: String
        public let label: String?
        public let requestedModel: String?
        public let variables: JSONObject?

        /// `reference` is `name@version`, given when the caller has it made already.
        public init(
            name: String, version: Int, label: String? = nil, requestedModel: String? = nil, variables: JSONObject? = nil, reference: String? = nil
        ) {
            self.name = name
            self.version = version
            self.reference = reference ?? "\(name)@\(version)"
            self.label = label
            self.requestedModel = requestedModel
            self.variables = variables
        }

        public static func == (lhs: PromptUse, rhs: PromptUse) -> Bool {
            (lhs.name, lhs.version, lhs.reference, lhs.label, lhs.requestedModel) == (
                rhs.name, rhs.version, rhs.reference, rhs.label, rhs.requestedModel
            )
                && lhs.variables == rhs.variables
        }
    }

    public init(
        id: String, operation: String = "chat", startedAt: Date, latencyMs: Double, ttftMs: Double? = nil, model: String,
        provider: String? = nil, upstreamModel: String? = nil, responseModel: String? = nil, systemFingerprint: String? = nil,
        status: String = "ok", httpStatus: Int = 200, errorMessage: String? = nil, finishReason: String? = nil, stream: Bool = false,
        usage: Usage = Usage(), costUSD: Double? = nil, user: String? = nil, session: String? = nil, tags: [String] = [],
        metadata: JSONValue? = nil, request: JSONValue = [:], output: JSONValue = [:], attempts: [Attempt] = [],
        otelTraceID: String? = nil, spanID: String? = nil, parentSpanID: String? = nil
    ) {
        self.id = id
        self.operation = operation
        self.startedAt = startedAt
        self.latencyMs = latencyMs
        self.ttftMs = ttftMs
        self.model = model
        self.provider = provider
        self.upstreamModel = upstreamModel
        self.responseModel = responseModel
        self.systemFingerprint = systemFingerprint
        self.status = status
        self.httpStatus = httpStatus
        self.errorMessage = errorMessage
        self.finishReason = finishReason
        self.stream = stream
        self.usage = usage
        self.costUSD = costUSD
        self.user = user
        self.session = session
        self.tags = tags
        self.metadata = metadata
        requestStorage = RequestStorage(stored: request)
        self.output = output
        self.attempts = attempts
        self.otelTraceID = otelTraceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
    }
}

extension Trace {
    /// `otelTraceID` as stores hold it: empty for a trace that is its own OTel trace (a request
    /// without a `traceparent`, the usual case), which would otherwise store its id twice and
    /// add an index entry at a random place on every insert. Read back by `otelTraceID(stored:)`.
    var storedOTelTraceID: String? { otelTraceID == id ? "" : otelTraceID }

    /// The prompt use whose requested model and variables the stores keep in columns of their
    /// own: none for a call stored as called, whose request holds them.
    var promptUseInColumns: PromptUse? { requestIsCall ? nil : prompt }

    /// A trace read back: a request that still has its `prompt` member is a call stored as
    /// called (a rendered request never has one), and gives the requested model and the
    /// variables its row does not hold.
    mutating func readCallBack() {
        guard let use = prompt, let call = request.objectValue, let reference = call["prompt"]?.objectValue else { return }
        requestIsCall = true
        prompt = PromptUse(
            name: use.name, version: use.version, label: use.label,
            requestedModel: use.requestedModel ?? call["model"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            variables: use.variables ?? reference["variables"]?.objectValue ?? [:], reference: use.reference)
    }

    /// The OTel trace id of a trace read back with `stored` in its column.
    static func otelTraceID(stored: String?, id: String) -> String? {
        stored.map { $0.isEmpty ? id : $0 }
    }

    /// `request` as a body made only if something reads it: a call by reference's rendering.
    public mutating func deferRequest(_ body: DeferredObject) {
        requestStorage = RequestStorage(stored: .null, body: body)
    }

    /// A request held as it is, or as a body yet to be made; equal by what they say.
    private struct RequestStorage: Sendable, Equatable {
        var stored: JSONValue
        var body: DeferredObject?

        var value: JSONValue { body.map { .object($0.value) } ?? stored }

        static func == (lhs: RequestStorage, rhs: RequestStorage) -> Bool { lhs.value == rhs.value }
    }

    /// The trace without its parsed request when `requestJSON` holds the same. A parsed request
    /// is dozens of allocations: freed by the trace writer, on another thread and a batch later,
    /// they cost about a tenth of a proxied request's CPU (alternating runs); freed here, on the
    /// thread that made them, much less.
    public consuming func droppingParsedRequest() -> Trace {
        if requestJSON != nil { request = .null }
        return self
    }
}
