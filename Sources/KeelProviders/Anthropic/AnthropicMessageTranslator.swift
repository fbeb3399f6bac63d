import KeelCore

/// OpenAI `messages` -> Anthropic `system` and `messages`: system prompts lifted out, tool
/// calls and results as blocks, consecutive same-role turns merged.
enum AnthropicMessageTranslator {
    static func translate(_ messages: [JSONValue]) throws(KeelError) -> (system: JSONValue?, messages: [JSONValue]) {
        var systemParts: [JSONValue] = []
        var systemIsPlain = true
        var turns: [(role: String, blocks: [JSONValue])] = []

        func append(_ role: String, _ blocks: [JSONValue]) {
            guard !blocks.isEmpty else { return }
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].blocks += blocks
            } else {
                turns.append((role, blocks))
            }
        }

        for (index, message) in messages.enumerated() {
            let path = "messages[\(index)]"
            let role = message["role"]?.stringValue ?? ""
            switch role {
            case "system", "developer":
                if message["content"]?.stringValue == nil { systemIsPlain = false }
                systemParts += try contentBlocks(message["content"], path: path)
            case "user":
                append("user", try contentBlocks(message["content"], path: path))
            case "assistant":
                var blocks = try contentBlocks(message["content"], path: path).filter { $0["text"] != "" }
                for (callIndex, call) in (message["tool_calls"]?.arrayValue ?? []).enumerated() {
                    blocks.append(try toolUse(call, path: "\(path).tool_calls[\(callIndex)]"))
                }
                append("assistant", blocks)
            case "tool":
                let content: JSONValue
                if let text = message["content"]?.stringValue {
                    content = .string(text)
                } else {
                    content = .array(try contentBlocks(message["content"], path: path))
                }
                append("user", [["type": "tool_result", "tool_use_id": message["tool_call_id"] ?? "", "content": content]])
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
        return (system, turns.map { ["role": .string($0.role), "content": .array($0.blocks)] })
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

    private static func block(_ part: JSONValue, path: String) throws(KeelError) -> JSONValue {
        switch part["type"]?.stringValue {
        case "text":
            return ["type": "text", "text": part["text"] ?? ""]
        case "image_url":
            switch try ImageReference.parse(part, path: path) {
            case .inline(let mediaType, let base64):
                return ["type": "image", "source": ["type": "base64", "media_type": .string(mediaType), "data": .string(base64)]]
            case .link(let url):
                return ["type": "image", "source": ["type": "url", "url": .string(url)]]
            }
        default:
            throw KeelError.invalidRequest(
                "Content of type '\(part["type"]?.stringValue ?? "?")' cannot be sent to an Anthropic model.", param: "\(path).type")
        }
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
