import KeelCore

/// Reads an OpenAI chat request into a `MockPrompt` and writes a `MockReply` as OpenAI objects.
public enum OpenAIMockCodec {
    public static func prompt(from body: JSONObject) -> MockPrompt {
        let messages = body["messages"]?.arrayValue ?? []
        let lastUser = messages.last { $0["role"]?.stringValue == "user" }
        let tools = (body["tools"]?.arrayValue ?? []).compactMap { tool -> MockPrompt.Tool? in
            guard let function = tool["function"], let name = function["name"]?.stringValue else { return nil }
            return MockPrompt.Tool(name: name, parameters: function["parameters"] ?? ["type": "object"])
        }
        let choice = body["tool_choice"]
        return MockPrompt(
            model: body["model"]?.stringValue ?? "",
            lastUserText: lastUser.map { text(of: $0["content"]) } ?? "",
            lastMessageIsToolResult: messages.last?["role"]?.stringValue == "tool",
            tools: tools,
            forcedTool: choice?["function"]?["name"]?.stringValue,
            toolsDisabled: choice?.stringValue == "none",
            maxTokens: body["max_completion_tokens"]?.intValue ?? body["max_tokens"]?.intValue,
            inputCharacters: messages.reduce(0) { $0 + text(of: $1["content"]).count },
            stream: body["stream"]?.boolValue ?? false)
    }

    static func text(of content: JSONValue?) -> String {
        if let text = content?.stringValue { return text }
        let parts = content?.arrayValue ?? []
        return parts.compactMap { $0["text"]?.stringValue }.joined(separator: " ")
    }

    public static func completion(from reply: MockReply) -> JSONValue {
        var message: JSONObject = ["role": "assistant", "content": reply.toolCalls.isEmpty ? .string(reply.text) : .null]
        if !reply.toolCalls.isEmpty { message["tool_calls"] = .array(reply.toolCalls.enumerated().map { toolCall($1, index: nil) }) }
        return [
            "id": .string(reply.id), "object": "chat.completion", "created": .int(Int64(reply.created)),
            "model": .string(reply.model), "system_fingerprint": "fp_keel_mock",
            "choices": [["index": 0, "message": .object(message), "finish_reason": .string(reply.finishReason.rawValue), "logprobs": .null]],
            "usage": usage(reply),
        ]
    }

    /// Every chunk of the streamed reply, the usage-only chunk last.
    public static func chunks(from reply: MockReply) -> [JSONValue] {
        var chunks: [JSONValue] = [chunk(reply, delta: ["role": "assistant", "content": ""])]
        for piece in reply.textPieces {
            chunks.append(chunk(reply, delta: ["content": .string(piece)]))
        }
        for (index, call) in reply.toolCalls.enumerated() {
            chunks.append(chunk(reply, delta: ["tool_calls": [toolCall(call, index: index)]]))
        }
        chunks.append(chunk(reply, delta: [:], finishReason: reply.finishReason.rawValue))
        var usageChunk = chunk(reply, delta: [:]).objectValue ?? [:]
        usageChunk["choices"] = []
        usageChunk["usage"] = usage(reply)
        chunks.append(.object(usageChunk))
        return chunks
    }

    private static func chunk(_ reply: MockReply, delta: JSONObject, finishReason: String? = nil) -> JSONValue {
        [
            "id": .string(reply.id), "object": "chat.completion.chunk", "created": .int(Int64(reply.created)),
            "model": .string(reply.model), "system_fingerprint": "fp_keel_mock",
            "choices": [["index": 0, "delta": .object(delta), "finish_reason": finishReason.map(JSONValue.string) ?? .null, "logprobs": .null]],
        ]
    }

    private static func toolCall(_ call: MockReply.ToolCall, index: Int?) -> JSONValue {
        var object: JSONObject = [
            "id": .string(call.id), "type": "function",
            "function": ["name": .string(call.name), "arguments": .string(call.arguments.canonicalString())],
        ]
        if let index { object["index"] = .int(Int64(index)) }
        return .object(object)
    }

    private static func usage(_ reply: MockReply) -> JSONValue {
        [
            "prompt_tokens": .int(Int64(reply.promptTokens)), "completion_tokens": .int(Int64(reply.completionTokens)),
            "total_tokens": .int(Int64(reply.promptTokens + reply.completionTokens)),
        ]
    }

    /// An OpenAI embeddings answer with the mock's deterministic vectors.
    public static func embeddings(for body: JSONObject) throws(KeelError) -> JSONValue {
        let inputs: [String]
        switch body["input"] {
        case .string(let text): inputs = [text]
        case .array(let items) where items.allSatisfy({ $0.stringValue != nil }) && !items.isEmpty:
            inputs = items.compactMap(\.stringValue)
        case .array(let items) where !items.isEmpty:
            inputs = items.map { $0.encodedString() }
        default:
            throw KeelError.invalidRequest("'input' must be a non-empty string or array.", param: "input")
        }
        let dimensions = body["dimensions"]?.intValue ?? 16
        let data: [JSONValue] = inputs.enumerated().map { index, text in
            [
                "object": "embedding", "index": .int(Int64(index)),
                "embedding": .array(MockEngine.embedding(of: text, dimensions: dimensions).map(JSONValue.double)),
            ]
        }
        let tokens = Int64(inputs.reduce(0) { $0 + max(1, $1.count / 4) })
        return [
            "object": "list", "data": .array(data), "model": .string(body["model"]?.stringValue ?? "mock"),
            "usage": ["prompt_tokens": .int(tokens), "total_tokens": .int(tokens)],
        ]
    }
}
