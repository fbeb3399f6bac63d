import Foundation
import KeelCore

/// A validated chat completion request. The body stays as the client sent it; only the fields
/// Keel owns are read.
public struct ChatRequest: Sendable {
    public var body: JSONObject {
        get { deferredBody.value }
        set { deferredBody.value = newValue }
        _modify { yield &deferredBody.value }
    }
    /// `body`, which a call by reference's rendering makes only when a stage reads it.
    public var deferredBody: DeferredObject
    public var model: String
    public var stream: Bool
    /// Whether the client asked for the usage chunk at the end of a stream.
    public var clientWantsStreamUsage: Bool
    /// The body as the client sent it (for a call by reference, as Keel wrote it).
    public var rawBody: Data {
        didSet {
            editableMembers = nil
            modelValueRange = nil
        }
    }
    /// Where `rawBody`'s top-level members lie, as validation found them, when the bytes may be
    /// edited member by member: nil once the bytes are replaced, or when a key is written with
    /// escapes (it may name a member an edit rewrites, and parsing keeps the last occurrence).
    public var editableMembers: [JSONSplice.Member]?
    /// Where `model`'s value lies in `rawBody`, so the target's model is put in place without
    /// a search; nil when no member can be replaced safely.
    public var modelValueRange: Range<Int>?
    /// `body` no longer says what `rawBody` says (a guardrail redacted part of it).
    public var bodyEdited = false
    /// How many leading messages are a prompt version's rendering, the same on every call: the
    /// part a provider's prompt cache can keep.
    public var stablePrefixMessages: Int?

    init(body: JSONObject, model: String, stream: Bool, clientWantsStreamUsage: Bool, rawBody: Data, rawMembers: [JSONSplice.Member]) {
        deferredBody = DeferredObject(body)
        self.model = model
        self.stream = stream
        self.clientWantsStreamUsage = clientWantsStreamUsage
        self.rawBody = rawBody
        let editable = rawMembers.contains(where: \.keyIsEscaped) ? nil : rawMembers
        editableMembers = editable
        // The last `model` member, as parsing keeps.
        modelValueRange = editable.flatMap { members in rawBody.withUnsafeBytes { bytes in members.last { $0.hasKey("model", in: bytes) }?.value } }
    }

    /// Checks a chat completions body. One that calls a prompt by reference (`prompt`) may
    /// leave out `model` and `messages`: they are checked once the prompt is rendered.
    public static func parse(_ data: Data) throws(KeelError) -> ChatRequest {
        let (body, members) = try RequestBody.objectAndMembers(from: data)
        let callsPrompt = body["prompt"] != nil
        let checks = FieldChecks(body)
        let model = callsPrompt ? try checks.optionalString("model") ?? "" : try checks.requiredString("model")
        let messages = callsPrompt ? try checks.optionalArray("messages") ?? [] : try checks.requiredArray("messages")
        try checkFields(body, messages: messages, requireMessages: !callsPrompt)
        let stream = try checks.optionalBool("stream") ?? false
        let streamOptions = try checks.optionalObject("stream_options")
        let wantsUsage =
            try streamOptions.map { (options) throws(KeelError) in
                try FieldChecks(options, path: "stream_options").optionalBool("include_usage")
            } ?? nil
        return ChatRequest(body: body, model: model, stream: stream, clientWantsStreamUsage: wantsUsage ?? false, rawBody: data, rawMembers: members)
    }

    /// Checks what a prompt version adds to a request (its rendered messages and its parameters)
    /// as a request that came with them would be checked.
    static func checkPromptAdditions(params: JSONObject, messages: [JSONValue]) throws(KeelError) {
        try checkFields(params, messages: messages, requireMessages: false)
    }

    /// A call by reference whose rendering and history are both empty has no message to send.
    static func checkHasMessages(_ messages: [JSONValue]) throws(KeelError) {
        if messages.isEmpty {
            throw KeelError.invalidRequest("'messages' must contain at least one message.", param: "messages", code: "empty_array")
        }
    }

    private static func checkFields(_ body: JSONObject, messages: [JSONValue], requireMessages: Bool) throws(KeelError) {
        let checks = FieldChecks(body)
        if requireMessages { try checkHasMessages(messages) }
        for (index, message) in messages.enumerated() {
            try MessageChecks.check(message, at: "messages[\(index)]")
        }
        try checks.optionalNumber("temperature", in: 0...2)
        try checks.optionalNumber("top_p", in: 0...1)
        try checks.optionalNumber("presence_penalty", in: -2...2)
        try checks.optionalNumber("frequency_penalty", in: -2...2)
        try checks.optionalInteger("n", in: 1...128)
        try checks.optionalInteger("max_tokens", in: 1...Int(Int32.max))
        try checks.optionalInteger("max_completion_tokens", in: 1...Int(Int32.max))
        try checks.optionalInteger("seed", in: Int(Int64.min)...Int(Int64.max))
        _ = try checks.optionalString("user")
        _ = try checks.optionalObject("metadata")
        try checkStop(body["stop"])
        try ToolChecks.check(tools: try checks.optionalArray("tools"), choice: body["tool_choice"])
        try checkResponseFormat(try checks.optionalObject("response_format"))
    }

    private static func checkStop(_ stop: JSONValue?) throws(KeelError) {
        switch stop {
        case nil, .null?, .string?: return
        case .array(let items)? where items.allSatisfy({ $0.stringValue != nil }): return
        case let other?:
            throw KeelError.invalidRequest(
                "Invalid type for 'stop': expected a string or an array of strings, but got \(other.typeName).", param: "stop",
                code: "invalid_type")
        }
    }

    private static func checkResponseFormat(_ format: JSONObject?) throws(KeelError) {
        guard let format else { return }
        let checks = FieldChecks(format, path: "response_format")
        let type = try checks.requiredString("type")
        try checks.oneOf("type", ["text", "json_object", "json_schema"], value: type)
        if type == "json_schema" {
            guard let schema = try checks.optionalObject("json_schema") else {
                throw KeelError.invalidRequest(
                    "Missing required parameter: 'response_format.json_schema'.", param: "response_format.json_schema",
                    code: "missing_required_parameter")
            }
            let schemaChecks = FieldChecks(schema, path: "response_format.json_schema")
            _ = try schemaChecks.requiredString("name")
            _ = try schemaChecks.optionalObject("schema")
        }
    }
}

/// The shape of one chat message.
enum MessageChecks {
    static let roles = ["system", "developer", "user", "assistant", "tool", "function"]

    static func check(_ message: JSONValue, at path: String) throws(KeelError) {
        guard let object = message.objectValue else {
            throw KeelError.invalidRequest(
                "Invalid type for '\(path)': expected an object, but got \(message.typeName).", param: path, code: "invalid_type")
        }
        let checks = FieldChecks(object, path: path)
        let role = try checks.requiredString("role")
        try checks.oneOf("role", roles, value: role)
        let hasToolCalls = !(object["tool_calls"]?.arrayValue?.isEmpty ?? true) || object["function_call"] != nil
        switch object["content"] {
        case nil, .null?:
            guard role == "assistant" && (hasToolCalls || object["refusal"] != nil) || role == "assistant" && object["audio"] != nil else {
                throw KeelError.invalidRequest(
                    "Missing required parameter: '\(path).content'.", param: "\(path).content", code: "missing_required_parameter")
            }
        case .string?: break
        case .array(let parts)?:
            for (index, part) in parts.enumerated() {
                let partPath = "\(path).content[\(index)]"
                guard let partObject = part.objectValue else {
                    throw KeelError.invalidRequest(
                        "Invalid type for '\(partPath)': expected an object, but got \(part.typeName).", param: partPath, code: "invalid_type")
                }
                _ = try FieldChecks(partObject, path: partPath).requiredString("type")
            }
        case let other?:
            throw checks.typeError("content", expected: "a string or an array of content parts", found: other)
        }
        if role == "tool" { _ = try checks.requiredString("tool_call_id") }
        if let calls = try checks.optionalArray("tool_calls") {
            for (index, call) in calls.enumerated() {
                try ToolChecks.checkCall(call, at: "\(path).tool_calls[\(index)]")
            }
        }
    }
}

/// The shape of `tools`, `tool_choice` and tool calls.
enum ToolChecks {
    static func check(tools: [JSONValue]?, choice: JSONValue?) throws(KeelError) {
        for (index, tool) in (tools ?? []).enumerated() {
            let path = "tools[\(index)]"
            guard let object = tool.objectValue else {
                throw KeelError.invalidRequest(
                    "Invalid type for '\(path)': expected an object, but got \(tool.typeName).", param: path, code: "invalid_type")
            }
            let checks = FieldChecks(object, path: path)
            let type = try checks.requiredString("type")
            guard type == "function" else { continue }
            guard let function = try checks.optionalObject("function") else {
                throw KeelError.invalidRequest(
                    "Missing required parameter: '\(path).function'.", param: "\(path).function", code: "missing_required_parameter")
            }
            let functionChecks = FieldChecks(function, path: "\(path).function")
            _ = try functionChecks.requiredString("name")
            _ = try functionChecks.optionalObject("parameters")
        }
        switch choice {
        case nil, .null?: return
        case .string(let value)?:
            try FieldChecks([:]).oneOf("tool_choice", ["none", "auto", "required"], value: value)
        case .object(let object)?:
            _ = try FieldChecks(object, path: "tool_choice").requiredString("type")
        case let other?:
            throw FieldChecks([:]).typeError("tool_choice", expected: "a string or an object", found: other)
        }
    }

    static func checkCall(_ call: JSONValue, at path: String) throws(KeelError) {
        guard let object = call.objectValue else {
            throw KeelError.invalidRequest(
                "Invalid type for '\(path)': expected an object, but got \(call.typeName).", param: path, code: "invalid_type")
        }
        let checks = FieldChecks(object, path: path)
        _ = try checks.requiredString("id")
        guard let function = try checks.optionalObject("function") else {
            throw KeelError.invalidRequest(
                "Missing required parameter: '\(path).function'.", param: "\(path).function", code: "missing_required_parameter")
        }
        let functionChecks = FieldChecks(function, path: "\(path).function")
        _ = try functionChecks.requiredString("name")
        _ = try functionChecks.optionalString("arguments")
    }
}

extension JSONValue {
    /// A chat message's text: its string content, or its text parts one per line.
    var messageText: String {
        switch self["content"] {
        case .string(let text)?: return text
        case .array(let parts)?: return parts.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
        default: return ""
        }
    }
}
