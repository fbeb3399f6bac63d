import KeelCore

/// For Keel's mock server, which pretends to be Anthropic: reads a Messages request, writes
/// a reply in Anthropic's format.
public enum AnthropicMockCodec {
    public static func prompt(from request: JSONValue) throws(KeelError) -> MockPrompt {
        guard let model = request["model"]?.stringValue else {
            throw KeelError.invalidRequest("model: Field required", param: "model")
        }
        guard let messages = request["messages"]?.arrayValue else {
            throw KeelError.invalidRequest("messages: Field required", param: "messages")
        }
        guard let maxTokens = request["max_tokens"]?.intValue else {
            throw KeelError.invalidRequest("max_tokens: Field required", param: "max_tokens")
        }
        let last = messages.last
        let lastBlocks = last?["content"]?.arrayValue ?? []
        let lastIsToolResult = last?["role"] == "user" && lastBlocks.contains { $0["type"] == "tool_result" }
        let lastUserText = messages.last { $0["role"] == "user" && text(of: $0["content"]) != nil }.flatMap { text(of: $0["content"]) } ?? ""
        let tools = (request["tools"]?.arrayValue ?? []).compactMap { tool -> MockPrompt.Tool? in
            guard let name = tool["name"]?.stringValue else { return nil }
            return MockPrompt.Tool(name: name, parameters: tool["input_schema"] ?? ["type": "object"])
        }
        let choice = request["tool_choice"]
        let characters = messages.reduce(0) { $0 + (text(of: $1["content"])?.count ?? 0) } + (request["system"].flatMap { text(of: $0) }?.count ?? 0)
        var prompt = MockPrompt(
            model: model, lastUserText: lastUserText, lastMessageIsToolResult: lastIsToolResult, tools: tools,
            forcedTool: choice?["type"] == "tool" ? choice?["name"]?.stringValue : nil, toolsDisabled: choice?["type"] == "none",
            maxTokens: maxTokens, inputCharacters: characters, stream: request["stream"]?.boolValue ?? false)
        prompt.cachePrefixes = cachePrefixes(of: request)
        return prompt
    }

    /// The prefixes up to each block marked with `cache_control`, in Anthropic's order: tools,
    /// system, messages. A prefix's size counts its texts' characters (tools and other blocks
    /// as their JSON), four to a token as the mock counts prompt tokens.
    static func cachePrefixes(of request: JSONValue) -> [MockCachePrefix] {
        var hasher = Hasher()
        hasher.combine(request["model"]?.stringValue ?? "")
        var characters = 0
        var prefixes: [MockCachePrefix] = []
        func add(_ block: JSONValue, role: String) {
            var unmarked = block.objectValue ?? [:]
            let marked = unmarked.removeValue(forKey: "cache_control").map { !$0.isNull } ?? false
            hasher.combine(role)
            hasher.combine(block.objectValue == nil ? block.canonicalString() : JSONValue.object(unmarked).canonicalString())
            characters += block.stringValue?.count ?? block["text"]?.stringValue?.count ?? JSONValue.object(unmarked).canonicalString().count
            if marked {
                let snapshot = hasher
                prefixes.append(MockCachePrefix(key: snapshot.finalize(), tokens: characters / 4))
            }
        }
        for tool in request["tools"]?.arrayValue ?? [] { add(tool, role: "tool") }
        if let system = request["system"] {
            for block in system.arrayValue ?? [system] { add(block, role: "system") }
        }
        for message in request["messages"]?.arrayValue ?? [] {
            let role = message["role"]?.stringValue ?? ""
            let content = message["content"] ?? .null
            for block in content.arrayValue ?? [content] { add(block, role: role) }
        }
        return prefixes
    }

    /// The text of a content value: a string, or its text blocks joined; nil when it has none.
    private static func text(of content: JSONValue?) -> String? {
        if let text = content?.stringValue { return text }
        let texts = (content?.arrayValue ?? []).compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }
        return texts.isEmpty ? nil : texts.joined(separator: " ")
    }

    public static func message(from reply: MockReply) -> JSONValue {
        var content: [JSONValue] = reply.text.isEmpty ? [] : [["type": "text", "text": .string(reply.text)]]
        content += reply.toolCalls.map { ["type": "tool_use", "id": .string($0.id), "name": .string($0.name), "input": $0.arguments] }
        return [
            "id": .string(messageID(reply)), "type": "message", "role": "assistant", "model": .string(reply.model),
            "content": .array(content), "stop_reason": .string(stopReason(reply)), "stop_sequence": .null,
            "usage": usage(reply, outputTokens: reply.completionTokens),
        ]
    }

    /// Anthropic's usage, whose `input_tokens` leaves out cache reads and writes.
    private static func usage(_ reply: MockReply, outputTokens: Int) -> JSONValue {
        var usage: JSONObject = [
            "input_tokens": .int(Int64(reply.promptTokens - reply.cacheReadTokens - reply.cacheWriteTokens)),
            "output_tokens": .int(Int64(outputTokens)),
        ]
        if reply.cacheReadTokens > 0 || reply.cacheWriteTokens > 0 {
            usage["cache_read_input_tokens"] = .int(Int64(reply.cacheReadTokens))
            usage["cache_creation_input_tokens"] = .int(Int64(reply.cacheWriteTokens))
        }
        return .object(usage)
    }

    public static func events(from reply: MockReply) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        func add(_ name: String, _ data: JSONValue) {
            var object = data.objectValue ?? [:]
            object["type"] = .string(name)
            events.append(ServerSentEvent(event: name, data: JSONValue.object(object).encodedString()))
        }
        add(
            "message_start",
            [
                "message": [
                    "id": .string(messageID(reply)), "type": "message", "role": "assistant", "model": .string(reply.model), "content": [],
                    "stop_reason": .null, "stop_sequence": .null,
                    "usage": usage(reply, outputTokens: 1),
                ]
            ])
        var index = 0
        if !reply.textPieces.isEmpty {
            add("content_block_start", ["index": 0, "content_block": ["type": "text", "text": ""]])
            add("ping", [:])
            for piece in reply.textPieces {
                add("content_block_delta", ["index": 0, "delta": ["type": "text_delta", "text": .string(piece)]])
            }
            add("content_block_stop", ["index": 0])
            index = 1
        }
        for call in reply.toolCalls {
            let block: JSONValue = .int(Int64(index))
            add(
                "content_block_start",
                ["index": block, "content_block": ["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": [:]]])
            let json = call.arguments.canonicalString()
            let middle = json.index(json.startIndex, offsetBy: json.count / 2)
            for part in [String(json[..<middle]), String(json[middle...])] {
                add("content_block_delta", ["index": block, "delta": ["type": "input_json_delta", "partial_json": .string(part)]])
            }
            add("content_block_stop", ["index": block])
            index += 1
        }
        add(
            "message_delta",
            [
                "delta": ["stop_reason": .string(stopReason(reply)), "stop_sequence": .null],
                "usage": ["output_tokens": .int(Int64(reply.completionTokens))],
            ])
        add("message_stop", [:])
        return events
    }

    private static func messageID(_ reply: MockReply) -> String {
        "msg_" + reply.id.replacingOccurrences(of: "chatcmpl-", with: "")
    }

    private static func stopReason(_ reply: MockReply) -> String {
        switch reply.finishReason {
        case .stop: return "end_turn"
        case .length: return "max_tokens"
        case .toolCalls: return "tool_use"
        }
    }
}
