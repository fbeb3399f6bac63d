import Foundation
import KeelCore
import KeelPrompts
import KeelStore

/// The members of a request's body that every trace records.
struct TracedMembers: Sendable {
    var model: String
    var stream: Bool
    var user: String?
    var metadata: JSONValue?

    init(model: String, stream: Bool, user: String?, metadata: JSONValue?) {
        self.model = model
        self.stream = stream
        self.user = user
        self.metadata = metadata
    }

    init(_ body: JSONObject) {
        self.init(
            model: body["model"]?.stringValue ?? "", stream: body["stream"]?.boolValue ?? false, user: body["user"]?.stringValue,
            metadata: body["metadata"])
    }
}

/// What is known of a request when it starts.
struct TraceDraft: Sendable {
    let id: TraceID
    let spanID = IdentifierRandom.hex(bytes: 8)
    let operation: String
    let startedAt: Date
    let start: ContinuousClock.Instant
    /// The request as parsed by validation; nil until then (or if it never parsed). Set
    /// through `parsed(_:)` or `rendered(_:bytes:)`; any later change means the stored request
    /// is no longer the bytes it came from.
    var body: JSONObject? {
        get { deferredBody?.value }
        set {
            deferredBody = newValue.map { DeferredObject($0) }
            members = newValue.map(TracedMembers.init)
            bodyBytes = nil
            callBytes = nil
        }
    }
    /// `body`, made (for a call by reference, rendered) only when something reads it.
    private(set) var deferredBody: DeferredObject?
    /// What the trace reads of `body`, known without making it.
    private(set) var members: TracedMembers?
    let rawBody: Data
    /// The bytes that say what `body` says, when Keel has them.
    private(set) var bodyBytes: Data?
    /// A call by reference as the client made it: what the store keeps in place of the
    /// rendered request, which the version and this call make again (`Trace.requestIsCall`).
    private(set) var callBytes: Data?
    let headers: [String: String]
    /// The guardrails' verdicts, as stored.
    var guardrails: [JSONValue] = []
    /// The name of the caller's Keel API key.
    var apiKey: String?
    var apiKeyID: String?
    /// The key itself, for a copy of the request Keel makes under it (a shadow run).
    var apiKeyRecord: APIKey?
    /// The budgets and rate limits the request holds, settled when its trace is recorded.
    var admission = Admission()
    var apiTeam: String?
    /// `hit` or `miss` when the model has a response cache.
    var cache: String?
    /// A router's decision.
    var routing: JSONValue?
    /// Keel's count of the input tokens, reconciled with the provider's.
    var countedInputTokens: Int?
    /// The prompt version the request called by reference.
    var prompt: ServedPrompt?
    /// The arm of the prompt's rollout that chose the version, when the label has a rollout.
    var promptRollout: ServedArm?
    /// The arm of its model's rollout, when the model has one.
    var modelRollout: ServedArm?

    /// The rollout arms that served the request.
    var rolloutArms: [ServedArm] { [promptRollout, modelRollout].compactMap { $0 } }

    /// The candidate arm that served it, if one did (a prompt's first).
    var candidateArm: ServedArm? { rolloutArms.first { $0.arm == .candidate && ($0.candidateVersion != nil || $0.candidateTarget != nil) } }

    var model: String { members?.model ?? "" }
    var stream: Bool { members?.stream ?? false }

    /// Validation parsed `rawBody` into `body`.
    mutating func parsed(_ body: JSONObject) {
        self.body = body
        bodyBytes = rawBody
    }

    /// A call by reference (`call`, the client's bytes) rendered `body` (made by `maker`),
    /// written as `bytes` (nil when it was not written).
    mutating func rendered(_ body: DeferredObject, by maker: RenderedBody, stream: Bool, bytes: Data?, call: Data) {
        deferredBody = body
        maker.trace(into: &members, stream: stream)
        bodyBytes = bytes
        callBytes = call
    }

    /// The store keeps the rendered request, not the call: a guard may have redacted what it
    /// may store of the variables or the messages, which the call holds as they came.
    mutating func storeRenderedRequest() { callBytes = nil }

    /// The text for the stored request, when bytes say what it must: the call by reference
    /// as the client made it, else the bytes of `body`. Bytes that escape characters JSON need
    /// not escape (`\u00e9`, `\/`) are encoded again, so that text search sees the characters.
    var storableBody: (text: String, isCall: Bool)? {
        if let callBytes, !Self.escapesNeedlessly(callBytes) { return (String(decoding: callBytes, as: UTF8.self), true) }
        guard let bodyBytes, !Self.escapesNeedlessly(bodyBytes) else { return nil }
        return (String(decoding: bodyBytes, as: UTF8.self), false)
    }

    static func escapesNeedlessly(_ json: Data) -> Bool {
        json.withUnsafeBytes { bytes in
            // `memchr` for the backslashes: most bodies have none, and it reads them in vectors.
            guard let base = bytes.baseAddress else { return false }
            var index = 0
            while index < bytes.count, let found = memchr(base + index, Int32(UInt8(ascii: "\\")), bytes.count - index) {
                let at = base.distance(to: UnsafeRawPointer(found))
                guard at + 1 < bytes.count else { return false }
                let escaped = bytes[at + 1]
                if escaped == UInt8(ascii: "u") || escaped == UInt8(ascii: "/") { return true }
                index = at + 2  // an escaped backslash is skipped whole
            }
            return false
        }
    }
}

/// How a stream ended.
enum StreamEnding: Sendable {
    case completed
    case failed(KeelError)
    /// The client went away before the end.
    case cancelled
}

/// Turns a request's draft and its outcome into a `Trace`, priced, and hands it to the sink.
final class TraceRecorder: Sendable {
    let sink: (any TraceSink)?
    let costs: CostCalculator
    let metrics: GatewayMetrics
    let drift: DriftDetector
    let spans: SpanEmitter?
    let limits: Limits
    let rollouts: RolloutBoard
    let tokens: TokenCounter
    /// What a finished trace goes through, in order (see `TraceObserver`), before `storage`.
    private let observers: [any TraceObserver]
    private let storage: TraceStorage

    init(
        sink: (any TraceSink)?, costs: CostCalculator, metrics: GatewayMetrics, drift: DriftDetector, spans: SpanEmitter?, rollouts: RolloutBoard,
        limits: Limits,
        tokens: TokenCounter
    ) {
        self.sink = sink
        self.costs = costs
        self.metrics = metrics
        self.drift = drift
        self.spans = spans
        self.limits = limits
        self.rollouts = rollouts
        self.tokens = tokens
        var observers: [any TraceObserver] = [
            TracePricing(costs: costs), TokenReconciliation(tokens: tokens), LimitSettlement(limits: limits), RolloutFeedback(rollouts: rollouts),
        ]
        if let spans { observers.append(SpanEmission(spans: spans)) }
        observers.append(MetricsObservation(metrics: metrics))
        self.observers = observers
        storage = TraceStorage(drift: drift, sink: sink)
    }

    /// A request's trace, begun. The stable arm's second pass at a request whose candidate
    /// failed (`candidateFallback`) goes on with the trace the first pass announced: one
    /// request, one trace, one `enqueue` for its one `begin`.
    func begin(_ incoming: IncomingRequest, operation: String) -> TraceDraft {
        if incoming.candidateFallback == nil { sink?.begin() }
        var draft = TraceDraft(
            id: incoming.traceID, operation: operation, startedAt: Date(), start: .now, rawBody: incoming.body,
            headers: incoming.headers)
        draft.apiKey = incoming.apiKey?.name
        draft.apiKeyID = incoming.apiKey?.id
        draft.apiKeyRecord = incoming.apiKey
        draft.apiTeam = incoming.apiKey?.team
        return draft
    }

    func completed(_ draft: TraceDraft, route: RouteInfo, response: JSONValue) async {
        var trace = base(draft, route: route)
        trace.responseModel = response["model"]?.stringValue
        trace.systemFingerprint = response["system_fingerprint"]?.stringValue
        trace.usage = Trace.Usage(openAI: response["usage"])
        let choice = response["choices"]?[0]
        trace.finishReason = choice?["finish_reason"]?.stringValue
        if let message = choice?["message"] {
            var output: JSONObject = ["content": message["content"] ?? .null]
            if let calls = message["tool_calls"] { output["tool_calls"] = calls }
            trace.output = .object(output)
        } else if draft.operation == "embeddings" {
            trace.output = ["embeddings": .int(Int64(response["data"]?.arrayValue?.count ?? 0))]
        }
        await record(trace, draft: draft, route: route)
    }

    func streamed(_ draft: TraceDraft, route: RouteInfo, ttftMs: Double, accumulated: StreamAccumulator, ending: StreamEnding) async {
        var trace = base(draft, route: route)
        trace.ttftMs = ttftMs
        trace.responseModel = accumulated.model
        trace.systemFingerprint = accumulated.systemFingerprint
        trace.finishReason = accumulated.finishReason
        trace.output = accumulated.output
        trace.usage = Trace.Usage(openAI: accumulated.usage)
        trace.guardrails += accumulated.guardrails
        switch ending {
        case .completed:
            break
        case .failed(let error):
            trace.status = error.type
            trace.errorMessage = error.message
        case .cancelled:
            trace.status = "client_cancelled"
            trace.httpStatus = 499
        }
        if accumulated.usage == nil {
            // The stream ended before its usage chunk: bill what was generated, estimated.
            trace.usage = Self.estimatedUsage(request: draft.body, text: accumulated.output.encodedString())
            trace.output = .object((trace.output.objectValue ?? [:]).merging(["usage_estimated": true]) { _, new in new })
        }
        await record(trace, draft: draft, route: route)
    }

    func failed(_ draft: TraceDraft, error: KeelError, route: RouteInfo) async {
        var draft = draft
        // A request that failed validation is still recorded with what it sent, if it was JSON.
        if draft.deferredBody == nil { draft.body = (try? JSONValue.parse(draft.rawBody))?.objectValue }
        var trace = base(draft, route: route)
        // 499: the client went away, as a stream that loses its client is recorded.
        trace.status = error.status == 499 ? "client_cancelled" : error.type
        trace.httpStatus = error.status
        trace.errorMessage = error.message
        await record(trace, draft: draft, route: route)
    }

    private func base(_ draft: TraceDraft, route: RouteInfo) -> Trace {
        let members = draft.members
        let parent = draft.headers["traceparent"].flatMap(TraceParent.init(header:))
        let tags =
            draft.headers["x-keel-tags"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
        var trace = Trace(
            id: draft.id.value, operation: draft.operation, startedAt: draft.startedAt, latencyMs: draft.start.millisecondsSince,
            model: draft.model, provider: route.provider, upstreamModel: route.upstreamModel, stream: draft.stream,
            user: draft.headers["x-keel-user"] ?? members?.user, session: draft.headers["x-keel-session"], tags: tags,
            metadata: members?.metadata, request: .null, output: [:],
            attempts: route.attempts.map(Self.attempt), otelTraceID: parent?.traceID ?? draft.id.value, spanID: draft.spanID,
            parentSpanID: parent?.parentSpanID)
        if let body = draft.deferredBody { trace.deferRequest(body) }
        if let stored = draft.storableBody {
            trace.requestJSON = stored.text
            trace.requestIsCall = stored.isCall
        }
        trace.guardrails = draft.guardrails
        trace.apiKey = draft.apiKey
        trace.apiKeyID = draft.apiKeyID
        trace.apiTeam = draft.apiTeam
        trace.cache = draft.cache
        trace.routing = draft.routing
        trace.prompt = draft.prompt?.use
        return trace
    }

    /// Hands `trace` to every observer in turn (priced, settled, counted), then to the store.
    private func record(_ trace: consuming Trace, draft: TraceDraft, route: RouteInfo) async {
        var trace = trace
        for observer in observers { await observer.observe(&trace, draft: draft, route: route) }
        await storage.store(consume trace)
    }

    private static func attempt(_ record: AttemptRecord) -> Trace.Attempt {
        switch record.outcome {
        case .success:
            return Trace.Attempt(
                provider: record.provider, upstreamModel: record.upstreamModel, outcome: .ok, status: 200, latencyMs: record.latencyMs)
        case .failure(let status, let message):
            return Trace.Attempt(
                provider: record.provider, upstreamModel: record.upstreamModel, outcome: .error, status: status, error: message,
                latencyMs: record.latencyMs)
        case .skippedCircuitOpen:
            return Trace.Attempt(provider: record.provider, upstreamModel: record.upstreamModel, outcome: .skipped, latencyMs: 0)
        case .resentOnNewConnection:
            return Trace.Attempt(
                provider: record.provider, upstreamModel: record.upstreamModel, outcome: .resent,
                error: "The connection was closed before the request was written; it was sent again on a new connection.", latencyMs: 0)
        }
    }

    /// The usage of an answer whose provider reported none.
    static func estimatedUsage(request: JSONObject?, text: String) -> Trace.Usage {
        let prompt = (request?["messages"]).map(TokenEstimate.tokens(in:)) ?? 0
        return Trace.Usage(promptTokens: max(1, prompt), completionTokens: max(1, TokenEstimate.tokens(in: text)))
    }
}
