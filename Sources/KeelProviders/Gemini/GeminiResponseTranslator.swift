import KeelCore

/// Gemini `GenerateContentResponse` -> OpenAI `chat.completion`.
public enum GeminiResponseTranslator {
    public static func translate(_ response: JSONValue, context: GeminiContext) throws(UpstreamError) -> JSONValue {
        guard case .object = response else { throw UpstreamError.invalidResponse("The Gemini answer is not a JSON object.") }
        if let error = response["error"] { throw GeminiErrors.from(error) }
        let candidates = response["candidates"]?.arrayValue ?? []
        var choices: [JSONValue] = candidates.enumerated().map { position, candidate in
            let index = candidate["index"]?.intValue ?? position
            let parts = GeminiParts(candidate["content"]?["parts"]?.arrayValue ?? [], callIDPrefix: "call_\(index)")
            var message: JSONObject = ["role": "assistant", "content": parts.text.isEmpty && !parts.toolCalls.isEmpty ? .null : .string(parts.text)]
            if !parts.toolCalls.isEmpty {
                message["tool_calls"] = .array(parts.toolCalls.map { $0.openAI(index: nil) })
            }
            if !parts.reasoning.isEmpty { message["reasoning_content"] = .string(parts.reasoning) }
            let finish = GeminiFinishReason.openAI(candidate["finishReason"]?.stringValue, hasToolCalls: !parts.toolCalls.isEmpty)
            return ["index": .int(Int64(index)), "message": .object(message), "finish_reason": .string(finish), "logprobs": .null]
        }
        if choices.isEmpty {
            guard response["promptFeedback"]?["blockReason"] != nil else {
                throw UpstreamError.invalidResponse("The Gemini answer has no candidates.")
            }
            choices = [["index": 0, "message": ["role": "assistant", "content": .null], "finish_reason": "content_filter", "logprobs": .null]]
        }
        return [
            "id": response["responseId"] ?? .string(context.id), "object": "chat.completion", "created": .int(Int64(context.created)),
            "model": response["modelVersion"] ?? .string(context.model), "choices": .array(choices),
            "usage": GeminiUsage.openAI(response["usageMetadata"]),
        ]
    }
}

/// The text, thoughts and function calls of a candidate's parts.
struct GeminiParts {
    struct Call {
        var id: String
        var name: String
        var arguments: JSONValue

        func openAI(index: Int?) -> JSONValue {
            var call: JSONObject = [
                "id": .string(id), "type": "function",
                "function": ["name": .string(name), "arguments": .string(arguments.canonicalString())],
            ]
            if let index { call["index"] = .int(Int64(index)) }
            return .object(call)
        }
    }

    var text = ""
    var reasoning = ""
    var toolCalls: [Call] = []

    init(_ parts: [JSONValue], callIDPrefix: String, firstCallNumber: Int = 0) {
        for part in parts {
            if let call = part["functionCall"] {
                let number = firstCallNumber + toolCalls.count
                let id = call["id"]?.stringValue ?? "\(callIDPrefix)_\(number)"
                toolCalls.append(Call(id: id, name: call["name"]?.stringValue ?? "", arguments: call["args"] ?? [:]))
            } else if let text = part["text"]?.stringValue {
                if part["thought"]?.boolValue == true { reasoning += text } else { self.text += text }
            }
        }
    }
}

enum GeminiFinishReason {
    static func openAI(_ reason: String?, hasToolCalls: Bool) -> String {
        switch reason {
        case "MAX_TOKENS": return "length"
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY": return "content_filter"
        default: return hasToolCalls ? "tool_calls" : "stop"
        }
    }
}

enum GeminiUsage {
    static func openAI(_ metadata: JSONValue?) -> JSONValue {
        let prompt = metadata?["promptTokenCount"]?.intValue ?? 0
        let thoughts = metadata?["thoughtsTokenCount"]?.intValue ?? 0
        let completion = (metadata?["candidatesTokenCount"]?.intValue ?? 0) + thoughts
        return [
            "prompt_tokens": .int(Int64(prompt)), "completion_tokens": .int(Int64(completion)),
            "total_tokens": .int(Int64(metadata?["totalTokenCount"]?.intValue ?? prompt + completion)),
            "prompt_tokens_details": ["cached_tokens": .int(Int64(metadata?["cachedContentTokenCount"]?.intValue ?? 0))],
            "completion_tokens_details": ["reasoning_tokens": .int(Int64(thoughts))],
        ]
    }
}

enum GeminiErrors {
    static func from(_ error: JSONValue) -> UpstreamError {
        let code = error["code"]?.intValue ?? 500
        return UpstreamError(
            kind: .http(status: (400...599).contains(code) ? code : 500), message: error["message"]?.stringValue ?? "Gemini error",
            upstreamType: error["status"]?.stringValue)
    }
}
