import KeelCore

/// Anthropic stream events -> OpenAI `chat.completion.chunk`s.
public struct AnthropicStreamTranslator: Sendable {
    private let context: AnthropicContext
    private var id = ""
    private var model = ""
    private var inputUsage: JSONValue?
    private var outputUsage: JSONValue?
    /// Content block index -> OpenAI tool call index (nil for the JSON-response tool).
    private var toolIndexes: [Int: Int?] = [:]
    private var toolCount = 0

    public init(context: AnthropicContext) {
        self.context = context
    }

    public mutating func translate(_ event: ServerSentEvent) throws(UpstreamError) -> [JSONValue] {
        guard !event.data.isEmpty else { return [] }
        let data: JSONValue
        do {
            data = try JSONValue.parse(event.data)
        } catch {
            throw UpstreamError.invalidResponse("Anthropic sent a stream event that is not JSON: \(error.message)")
        }
        switch event.event ?? data["type"]?.stringValue {
        case "message_start":
            id = data["message"]?["id"]?.stringValue ?? ""
            model = data["message"]?["model"]?.stringValue ?? ""
            inputUsage = data["message"]?["usage"]
            return [chunk(["role": "assistant", "content": ""])]
        case "content_block_start":
            return contentBlockStart(index: data["index"]?.intValue ?? 0, block: data["content_block"] ?? [:])
        case "content_block_delta":
            return contentBlockDelta(index: data["index"]?.intValue ?? 0, delta: data["delta"] ?? [:])
        case "message_delta":
            outputUsage = data["usage"]
            guard let reason = data["delta"]?["stop_reason"]?.stringValue else { return [] }
            let finish = context.jsonResponseTool != nil && reason == "tool_use" ? "stop" : AnthropicFinishReason.openAI(reason)
            return [chunk([:], finishReason: finish)]
        case "message_stop":
            guard context.includeUsage else { return [] }
            var usageChunk = chunk([:]).objectValue ?? [:]
            usageChunk["choices"] = []
            // Newer API versions repeat the final input counts in message_delta; prefer those.
            let input = outputUsage?["input_tokens"] != nil ? outputUsage : inputUsage
            usageChunk["usage"] = AnthropicUsage.openAI(input: input, output: outputUsage)
            return [.object(usageChunk)]
        case "error":
            throw Self.error(data["error"])
        default:
            return []
        }
    }

    private mutating func contentBlockStart(index: Int, block: JSONValue) -> [JSONValue] {
        guard block["type"]?.stringValue == "tool_use" else { return [] }
        let name = block["name"]?.stringValue ?? ""
        if name == context.jsonResponseTool {
            toolIndexes[index] = .some(nil)
            return []
        }
        let toolIndex = toolCount
        toolCount += 1
        toolIndexes[index] = toolIndex
        return [
            chunk([
                "tool_calls": [
                    [
                        "index": .int(Int64(toolIndex)), "id": block["id"] ?? "", "type": "function",
                        "function": ["name": .string(name), "arguments": ""],
                    ]
                ]
            ])
        ]
    }

    private func contentBlockDelta(index: Int, delta: JSONValue) -> [JSONValue] {
        switch delta["type"]?.stringValue {
        case "text_delta":
            return [chunk(["content": delta["text"] ?? ""])]
        case "thinking_delta":
            return [chunk(["reasoning_content": delta["thinking"] ?? ""])]
        case "input_json_delta":
            let partial = delta["partial_json"] ?? ""
            guard let mapped = toolIndexes[index] else { return [] }
            guard let toolIndex = mapped else { return [chunk(["content": partial])] }
            return [chunk(["tool_calls": [["index": .int(Int64(toolIndex)), "function": ["arguments": partial]]]])]
        default:
            return []
        }
    }

    private func chunk(_ delta: JSONObject, finishReason: String? = nil) -> JSONValue {
        [
            "id": .string(id), "object": "chat.completion.chunk", "created": .int(Int64(context.created)), "model": .string(model),
            "choices": [["index": 0, "delta": .object(delta), "finish_reason": finishReason.map(JSONValue.string) ?? .null, "logprobs": .null]],
        ]
    }

    static func error(_ error: JSONValue?) -> UpstreamError {
        let type = error?["type"]?.stringValue
        let status: Int
        switch type {
        case "overloaded_error": status = 529
        case "rate_limit_error": status = 429
        case "invalid_request_error": status = 400
        default: status = 500
        }
        return UpstreamError(
            kind: .http(status: status), message: error?["message"]?.stringValue ?? "Anthropic stream error", upstreamType: type)
    }
}
