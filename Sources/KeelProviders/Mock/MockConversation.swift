import KeelCore

/// What the mock provider needs to know of a request, whatever wire protocol it came in.
public struct MockPrompt: Sendable, Equatable {
    public struct Tool: Sendable, Equatable {
        public var name: String
        /// JSON Schema of the arguments.
        public var parameters: JSONValue

        public init(name: String, parameters: JSONValue) {
            self.name = name
            self.parameters = parameters
        }
    }

    /// The upstream model name the request asked for: it carries the mock's directives.
    public var model: String
    /// The text of the last user message (text parts joined with a space).
    public var lastUserText: String
    /// True when the last message is a tool result (so the mock answers in text, not with another call).
    public var lastMessageIsToolResult: Bool
    public var tools: [Tool]
    /// The name of the tool the request forces, if any.
    public var forcedTool: String?
    /// True when the request forbids tool calls (`tool_choice: none`).
    public var toolsDisabled: Bool
    /// The output-token limit, if the request set one.
    public var maxTokens: Int?
    /// Rough input size, used to report prompt tokens.
    public var inputCharacters: Int
    public var stream: Bool
    /// The prefixes the request marked for a prompt cache (Anthropic's `cache_control`), in order.
    public var cachePrefixes: [MockCachePrefix] = []

    public init(
        model: String, lastUserText: String, lastMessageIsToolResult: Bool = false, tools: [Tool] = [], forcedTool: String? = nil,
        toolsDisabled: Bool = false, maxTokens: Int? = nil, inputCharacters: Int = 0, stream: Bool = false
    ) {
        self.model = model
        self.lastUserText = lastUserText
        self.lastMessageIsToolResult = lastMessageIsToolResult
        self.tools = tools
        self.forcedTool = forcedTool
        self.toolsDisabled = toolsDisabled
        self.maxTokens = maxTokens
        self.inputCharacters = inputCharacters
        self.stream = stream
    }
}

/// What the mock provider answers, before it is written in a wire protocol.
public struct MockReply: Sendable, Equatable {
    public enum FinishReason: String, Sendable, Equatable {
        case stop, length
        case toolCalls = "tool_calls"
    }

    public struct ToolCall: Sendable, Equatable {
        public var id: String
        public var name: String
        /// The arguments as a JSON object.
        public var arguments: JSONValue

        public init(id: String, name: String, arguments: JSONValue) {
            self.id = id
            self.name = name
            self.arguments = arguments
        }
    }

    public var id: String
    public var model: String
    public var created: Int
    /// The text, already split into the pieces a stream sends one by one; joined, it is the content.
    public var textPieces: [String]
    public var toolCalls: [ToolCall]
    public var finishReason: FinishReason
    /// All input tokens, the cached and cache-written ones included.
    public var promptTokens: Int
    public var completionTokens: Int
    /// Input tokens read from, and written to, the mock's prompt cache.
    public var cacheReadTokens = 0
    public var cacheWriteTokens = 0

    public init(
        id: String, model: String, created: Int, textPieces: [String], toolCalls: [ToolCall] = [], finishReason: FinishReason,
        promptTokens: Int, completionTokens: Int
    ) {
        self.id = id
        self.model = model
        self.created = created
        self.textPieces = textPieces
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    public var text: String { textPieces.joined() }
}
