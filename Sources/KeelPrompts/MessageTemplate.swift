import KeelCore

/// One chat message of a prompt, with its templates parsed: the `content` when it is a string,
/// or the `text` of each text part when it is a list of parts. Everything else is copied as is.
struct MessageTemplate: Sendable, Hashable {
    enum Content: Sendable, Hashable {
        /// Nothing to render: the message as written (no content, or content with no template).
        case fixed
        case text(PromptTemplate)
        case parts([Part])
    }

    enum Part: Sendable, Hashable {
        case fixed(JSONValue)
        case text(base: JSONObject, template: PromptTemplate)
    }

    /// The message with a `null` where its rendered content goes: rendering replaces a value
    /// rather than growing (and so copying twice) the dictionary.
    let base: JSONObject
    let content: Content
    /// The same, written ahead as JSON for the provider.
    let encoded: EncodedMessage

    init(base: JSONObject, content: Content) {
        var base = base
        if case .fixed = content {} else { base["content"] = .null }
        self.base = base
        self.content = content
        encoded = EncodedMessage(base: base, content: content)
    }

    func render(_ values: JSONObject) -> JSONValue {
        var message = base
        switch content {
        case .fixed:
            break
        case .text(let template):
            message["content"] = .string(template.render(values))
        case .parts(let parts):
            message["content"] = .array(
                parts.map { part in
                    switch part {
                    case .fixed(let value):
                        return value
                    case .text(var object, let template):
                        object["text"] = .string(template.render(values))
                        return .object(object)
                    }
                })
        }
        return .object(message)
    }
}
