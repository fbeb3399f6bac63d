import KeelCore

/// Where a run's calls go: Keel's gateway in process (`keel eval run`, the scheduled and online
/// evals of `keel serve`), or a test's stand-in. Calls are OpenAI-shaped bodies.
public protocol EvalTransport: Sendable {
    /// A chat completion: the answer as assertions see it, and the request as it was sent.
    func chat(_ body: JSONObject) async throws(EvalCallError) -> EvalAnswer
    /// An embeddings response (`{"data": [{"embedding": [...]}, ...]}`).
    func embed(_ body: JSONObject) async throws(EvalCallError) -> JSONValue
}

/// A model's answer to one eval call.
public struct EvalAnswer: Sendable, Hashable {
    public var output: EvalOutput
    /// The trace that recorded the call.
    public var traceID: String?
    /// The messages the model was sent (a prompt's rendered messages first); empty when unknown.
    public var sentMessages: [JSONValue]

    public init(output: EvalOutput, traceID: String? = nil, sentMessages: [JSONValue] = []) {
        self.output = output
        self.traceID = traceID
        self.sentMessages = sentMessages
    }
}

/// A call that got no answer: the gateway's error (status and message), or a transport failure.
public struct EvalCallError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status the gateway answered with; nil when no answer came.
    public var status: Int?
    public var message: String

    public init(status: Int?, message: String) {
        self.status = status
        self.message = message
    }

    /// 4xx: the request itself is wrong (an unknown prompt version, a missing variable).
    public var isClientError: Bool { (status ?? 0) >= 400 && (status ?? 0) < 500 }

    public var description: String { status.map { "\($0): \(message)" } ?? message }
}

extension EvalOutput {
    /// Reads an OpenAI chat completion: the first choice's text (parts joined), tool calls and
    /// finish reason, and the usage's tokens.
    public init(completion: JSONValue, latencyMs: Double, costUSD: Double?) {
        let choice = completion["choices"]?.arrayValue?.first
        let message = choice?["message"]
        let toolCalls = (message?["tool_calls"]?.arrayValue ?? []).compactMap { call -> EvalToolCall? in
            guard let function = call["function"], let name = function["name"]?.stringValue else { return nil }
            return EvalToolCall(name: name, arguments: function["arguments"] ?? .object([:]))
        }
        self.init(
            text: EvalTestContext.text(of: message?["content"]) ?? "", toolCalls: toolCalls, finishReason: choice?["finish_reason"]?.stringValue,
            costUSD: costUSD, latencyMs: latencyMs, promptTokens: completion["usage"]?["prompt_tokens"]?.intValue,
            completionTokens: completion["usage"]?["completion_tokens"]?.intValue)
    }
}
