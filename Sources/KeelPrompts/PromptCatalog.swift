import KeelCore

/// A prompt version made ready for one request: the pinned model, its parameters and the
/// messages rendered with the request's variables.
public struct ResolvedPrompt: Sendable, Equatable {
    public var name: String
    public var version: Int
    /// The label the reference asked for; nil when it named a version.
    public var label: String?
    public var model: String
    public var params: JSONObject
    public var messages: [JSONValue]
    /// The templates and values `messages` was rendered from, to write it as JSON directly.
    private var rendering: (templates: [MessageTemplate], values: JSONObject)?

    public init(name: String, version: Int, label: String?, model: String, params: JSONObject, messages: [JSONValue]) {
        self.name = name
        self.version = version
        self.label = label
        self.model = model
        self.params = params
        self.messages = messages
    }

    init(name: String, version: Int, label: String?, model: String, params: JSONObject, templates: [MessageTemplate], values: JSONObject) {
        self.init(
            name: name, version: version, label: label, model: model, params: params, messages: PromptDefinition.render(templates, values))
        rendering = (templates, values)
    }

    /// `messages` as JSON, separated by commas, appended to `output`.
    public func writeMessages(into output: inout [UInt8]) {
        if let rendering {
            PromptDefinition.write(rendering.templates, rendering.values, into: &output)
            return
        }
        for (index, message) in messages.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            message.encode(into: &output)
        }
    }

    public static func == (lhs: ResolvedPrompt, rhs: ResolvedPrompt) -> Bool {
        (lhs.name, lhs.version, lhs.label, lhs.model, lhs.params, lhs.messages) == (
            rhs.name, rhs.version, rhs.label, rhs.model, rhs.params, rhs.messages
        )
    }
}

/// Every stored prompt version and label, as one immutable snapshot the gateway serves from:
/// resolving a reference is dictionary lookups and the pre-parsed templates, no YAML and no store.
public struct PromptCatalog: Sendable {
    private struct Prompt: Sendable {
        var versions: [Int: Stored] = [:]
        var labels: [String: Int] = [:]
    }

    /// A version held by reference, with what serving it reads apart: resolving one per request
    /// copies those few fields, not every field of the version.
    private final class Stored: Sendable {
        let version: PromptVersion
        let name: String
        let model: String
        let params: JSONObject
        let variables: [PromptVariable]
        let templates: [MessageTemplate]

        init(_ version: PromptVersion) {
            self.version = version
            name = version.name
            model = version.definition.model
            params = version.definition.params
            variables = version.definition.variables
            templates = version.definition.templates
        }
    }

    public static let empty = PromptCatalog(versions: [], labels: [:])
    /// How many prompt names an unknown-prompt error lists.
    static let namesListed = 20

    private let prompts: [String: Prompt]

    /// `labels`: prompt name → label → version.
    public init(versions: [PromptVersion], labels: [String: [String: Int]]) {
        var prompts: [String: Prompt] = [:]
        for version in versions { prompts[version.name, default: Prompt()].versions[version.version] = Stored(version) }
        for (name, named) in labels where prompts[name] != nil { prompts[name]?.labels = named }
        self.prompts = prompts
    }

    public var names: [String] { prompts.keys.sorted() }

    public func version(name: String, version: Int) -> PromptVersion? { prompts[name]?.versions[version]?.version }

    /// Every version of every prompt, in no particular order.
    public var allVersions: [PromptVersion] { prompts.values.flatMap { $0.versions.values.map(\.version) } }

    public func labels(of name: String) -> [String: Int] { prompts[name]?.labels ?? [:] }

    /// The highest version of the prompt; nil for an unknown prompt.
    public func newestVersion(of name: String) -> Int? { prompts[name]?.versions.keys.max() }

    public func resolve(_ reference: PromptReference) throws(KeelError) -> ResolvedPrompt {
        guard let prompt = prompts[reference.id] else {
            throw KeelError.invalidRequest("Unknown prompt '\(reference.id)' (\(knownPrompts)).", param: "prompt.id", code: "prompt_not_found")
        }
        let number: Int
        var label: String?
        switch reference.selector {
        case .version(let asked):
            number = asked
        case .label(let asked):
            guard let labelled = prompt.labels[asked] else {
                let labels = prompt.labels.keys.sorted().joined(separator: ", ")
                throw KeelError.invalidRequest(
                    "Prompt '\(reference.id)' has no label '\(asked)' (labels: \(labels.isEmpty ? "none" : labels)).", param: "prompt.label",
                    code: "prompt_label_not_found")
            }
            number = labelled
            label = asked
        }
        guard let stored = prompt.versions[number] else {
            let numbers = prompt.versions.keys.sorted()
            throw KeelError.invalidRequest(
                "Prompt '\(reference.id)' has no version \(number) (versions: \(numbers.map { String($0) }.joined(separator: ", "))).",
                param: "prompt.version", code: "prompt_version_not_found")
        }
        try Self.check(reference.variables, against: stored.variables, prompt: VersionName(name: reference.id, version: number))
        return ResolvedPrompt(
            name: stored.name, version: number, label: label, model: stored.model, params: stored.params, templates: stored.templates,
            values: reference.variables)
    }

    private var knownPrompts: String {
        guard !prompts.isEmpty else { return "no prompts are stored" }
        let names = names
        let listed = names.prefix(Self.namesListed).joined(separator: ", ")
        return "prompts: \(listed)" + (names.count > Self.namesListed ? " and \(names.count - Self.namesListed) more" : "")
    }

    /// `support-reply@3`, written only into an error.
    private struct VersionName: CustomStringConvertible {
        var name: String
        var version: Int
        var description: String { "\(name)@\(version)" }
    }

    private static func check(_ values: JSONObject, against declared: [PromptVariable], prompt: VersionName) throws(KeelError) {
        // Sorted only when one is undeclared, so that the error names the same one every time.
        let undeclared = values.keys.filter { name in !declared.contains(where: { $0.name == name }) }
        if let name = undeclared.min() {
            let names = declared.map(\.name).joined(separator: ", ")
            throw KeelError.invalidRequest(
                "Prompt '\(prompt)' has no variable '\(name)' (variables: \(names.isEmpty ? "none" : names)).", param: "prompt.variables.\(name)",
                code: "invalid_prompt_variable")
        }
        for variable in declared {
            guard let value = values[variable.name] else {
                throw KeelError.invalidRequest(
                    "Missing variable '\(variable.name)' for prompt '\(prompt)' (\(variable.type.described)).",
                    param: "prompt.variables.\(variable.name)", code: "invalid_prompt_variable")
            }
            guard variable.type.accepts(value) else {
                throw KeelError.invalidRequest(
                    "Variable '\(variable.name)' of prompt '\(prompt)' must be \(variable.type.described), not \(value.typeName).",
                    param: "prompt.variables.\(variable.name)", code: "invalid_prompt_variable")
            }
        }
    }
}
