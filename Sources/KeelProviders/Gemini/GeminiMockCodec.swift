import KeelCore

/// For Keel's mock server, which pretends to be Gemini: reads a `generateContent` request,
/// writes a reply in Gemini's format.
public enum GeminiMockCodec {
    public static func prompt(from request: JSONValue, model: String, stream: Bool) throws(KeelError) -> MockPrompt {
        guard let contents = request["contents"]?.arrayValue else {
            throw KeelError.invalidRequest("* GenerateContentRequest.contents: contents is not specified", param: "contents")
        }
        func text(of content: JSONValue) -> String? {
            let texts = (content["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
            return texts.isEmpty ? nil : texts.joined(separator: " ")
        }
        let lastUserText = contents.last { $0["role"] == "user" && text(of: $0) != nil }.flatMap(text) ?? ""
        let lastIsFunctionResponse = (contents.last?["parts"]?.arrayValue ?? []).contains { $0["functionResponse"] != nil }
        let declarations = (request["tools"]?.arrayValue ?? []).flatMap { $0["functionDeclarations"]?.arrayValue ?? [] }
        let tools = declarations.compactMap { declaration -> MockPrompt.Tool? in
            guard let name = declaration["name"]?.stringValue else { return nil }
            return MockPrompt.Tool(name: name, parameters: declaration["parametersJsonSchema"] ?? declaration["parameters"] ?? ["type": "object"])
        }
        let calling = request["toolConfig"]?["functionCallingConfig"]
        return MockPrompt(
            model: model, lastUserText: lastUserText, lastMessageIsToolResult: lastIsFunctionResponse, tools: tools,
            forcedTool: calling?["allowedFunctionNames"]?[0]?.stringValue, toolsDisabled: calling?["mode"] == "NONE",
            maxTokens: request["generationConfig"]?["maxOutputTokens"]?.intValue,
            inputCharacters: contents.reduce(0) { $0 + (text(of: $1)?.count ?? 0) }, stream: stream)
    }

    public static func response(from reply: MockReply) -> JSONValue {
        var parts: [JSONValue] = reply.text.isEmpty ? [] : [["text": .string(reply.text)]]
        parts += reply.toolCalls.map { ["functionCall": ["name": .string($0.name), "args": $0.arguments]] }
        return envelope(reply, parts: parts, last: true)
    }

    public static func events(from reply: MockReply) -> [ServerSentEvent] {
        var bodies: [JSONValue] = reply.textPieces.map { envelope(reply, parts: [["text": .string($0)]], last: false) }
        let calls: [JSONValue] = reply.toolCalls.map { ["functionCall": ["name": .string($0.name), "args": $0.arguments]] }
        bodies.append(envelope(reply, parts: calls, last: true))
        return bodies.map { ServerSentEvent(data: $0.encodedString()) }
    }

    private static func envelope(_ reply: MockReply, parts: [JSONValue], last: Bool) -> JSONValue {
        var candidate: JSONObject = ["content": ["role": "model", "parts": .array(parts)], "index": 0]
        if last { candidate["finishReason"] = .string(reply.finishReason == .length ? "MAX_TOKENS" : "STOP") }
        var body: JSONObject = [
            "candidates": [.object(candidate)], "modelVersion": .string(reply.model),
            "responseId": .string(reply.id.replacingOccurrences(of: "chatcmpl-", with: "")),
        ]
        if last {
            body["usageMetadata"] = [
                "promptTokenCount": .int(Int64(reply.promptTokens)), "candidatesTokenCount": .int(Int64(reply.completionTokens)),
                "totalTokenCount": .int(Int64(reply.promptTokens + reply.completionTokens)),
            ]
        }
        return .object(body)
    }
}
