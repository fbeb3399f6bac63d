import KeelCore

/// A prompt called by reference in a chat completions body, in OpenAI's shape:
/// `"prompt": {"id": "support-reply", "variables": {...}, "version": 3}` or `"label": "staging"`.
/// Neither version nor label means the `production` label.
public struct PromptReference: Sendable, Hashable {
    public enum Selector: Sendable, Hashable {
        case version(Int)
        case label(String)
    }

    public var id: String
    public var selector: Selector
    public var variables: JSONObject

    public static let defaultLabel = "production"

    public init(id: String, selector: Selector = .label(PromptReference.defaultLabel), variables: JSONObject = [:]) {
        self.id = id
        self.selector = selector
        self.variables = variables
    }

    /// Reads the body's `prompt` field; a 400 naming the field that is wrong.
    public static func parse(_ value: JSONValue) throws(KeelError) -> PromptReference {
        guard case .object(let object) = value else {
            throw invalid("'prompt' must be an object: {\"id\": \"NAME\", \"variables\": {...}}.", param: "prompt")
        }
        // One pass over the members rather than a lookup of each.
        var idField: JSONValue?
        var variablesField: JSONValue?
        var versionField: JSONValue?
        var labelField: JSONValue?
        for (key, value) in object {
            switch key {
            case "id": idField = value
            case "variables": variablesField = value
            case "version": versionField = value
            case "label": labelField = value
            default: throw invalid("Unknown field 'prompt.\(key)' (expected id, variables, version or label).", param: "prompt.\(key)")
            }
        }
        guard let id = idField?.stringValue, !id.isEmpty else {
            throw invalid("'prompt.id' must be the name of a prompt.", param: "prompt.id")
        }
        var variables: JSONObject = [:]
        switch variablesField {
        case nil, .null?: break
        case .object(let given)?: variables = given
        default: throw invalid("'prompt.variables' must be an object of variable names to values.", param: "prompt.variables")
        }
        let selector: Selector
        switch (versionField, labelField) {
        case (nil, nil), (.null?, nil), (nil, .null?), (.null?, .null?):
            selector = .label(defaultLabel)
        case (let version?, nil), (let version?, .null?):
            guard let number = version.intValue ?? version.stringValue.flatMap({ Int($0) }), number > 0 else {
                throw invalid("'prompt.version' must be a version number (1, 2, ...).", param: "prompt.version")
            }
            selector = .version(number)
        case (nil, let label?), (.null?, let label?):
            guard let name = label.stringValue, !name.isEmpty else {
                throw invalid("'prompt.label' must be a label name such as \"production\".", param: "prompt.label")
            }
            selector = .label(name)
        default:
            throw invalid("Give 'prompt.version' or 'prompt.label', not both.", param: "prompt.version")
        }
        return PromptReference(id: id, selector: selector, variables: variables)
    }

    private static func invalid(_ message: String, param: String) -> KeelError {
        KeelError.invalidRequest(message, param: param, code: "invalid_prompt_reference")
    }
}
