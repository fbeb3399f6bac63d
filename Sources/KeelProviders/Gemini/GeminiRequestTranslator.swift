import KeelCore

public struct GeminiRequest: Sendable {
    public var body: JSONObject
    public var context: GeminiContext
}

public struct GeminiContext: Sendable, Equatable {
    /// The upstream model name (answers carry `modelVersion`; this is the fallback).
    public var model: String
    /// Streams: emit a final usage-only chunk (OpenAI's `stream_options.include_usage`).
    public var includeUsage: Bool
    public var created: Int
    /// The completion id when the answer has no `responseId`.
    public var id: String

    public init(model: String, includeUsage: Bool = false, created: Int, id: String) {
        self.model = model
        self.includeUsage = includeUsage
        self.created = created
        self.id = id
    }
}

/// OpenAI chat request -> Gemini `generateContent` request (the model goes in the URL).
public enum GeminiRequestTranslator {
    static let thinkingBudgets = ["minimal": 512, "low": 1024, "medium": 8192, "high": 24576]

    public static func translate(_ openAI: JSONObject, created: Int, id: String) throws(KeelError) -> GeminiRequest {
        let (system, contents) = try GeminiContentTranslator.translate(openAI["messages"]?.arrayValue ?? [])
        var body: JSONObject = ["contents": .array(contents)]
        if let system { body["systemInstruction"] = system }
        let tools = try functionDeclarations(openAI["tools"]?.arrayValue ?? [])
        if !tools.isEmpty { body["tools"] = [["functionDeclarations": .array(tools)]] }
        if let config = try toolConfig(openAI["tool_choice"]) { body["toolConfig"] = config }
        let generation = try generationConfig(openAI)
        if !generation.isEmpty { body["generationConfig"] = .object(generation) }
        let context = GeminiContext(
            model: openAI["model"]?.stringValue ?? "", includeUsage: openAI["stream_options"]?["include_usage"]?.boolValue ?? false,
            created: created, id: id)
        return GeminiRequest(body: body, context: context)
    }

    private static func functionDeclarations(_ tools: [JSONValue]) throws(KeelError) -> [JSONValue] {
        var result: [JSONValue] = []
        for (index, tool) in tools.enumerated() {
            guard tool["type"]?.stringValue == "function", let function = tool["function"], let name = function["name"]?.stringValue else {
                throw KeelError.invalidRequest("Only function tools can be sent to a Gemini model.", param: "tools[\(index)]")
            }
            var declaration: JSONObject = ["name": .string(name)]
            if let description = function["description"]?.stringValue { declaration["description"] = .string(description) }
            if let parameters = function["parameters"], !parameters.isNull { declaration["parametersJsonSchema"] = parameters }
            result.append(.object(declaration))
        }
        return result
    }

    private static func toolConfig(_ choice: JSONValue?) throws(KeelError) -> JSONValue? {
        switch choice {
        case nil, .null?: return nil
        case .string("auto")?: return ["functionCallingConfig": ["mode": "AUTO"]]
        case .string("required")?: return ["functionCallingConfig": ["mode": "ANY"]]
        case .string("none")?: return ["functionCallingConfig": ["mode": "NONE"]]
        case let value? where value["function"]?["name"]?.stringValue != nil:
            return ["functionCallingConfig": ["mode": "ANY", "allowedFunctionNames": [value["function"]?["name"] ?? ""]]]
        default:
            throw KeelError.invalidRequest("Unsupported 'tool_choice' for a Gemini model.", param: "tool_choice")
        }
    }

    private static func generationConfig(_ openAI: JSONObject) throws(KeelError) -> JSONObject {
        var config: JSONObject = [:]
        let renames = [
            "temperature": "temperature", "top_p": "topP", "n": "candidateCount", "seed": "seed",
            "presence_penalty": "presencePenalty", "frequency_penalty": "frequencyPenalty", "top_k": "topK",
        ]
        for (from, to) in renames {
            if let value = openAI[from], !value.isNull { config[to] = value }
        }
        if let maxTokens = openAI["max_completion_tokens"] ?? openAI["max_tokens"], !maxTokens.isNull { config["maxOutputTokens"] = maxTokens }
        switch openAI["stop"] {
        case .string(let stop)?: config["stopSequences"] = [.string(stop)]
        case .array(let stops)?: config["stopSequences"] = .array(stops)
        default: break
        }
        switch openAI["response_format"]?["type"]?.stringValue {
        case "json_object":
            config["responseMimeType"] = "application/json"
        case "json_schema":
            config["responseMimeType"] = "application/json"
            if let schema = openAI["response_format"]?["json_schema"]?["schema"] { config["responseJsonSchema"] = schema }
        default:
            break
        }
        if let effort = openAI["reasoning_effort"]?.stringValue, let budget = thinkingBudgets[effort] {
            config["thinkingConfig"] = ["thinkingBudget": .int(Int64(budget))]
        }
        return config
    }
}
