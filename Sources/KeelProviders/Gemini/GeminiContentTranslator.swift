import KeelCore

/// OpenAI `messages` -> Gemini `systemInstruction` and `contents`.
enum GeminiContentTranslator {
    static func translate(_ messages: [JSONValue]) throws(KeelError) -> (system: JSONValue?, contents: [JSONValue]) {
        var systemParts: [JSONValue] = []
        var turns: [(role: String, parts: [JSONValue])] = []
        var functionNames: [String: String] = [:]

        func append(_ role: String, _ parts: [JSONValue]) {
            guard !parts.isEmpty else { return }
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].parts += parts
            } else {
                turns.append((role, parts))
            }
        }

        for (index, message) in messages.enumerated() {
            let path = "messages[\(index)]"
            switch message["role"]?.stringValue ?? "" {
            case "system", "developer":
                systemParts += try parts(message["content"], path: path)
            case "user":
                append("user", try parts(message["content"], path: path))
            case "assistant":
                var modelParts = try parts(message["content"], path: path).filter { $0["text"] != "" }
                for (callIndex, call) in (message["tool_calls"]?.arrayValue ?? []).enumerated() {
                    let name = call["function"]?["name"]?.stringValue ?? ""
                    if let id = call["id"]?.stringValue { functionNames[id] = name }
                    let arguments = try parseArguments(call, path: "\(path).tool_calls[\(callIndex)].function.arguments")
                    modelParts.append(["functionCall": ["name": .string(name), "args": arguments]])
                }
                append("model", modelParts)
            case "tool":
                let id = message["tool_call_id"]?.stringValue ?? ""
                guard let name = functionNames[id] else {
                    throw KeelError.invalidRequest(
                        "No earlier assistant tool call has the id '\(id)'.", param: "\(path).tool_call_id")
                }
                let text =
                    message["content"]?.stringValue
                    ?? (message["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
                let response: JSONValue
                if let parsed = try? JSONValue.parse(text), case .object = parsed {
                    response = parsed
                } else {
                    response = ["content": .string(text)]
                }
                append("user", [["functionResponse": ["name": .string(name), "response": response]]])
            case let role:
                throw KeelError.invalidRequest("Role '\(role)' cannot be sent to a Gemini model.", param: "\(path).role")
            }
        }
        let system: JSONValue? = systemParts.isEmpty ? nil : ["parts": .array(systemParts)]
        return (system, turns.map { ["role": .string($0.role), "parts": .array($0.parts)] })
    }

    private static func parts(_ content: JSONValue?, path: String) throws(KeelError) -> [JSONValue] {
        switch content {
        case nil, .null?: return []
        case .string(let text)?: return [["text": .string(text)]]
        case .array(let items)?:
            var result: [JSONValue] = []
            for (index, item) in items.enumerated() {
                result.append(try part(item, path: "\(path).content[\(index)]"))
            }
            return result
        default:
            throw KeelError.invalidRequest("Unsupported content.", param: "\(path).content")
        }
    }

    private static func part(_ item: JSONValue, path: String) throws(KeelError) -> JSONValue {
        switch item["type"]?.stringValue {
        case "text":
            return ["text": item["text"] ?? ""]
        case "image_url":
            switch try ImageReference.parse(item, path: path) {
            case .inline(let mediaType, let base64):
                return ["inlineData": ["mimeType": .string(mediaType), "data": .string(base64)]]
            case .link(let url):
                return ["fileData": ["mimeType": .string(mimeType(of: url)), "fileUri": .string(url)]]
            }
        default:
            throw KeelError.invalidRequest(
                "Content of type '\(item["type"]?.stringValue ?? "?")' cannot be sent to a Gemini model.", param: "\(path).type")
        }
    }

    private static func mimeType(of url: String) -> String {
        let path = url.split(separator: "?").first.map(String.init)?.lowercased() ?? ""
        if path.hasSuffix(".png") { return "image/png" }
        if path.hasSuffix(".gif") { return "image/gif" }
        if path.hasSuffix(".webp") { return "image/webp" }
        return "image/jpeg"
    }

    private static func parseArguments(_ call: JSONValue, path: String) throws(KeelError) -> JSONValue {
        let text = call["function"]?["arguments"]?.stringValue ?? "{}"
        guard let parsed = try? JSONValue.parse(text.isEmpty ? "{}" : text), case .object = parsed else {
            throw KeelError.invalidRequest("Tool call arguments must be a JSON object.", param: path)
        }
        return parsed
    }
}
