import KeelCore

/// Where the last block of one OpenAI message went in the translated request.
public enum AnthropicBlockPosition: Sendable, Equatable {
    /// Into the top-level `system` prompt.
    case system
    /// Into `messages[turn].content[block]` (same-role messages share a turn).
    case message(turn: Int, block: Int)
}

/// OpenAI `messages` -> Anthropic `system` and `messages`: system prompts lifted out, tool
/// calls and results as blocks, consecutive same-role turns merged. `ends` has, for each
/// OpenAI message, where its last block went (nil for a message with no content).
enum AnthropicMessageTranslator {
    static func translate(_ messages: [JSONValue]) throws(KeelError) -> (
        system: JSONValue?, messages: [JSONValue], ends: [AnthropicBlockPosition?]
    ) {
        var systemParts: [JSONValue] = []
        var systemIsPlain = true
        var turns: [(role: String, blocks: [JSONValue])] = []
        var ends: [AnthropicBlockPosition?] = []

        func append(_ role: String, _ blocks: [JSONValue]) -> AnthropicBlockPosition? {
            guard !blocks.isEmpty else { return nil }
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].blocks += blocks
            } else {
                turns.append((role, blocks))
            }
            return .message(turn: turns.count - 1, block: turns[turns.count - 1].blocks.count - 1)
        }

        for (index, message) in messages.enumerated() {
            let path = "messages[\(index)]"
            let role = message["role"]?.stringValue ?? ""
            switch role {
            case "system", "developer":
                if message["content"]?.stringValue == nil { systemIsPlain = false }
                let parts = try contentBlocks(message["content"], path: path)
                systemParts += parts
                ends.append(parts.isEmpty ? nil : .system)
            case "user":
                ends.append(append("user", try contentBlocks(message["content"], path: path)))
            case "assistant":
                var blocks = try contentBlocks(message["content"], path: path).filter { $0["text"] != "" }
                for (callIndex, call) in (message["tool_calls"]?.arrayValue ?? []).enumerated() {
                    blocks.append(try toolUse(call, path: "\(path).tool_calls[\(callIndex)]"))
                }
                ends.append(append("assistant", blocks))
            case "tool":
                let content: JSONValue
                if let text = message["content"]?.stringValue {
                    content = .string(text)
                } else {
                    content = .array(try contentBlocks(message["content"], path: path))
                }
                ends.append(append("user", [["type": "tool_result", "tool_use_id": message["tool_call_id"] ?? "", "content": content]]))
            default:
                throw KeelError.invalidRequest("Role '\(role)' cannot be sent to an Anthropic model.", param: "\(path).role")
            }
        }
        let system: JSONValue?
        if systemParts.isEmpty {
            system = nil
        } else if systemIsPlain {
            system = .string(systemParts.compactMap { $0["text"]?.stringValue }.joined(separator: "\n\n"))
        } else {
            system = .array(systemParts)
        }
        return (system, turns.map { ["role": .string($0.role), "content": .array($0.blocks)] }, ends)
    }

    private static func contentBlocks(_ content: JSONValue?, path: String) throws(KeelError) -> [JSONValue] {
        switch content {
        case nil, .null?: return []
        case .string(let text)?: return [["type": "text", "text": .string(text)]]
        case .array(let parts)?:
            var blocks: [JSONValue] = []
            for (index, part) in parts.enumerated() {
                blocks.append(try block(part, path: "\(path).content[\(index)]"))
            }
            return blocks
        default:
            throw KeelError.invalidRequest("Unsupported content.", param: "\(path).content")
        }
    }

    /// A content part as a block; a part's own `cache_control` (a client's breakpoint, as
    /// Anthropic spells it) goes with it.
    private static func block(_ part: JSONValue, path: String) throws(KeelError) -> JSONValue {
        var block: JSONObject
        switch part["type"]?.stringValue {
        case "text":
            block = ["type": "text", "text": part["text"] ?? ""]
        case "image_url":
            switch try ImageReference.parse(part, path: path) {
            case .inline(let mediaType, let base64):
                block = ["type": "image", "source": ["type": "base64", "media_type": .string(mediaType), "data": .string(base64)]]
            case .link(let url):
                block = ["type": "image", "source": ["type": "url", "url": .string(url)]]
            }
        default:
            throw KeelError.invalidRequest(
                "Content of type '\(part["type"]?.stringValue ?? "?")' cannot be sent to an Anthropic model.", param: "\(path).type")
        }
        if let cacheControl = part["cache_control"], !cacheControl.isNull { block["cache_control"] = cacheControl }
        return .object(block)
    }

    private static func toolUse(_ call: JSONValue, path: String) throws(KeelError) -> JSONValue {
        let arguments = call["function"]?["arguments"]?.stringValue ?? "{}"
        let input: JSONValue
        do {
            input = try JSONValue.parse(arguments.isEmpty ? "{}" : arguments)
        } catch {
            throw KeelError.invalidRequest("Tool call arguments must be a JSON object: \(error.message)", param: "\(path).function.arguments")
        }
        guard case .object = input else {
            throw KeelError.invalidRequest("Tool call arguments must be a JSON object.", param: "\(path).function.arguments")
        }
        return ["type": "tool_use", "id": call["id"] ?? "", "name": call["function"]?["name"] ?? "", "input": input]
    }
}
