import KeelCore

/// Anthropic message -> OpenAI `chat.completion`.
public enum AnthropicResponseTranslator {
    public static func translate(_ message: JSONValue, context: AnthropicContext) throws(UpstreamError) -> JSONValue {
        guard let blocks = message["content"]?.arrayValue else {
            throw UpstreamError.invalidResponse("The Anthropic answer has no content blocks.")
        }
        var text = ""
        var reasoning = ""
        var toolCalls: [JSONValue] = []
        var answeredWithJSONTool = false
        for block in blocks {
            switch block["type"]?.stringValue {
            case "text":
                text += block["text"]?.stringValue ?? ""
            case "thinking":
                reasoning += block["thinking"]?.stringValue ?? ""
            case "tool_use":
                let name = block["name"]?.stringValue ?? ""
                let input = block["input"] ?? [:]
                if name == context.jsonResponseTool {
                    text += input.canonicalString()
                    answeredWithJSONTool = true
                } else {
                    toolCalls.append([
                        "id": block["id"] ?? "", "type": "function",
                        "function": ["name": .string(name), "arguments": .string(input.canonicalString())],
                    ])
                }
            default:
                continue
            }
        }
        var assistant: JSONObject = ["role": "assistant", "content": text.isEmpty && !toolCalls.isEmpty ? .null : .string(text)]
        if !toolCalls.isEmpty { assistant["tool_calls"] = .array(toolCalls) }
        if !reasoning.isEmpty { assistant["reasoning_content"] = .string(reasoning) }
        let stopReason = message["stop_reason"]?.stringValue
        let finish = answeredWithJSONTool && stopReason == "tool_use" ? "stop" : AnthropicFinishReason.openAI(stopReason)
        return [
            "id": message["id"] ?? "", "object": "chat.completion", "created": .int(Int64(context.created)),
            "model": message["model"] ?? "",
            "choices": [["index": 0, "message": .object(assistant), "finish_reason": .string(finish), "logprobs": .null]],
            "usage": AnthropicUsage.openAI(input: message["usage"], output: message["usage"]),
        ]
    }
}

enum AnthropicFinishReason {
    static func openAI(_ stopReason: String?) -> String {
        switch stopReason {
        case "max_tokens": return "length"
        case "tool_use": return "tool_calls"
        case "refusal": return "content_filter"
        default: return "stop"
        }
    }
}

enum AnthropicUsage {
    /// OpenAI usage from Anthropic's, whose `input_tokens` excludes cache reads and writes.
    static func openAI(input: JSONValue?, output: JSONValue?) -> JSONValue {
        let uncached = input?["input_tokens"]?.intValue ?? 0
        let cacheRead = input?["cache_read_input_tokens"]?.intValue ?? 0
        let cacheWrite = input?["cache_creation_input_tokens"]?.intValue ?? 0
        let prompt = uncached + cacheRead + cacheWrite
        let completion = output?["output_tokens"]?.intValue ?? 0
        var details: JSONObject = ["cached_tokens": .int(Int64(cacheRead))]
        // Not an OpenAI field: Keel's own, so that cache writes are priced as such.
        if cacheWrite > 0 { details["cache_creation_tokens"] = .int(Int64(cacheWrite)) }
        return [
            "prompt_tokens": .int(Int64(prompt)), "completion_tokens": .int(Int64(completion)),
            "total_tokens": .int(Int64(prompt + completion)), "prompt_tokens_details": .object(details),
        ]
    }
}
