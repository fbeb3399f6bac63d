import KeelCore

/// Result of translating an OpenAI request; `context` is needed again to translate the answer.
public struct AnthropicRequest: Sendable {
    public var body: JSONObject
    public var context: AnthropicContext
    /// For each OpenAI message, where its last block went: what places a cache breakpoint
    /// after the request's stable leading messages.
    public var messageEnds: [AnthropicBlockPosition?] = []
}

public struct AnthropicContext: Sendable, Equatable {
    /// Set when `response_format` asked for JSON through a forced tool: the tool's name; its
    /// input becomes the message content.
    public var jsonResponseTool: String?
    /// Streams: emit a final usage-only chunk (OpenAI's `stream_options.include_usage`).
    public var includeUsage: Bool
    /// Unix seconds used for `created` in translated objects.
    public var created: Int

    public init(jsonResponseTool: String? = nil, includeUsage: Bool = true, created: Int) {
        self.jsonResponseTool = jsonResponseTool
        self.includeUsage = includeUsage
        self.created = created
    }
}

/// OpenAI chat request -> Anthropic Messages request.
public enum AnthropicRequestTranslator {
    static let thinkingBudgets = ["minimal": 1024, "low": 1024, "medium": 4096, "high": 16384]

    public static func translate(_ openAI: JSONObject, defaultMaxTokens: Int, created: Int) throws(KeelError) -> AnthropicRequest {
        if let n = openAI["n"]?.intValue, n > 1 {
            throw KeelError.invalidRequest("Anthropic models return one choice; 'n' must be 1.", param: "n")
        }
        var body: JSONObject = ["model": openAI["model"] ?? ""]
        let (system, messages, messageEnds) = try AnthropicMessageTranslator.translate(openAI["messages"]?.arrayValue ?? [])
        if let system { body["system"] = system }
        body["messages"] = .array(messages)
        var maxTokens = openAI["max_completion_tokens"]?.intValue ?? openAI["max_tokens"]?.intValue ?? defaultMaxTokens
        if let effort = openAI["reasoning_effort"]?.stringValue, let budget = thinkingBudgets[effort] {
            body["thinking"] = ["type": "enabled", "budget_tokens": .int(Int64(budget))]
            if maxTokens <= budget { maxTokens = budget + defaultMaxTokens }
        }
        body["max_tokens"] = .int(Int64(maxTokens))
        switch openAI["stop"] {
        case .string(let stop)?: body["stop_sequences"] = [.string(stop)]
        case .array(let stops)?: body["stop_sequences"] = .array(stops)
        default: break
        }
        if let temperature = openAI["temperature"]?.doubleValue {
            body["temperature"] = temperature > 1 ? .double(1) : openAI["temperature"]
        }
        for key in ["top_p", "top_k", "stream"] where openAI[key] != nil && !(openAI[key]?.isNull ?? true) {
            body[key] = openAI[key]
        }
        if let user = openAI["user"]?.stringValue { body["metadata"] = ["user_id": .string(user)] }
        var tools = try translateTools(openAI["tools"]?.arrayValue ?? [])
        var toolChoice = try translateToolChoice(openAI["tool_choice"])
        if openAI["parallel_tool_calls"]?.boolValue == false {
            var choice = toolChoice?.objectValue ?? ["type": "auto"]
            if choice["type"] != "none" { choice["disable_parallel_tool_use"] = true }
            toolChoice = .object(choice)
        }
        var jsonTool: String?
        if let format = openAI["response_format"]?.objectValue, let (tool, name) = try jsonResponseTool(format) {
            guard tools.isEmpty else {
                throw KeelError.invalidRequest(
                    "With an Anthropic target, 'response_format' cannot be combined with 'tools'.", param: "response_format")
            }
            tools = [tool]
            toolChoice = ["type": "tool", "name": .string(name)]
            jsonTool = name
        }
        if !tools.isEmpty { body["tools"] = .array(tools) }
        if let toolChoice { body["tool_choice"] = toolChoice }
        let includeUsage = openAI["stream_options"]?["include_usage"]?.boolValue ?? false
        return AnthropicRequest(
            body: body, context: AnthropicContext(jsonResponseTool: jsonTool, includeUsage: includeUsage, created: created),
            messageEnds: messageEnds)
    }

    private static func translateTools(_ tools: [JSONValue]) throws(KeelError) -> [JSONValue] {
        var result: [JSONValue] = []
        for (index, tool) in tools.enumerated() {
            guard tool["type"]?.stringValue == "function", let function = tool["function"], let name = function["name"]?.stringValue else {
                throw KeelError.invalidRequest("Only function tools can be sent to an Anthropic model.", param: "tools[\(index)]")
            }
            var translated: JSONObject = ["name": .string(name), "input_schema": function["parameters"] ?? ["type": "object", "properties": [:]]]
            if let description = function["description"]?.stringValue { translated["description"] = .string(description) }
            result.append(.object(translated))
        }
        return result
    }

    private static func translateToolChoice(_ choice: JSONValue?) throws(KeelError) -> JSONValue? {
        switch choice {
        case nil, .null?: return nil
        case .string("auto")?: return ["type": "auto"]
        case .string("required")?: return ["type": "any"]
        case .string("none")?: return ["type": "none"]
        case let value? where value["function"]?["name"]?.stringValue != nil:
            return ["type": "tool", "name": value["function"]?["name"] ?? ""]
        default:
            throw KeelError.invalidRequest("Unsupported 'tool_choice' for an Anthropic model.", param: "tool_choice")
        }
    }

    private static func jsonResponseTool(_ format: JSONObject) throws(KeelError) -> (JSONValue, String)? {
        switch format["type"]?.stringValue {
        case "json_schema":
            let schema = format["json_schema"]
            let name = schema?["name"]?.stringValue ?? "json_response"
            return (toolForJSON(name: name, schema: schema?["schema"] ?? ["type": "object"]), name)
        case "json_object":
            return (toolForJSON(name: "json_response", schema: ["type": "object"]), "json_response")
        default:
            return nil
        }
    }

    private static func toolForJSON(name: String, schema: JSONValue) -> JSONValue {
        ["name": .string(name), "description": "Respond with a JSON object matching this schema.", "input_schema": schema]
    }
}
