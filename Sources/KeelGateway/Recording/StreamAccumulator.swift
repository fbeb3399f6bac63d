import KeelCore
import KeelStore

/// Collects what a stream said, chunk by chunk, for its trace: the text, the tool calls
/// (assembled from their pieces), the finish reason, the usage and the model version.
struct StreamAccumulator: Sendable {
    private struct ToolCall: Sendable {
        var id = ""
        var name = ""
        var arguments = ""
    }

    private(set) var text = ""
    private var toolCalls: [Int: ToolCall] = [:]
    private(set) var finishReason: String?
    private(set) var usage: JSONValue?
    private(set) var model: String?
    private(set) var systemFingerprint: String?
    private(set) var chunks = 0
    /// The output guardrails' verdicts on the stream.
    var guardrails: [JSONValue] = []

    mutating func add(_ chunk: JSONValue) {
        chunks += 1
        if let model = chunk["model"]?.stringValue, !model.isEmpty { self.model = model }
        if let fingerprint = chunk["system_fingerprint"]?.stringValue { systemFingerprint = fingerprint }
        if let usage = chunk["usage"], !usage.isNull { self.usage = usage }
        guard let choice = chunk["choices"]?[0] else { return }
        if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
        let delta = choice["delta"]
        if let content = delta?["content"]?.stringValue { text += content }
        for call in delta?["tool_calls"]?.arrayValue ?? [] {
            let index = call["index"]?.intValue ?? 0
            var entry = toolCalls[index] ?? ToolCall()
            if let id = call["id"]?.stringValue { entry.id = id }
            if let name = call["function"]?["name"]?.stringValue { entry.name += name }
            if let arguments = call["function"]?["arguments"]?.stringValue { entry.arguments += arguments }
            toolCalls[index] = entry
        }
    }

    /// `{"content": ..., "tool_calls": [...]}`, the same shape as a non-streamed output.
    var output: JSONValue {
        var output: JSONObject = ["content": text.isEmpty && !toolCalls.isEmpty ? .null : .string(text)]
        if !toolCalls.isEmpty {
            output["tool_calls"] = .array(
                toolCalls.keys.sorted().compactMap { index in
                    toolCalls[index].map {
                        ["id": .string($0.id), "type": "function", "function": ["name": .string($0.name), "arguments": .string($0.arguments)]]
                    }
                })
        }
        return .object(output)
    }
}
