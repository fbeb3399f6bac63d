import KeelCore

/// A tool call the model made: its function name and arguments (a JSON object; a JSON text, as
/// OpenAI sends it, is read as the value it encodes).
public struct EvalToolCall: Sendable, Hashable {
    public var name: String
    public var arguments: JSONValue

    public init(name: String, arguments: JSONValue = .object([:])) {
        self.name = name
        self.arguments = arguments
    }

    /// The arguments as JSON: a string holding JSON is parsed; one that is not JSON stays a string.
    public var decodedArguments: JSONValue {
        guard case .string(let text) = arguments, let parsed = try? JSONValue.parse(text) else { return arguments }
        return parsed
    }
}

/// What the model under test answered, as assertions see it.
public struct EvalOutput: Sendable, Hashable {
    public var text: String
    public var toolCalls: [EvalToolCall]
    /// `stop`, `length`, `tool_calls`, `content_filter`, ...; nil when unknown.
    public var finishReason: String?
    /// nil when the cost is unknown (a `cost` assertion then errors).
    public var costUSD: Double?
    public var latencyMs: Double
    public var promptTokens: Int?
    public var completionTokens: Int?

    public init(
        text: String, toolCalls: [EvalToolCall] = [], finishReason: String? = nil, costUSD: Double? = nil, latencyMs: Double = 0,
        promptTokens: Int? = nil, completionTokens: Int? = nil
    ) {
        self.text = text
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.costUSD = costUSD
        self.latencyMs = latencyMs
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// What a test gives its assertions besides the output: its variables and the input messages as
/// sent (rendered).
public struct EvalTestContext: Sendable, Hashable {
    public var vars: JSONObject
    public var messages: [JSONValue]

    public init(vars: JSONObject = [:], messages: [JSONValue] = []) {
        self.vars = vars
        self.messages = messages
    }

    /// The question the output should answer: the `question` or `query` variable, else the text
    /// of the last user message.
    public var query: String? {
        for key in ["question", "query"] {
            if let value = vars[key] { return value.stringValue ?? value.encodedString() }
        }
        for message in messages.reversed() where message["role"]?.stringValue == "user" {
            return Self.text(of: message["content"])
        }
        return nil
    }

    /// The `context` variable (a list is joined by blank lines).
    public var contextText: String? {
        switch vars["context"] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .array(let items)?: return items.map { $0.stringValue ?? $0.encodedString() }.joined(separator: "\n\n")
        case let other?: return other.encodedString()
        }
    }

    public static func text(of content: JSONValue?) -> String? {
        switch content {
        case .string(let text)?: return text
        case .array(let parts)?:
            let texts = parts.compactMap { $0["text"]?.stringValue }
            return texts.isEmpty ? nil : texts.joined(separator: "\n")
        default: return nil
        }
    }
}
