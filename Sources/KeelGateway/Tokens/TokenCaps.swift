import KeelCore

/// A model's token caps on one request: `max_output_tokens` clamps (or sets) `max_tokens`;
/// `max_input_tokens` refuses a longer input, or prunes the conversation to fit: the system
/// and developer messages stay, and the newest turns that fit.
enum TokenCaps {
    struct Outcome {
        var body: JSONObject
        var inputTokens: Int
        var prunedMessages = 0
        var edited = false
    }

    static func apply(to body: JSONObject, model: ModelConfig, counter: TokenCounter, providers: [ProviderConfig]) throws(KeelError) -> Outcome {
        var outcome = Outcome(body: body, inputTokens: counter.count(body, model: model, providers: providers))
        if let cap = model.maxOutputTokens {
            for field in ["max_tokens", "max_completion_tokens"] {
                if let asked = body[field]?.intValue, asked > cap {
                    outcome.body[field] = .int(Int64(cap))
                    outcome.edited = true
                }
            }
            if body["max_tokens"] == nil, body["max_completion_tokens"] == nil {
                outcome.body["max_tokens"] = .int(Int64(cap))
                outcome.edited = true
            }
        }
        guard let limit = model.maxInputTokens, outcome.inputTokens > limit else { return outcome }
        guard model.inputOverflow == .prune else {
            throw tooLong(outcome.inputTokens, limit: limit, model: model.name, after: nil)
        }
        var messages = outcome.body["messages"]?.arrayValue ?? []
        while outcome.inputTokens > limit, let oldest = oldestDroppable(messages) {
            // A turn goes whole: the user message and the answers and tool results after it, so
            // the conversation never starts with an answer to a question it no longer has.
            messages.remove(at: oldest)
            outcome.prunedMessages += 1
            while oldest < messages.count - 1, !isKept(messages[oldest]), messages[oldest]["role"] != "user" {
                messages.remove(at: oldest)
                outcome.prunedMessages += 1
            }
            outcome.body["messages"] = .array(messages)
            outcome.inputTokens = counter.count(outcome.body, model: model, providers: providers)
        }
        outcome.edited = outcome.edited || outcome.prunedMessages > 0
        if outcome.inputTokens > limit {
            throw tooLong(outcome.inputTokens, limit: limit, model: model.name, after: outcome.prunedMessages)
        }
        return outcome
    }

    private static func isKept(_ message: JSONValue) -> Bool {
        ["system", "developer"].contains(message["role"]?.stringValue ?? "")
    }

    /// The oldest message that may go: not a system or developer message, not the last one.
    private static func oldestDroppable(_ messages: [JSONValue]) -> Int? {
        messages.indices.first { $0 < messages.count - 1 && !isKept(messages[$0]) }
    }

    private static func tooLong(_ tokens: Int, limit: Int, model: String, after pruned: Int?) -> KeelError {
        let pruning = pruned.map { " even after dropping the \($0) oldest messages" } ?? ""
        return KeelError.invalidRequest(
            "This model's maximum input is \(limit) tokens; your messages come to \(tokens) tokens\(pruning). Shorten the conversation (model '\(model)').",
            param: "messages", code: "context_length_exceeded")
    }
}
