import KeelCore

/// A prompt version made ready for one request: the pinned model, its parameters and the
/// messages rendered with the request's variables.
///
/// Its accessors are inlinable: the gateway reads them on every call by reference, and a call
/// into this module for each is a cold jump per accessor on a server, whose caches the network
/// and the other requests keep filling between two calls.
public struct ResolvedPrompt: Sendable, Equatable {
    @usableFromInline let form: ServingForm
    /// The label the reference asked for; nil when it named a version.
    public var label: String?
    /// The variables' values, checked against the version's declarations.
    let values: JSONObject

    @inlinable public var name: String { form.name }
    @inlinable public var version: Int { form.version }
    /// `support-reply@3`: the version's name, made once per version rather than per request.
    @inlinable public var reference: String { form.reference }
    @inlinable public var model: String { form.model }
    public var params: JSONObject { form.params }
    /// The version's parameters in name order, each with the JSON member it adds to a request,
    /// but for those a request's shape owns (`PromptParam.clientOwned`).
    @inlinable public var paramMembers: [PromptParam] { form.paramMembers }
    @inlinable public var messageCount: Int { form.messageCount }

    /// The messages, rendered: built on each read, as the request's body needs them once.
    public var messages: [JSONValue] { messages(followedBy: []) }

    /// The rendered messages, then `history`, in one array.
    public func messages(followedBy history: [JSONValue]) -> [JSONValue] {
        var messages: [JSONValue] = []
        messages.reserveCapacity(form.templates.count + history.count)
        for template in form.templates { messages.append(template.render(values)) }
        messages.append(contentsOf: history)
        return messages
    }

    init(form: ServingForm, label: String?, values: JSONObject) {
        self.form = form
        self.label = label
        self.values = values
    }

    /// A resolution with these messages as written (no variables).
    public init(name: String, version: Int, label: String?, model: String, params: JSONObject, messages: [JSONValue]) {
        let templates = messages.map { MessageTemplate(base: $0.objectValue ?? [:], content: .fixed) }
        self.init(
            form: ServingForm(name: name, version: version, model: model, params: params, variables: [], templates: templates), label: label,
            values: [:])
    }

    /// How the rendered request begins: `{"model":"…","messages":[`.
    @inlinable public var opening: [UInt8] { form.opening }
    /// Where the model's value lies in `opening` (and so in the rendered request).
    @inlinable public var modelValueRange: Range<Int> { form.modelValueRange }
    /// What a rendered request writes besides the client's members and the variables' values:
    /// the opening, the messages' fixed bytes, the parameters and the separators.
    @inlinable public var renderedFixedBytes: Int { form.renderedFixedBytes }
    /// Whether the version's parameters set `user` or `metadata`, which a trace records.
    @inlinable public var setsTracedMembers: Bool { form.setsTracedMembers }

    /// `messages` as JSON, separated by commas, appended to `output`.
    public func writeMessages(into output: inout [UInt8]) {
        EncodedMessage.write(form.encodedMessages, values, into: &output)
    }

    public static func == (lhs: ResolvedPrompt, rhs: ResolvedPrompt) -> Bool {
        (lhs.name, lhs.version, lhs.label, lhs.model, lhs.params, lhs.messages) == (
            rhs.name, rhs.version, rhs.label, rhs.model, rhs.params, rhs.messages
        )
    }
}

/// One parameter a prompt version sets, with the JSON member it adds to a request written
/// ahead: `"temperature":0.2`.
public struct PromptParam: Sendable, Hashable {
    public let name: String
    public let value: JSONValue
    public let member: [UInt8]

    /// Fields a prompt's `params` never set: the request's shape is the client's to choose.
    public static let clientOwned: Set<String> = ["model", "messages", "prompt", "stream", "stream_options"]

    init(name: String, value: JSONValue) {
        self.name = name
        self.value = value
        var member = JSONValue.string(name).encodedBytes()
        member.append(UInt8(ascii: ":"))
        value.encode(into: &member)
        self.member = member
    }
}

/// What serving one version reads, prepared once when the catalog loads and shared by every
/// request that resolves it.
@usableFromInline final class ServingForm: Sendable {
    @usableFromInline let name: String
    @usableFromInline let version: Int
    @usableFromInline let reference: String
    @usableFromInline let model: String
    let params: JSONObject
    @usableFromInline let paramMembers: [PromptParam]
    let variables: [PromptVariable]
    let templates: [MessageTemplate]
    /// The templates' messages as written ahead, apart: rendering reads nothing else of them.
    let encodedMessages: [EncodedMessage]
    @usableFromInline let messageCount: Int
    @usableFromInline let opening: [UInt8]
    @usableFromInline let modelValueRange: Range<Int>
    @usableFromInline let renderedFixedBytes: Int
    @usableFromInline let setsTracedMembers: Bool

    init(name: String, version: Int, model: String, params: JSONObject, variables: [PromptVariable], templates: [MessageTemplate]) {
        self.name = name
        self.version = version
        reference = "\(name)@\(version)"
        self.model = model
        self.params = params
        self.variables = variables
        self.templates = templates
        messageCount = templates.count
        encodedMessages = templates.map(\.encoded)
        paramMembers = params.filter { !PromptParam.clientOwned.contains($0.key) }.sorted { $0.key < $1.key }.map {
            PromptParam(name: $0.key, value: $0.value)
        }
        setsTracedMembers = paramMembers.contains { $0.name == "user" || $0.name == "metadata" }
        var opening = Array(#"{"model":"#.utf8)
        let modelStart = opening.count
        JSONValue.string(model).encode(into: &opening)
        modelValueRange = modelStart..<opening.count
        opening.append(contentsOf: #","messages":["#.utf8)
        self.opening = opening
        // A comma before each message and parameter, and the closing `]` and `}`.
        renderedFixedBytes =
            opening.count + templates.reduce(0) { $0 + $1.encoded.fixedByteCount + 1 } + paramMembers.reduce(0) { $0 + $1.member.count + 1 } + 2
    }

    /// Whether the version declares a variable of this name whose type takes this value.
    func declares(_ variable: (key: String, value: JSONValue)) -> Bool {
        variables.contains { $0.name == variable.key && $0.type.accepts(variable.value) }
    }

    convenience init(_ version: PromptVersion) {
        let definition = version.definition
        self.init(
            name: version.name, version: version.version, model: definition.model, params: definition.params, variables: definition.variables,
            templates: definition.templates)
    }
}
