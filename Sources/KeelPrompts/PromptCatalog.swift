import KeelCore

/// Every stored prompt version and label, as one immutable snapshot the gateway serves from:
/// resolving a reference is a lookup by name, small arrays and the pre-parsed templates, no YAML
/// and no store.
public struct PromptCatalog: Sendable {
    /// A prompt's versions and labels, found without hashing: a prompt has a few labels, and
    /// its versions are numbered from 1 (an array by number, with a hole for one not loaded).
    /// Held by reference: a lookup takes one retain, not a copy of each array.
    private final class Prompt: @unchecked Sendable {
        // Written only while the catalog is built, before it is shared.
        var versions: [Stored?] = []
        var labels: [(name: String, version: Int)] = []

        func stored(_ number: Int) -> Stored? {
            versions.indices.contains(number - 1) ? versions[number - 1] : nil
        }

        func version(labelled name: String) -> Int? {
            labels.first { $0.name == name }?.version
        }

        var numbers: [Int] { versions.indices.filter { versions[$0] != nil }.map { $0 + 1 } }

        var newest: Int? { versions.lastIndex { $0 != nil }.map { $0 + 1 } }

        func add(_ version: PromptVersion) {
            if versions.count < version.version { versions += Array(repeating: nil, count: version.version - versions.count) }
            versions[version.version - 1] = Stored(version)
        }
    }

    /// A version held by reference (a lookup copies no field of it), with what serving it
    /// reads prepared apart.
    private final class Stored: Sendable {
        let version: PromptVersion
        let form: ServingForm

        init(_ version: PromptVersion) {
            self.version = version
            form = ServingForm(version)
        }
    }

    public static let empty = PromptCatalog(versions: [], labels: [:])
    /// How many prompt names an unknown-prompt error lists.
    static let namesListed = 20

    private let prompts: [String: Prompt]

    /// `labels`: prompt name → label → version.
    public init(versions: [PromptVersion], labels: [String: [String: Int]]) {
        var prompts: [String: Prompt] = [:]
        for version in versions where version.version > 0 {
            if prompts[version.name] == nil { prompts[version.name] = Prompt() }
            prompts[version.name]!.add(version)
        }
        for (name, named) in labels {
            prompts[name]?.labels = named.sorted { $0.key < $1.key }.map { (name: $0.key, version: $0.value) }
        }
        self.prompts = prompts
    }

    public var names: [String] { prompts.keys.sorted() }

    public func version(name: String, version: Int) -> PromptVersion? { prompts[name]?.stored(version)?.version }

    /// Every version of every prompt, in no particular order.
    public var allVersions: [PromptVersion] { prompts.values.flatMap { $0.versions.compactMap { $0?.version } } }

    public func labels(of name: String) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: prompts[name]?.labels ?? [])
    }

    /// The highest version of the prompt; nil for an unknown prompt.
    public func newestVersion(of name: String) -> Int? { prompts[name]?.newest }

    public func resolve(_ reference: PromptReference) throws(KeelError) -> ResolvedPrompt {
        guard let prompt = prompts[reference.id] else { throw unknownPrompt(reference.id) }
        let number: Int
        var label: String?
        switch reference.selector {
        case .version(let asked):
            number = asked
        case .label(let asked):
            guard let labelled = prompt.version(labelled: asked) else { throw Self.unknownLabel(asked, of: prompt, named: reference.id) }
            number = labelled
            label = asked
        }
        guard let stored = prompt.stored(number) else { throw Self.unknownVersion(number, of: prompt, named: reference.id) }
        let form = stored.form
        // The usual case, every value declared and of its type, with no key hashed: a version
        // declares a few variables. Anything else is explained out of line.
        if reference.variables.count != form.variables.count || !reference.variables.allSatisfy(form.declares) {
            try Self.explainMismatch(reference.variables, against: form.variables, prompt: form.reference)
        }
        return ResolvedPrompt(form: form, label: label, values: reference.variables)
    }

    // The errors are made out of line: a call by reference runs past them, and their code
    // would only spread its own over more of the instruction cache.
    @inline(never)
    private func unknownPrompt(_ id: String) -> KeelError {
        KeelError.invalidRequest("Unknown prompt '\(id)' (\(knownPrompts)).", param: "prompt.id", code: "prompt_not_found")
    }

    @inline(never)
    private static func unknownLabel(_ asked: String, of prompt: Prompt, named id: String) -> KeelError {
        let labels = prompt.labels.map(\.name).joined(separator: ", ")
        return KeelError.invalidRequest(
            "Prompt '\(id)' has no label '\(asked)' (labels: \(labels.isEmpty ? "none" : labels)).", param: "prompt.label",
            code: "prompt_label_not_found")
    }

    @inline(never)
    private static func unknownVersion(_ number: Int, of prompt: Prompt, named id: String) -> KeelError {
        KeelError.invalidRequest(
            "Prompt '\(id)' has no version \(number) (versions: \(prompt.numbers.map { String($0) }.joined(separator: ", "))).",
            param: "prompt.version", code: "prompt_version_not_found")
    }

    private var knownPrompts: String {
        guard !prompts.isEmpty else { return "no prompts are stored" }
        let names = names
        let listed = names.prefix(Self.namesListed).joined(separator: ", ")
        return "prompts: \(listed)" + (names.count > Self.namesListed ? " and \(names.count - Self.namesListed) more" : "")
    }

    /// Throws what is wrong with `values`, checked against `declared`: a variable the version
    /// does not declare, one it declares missing, or one of the wrong type. `prompt`: the
    /// version's `name@version`, for the errors.
    @inline(never)
    private static func explainMismatch(_ values: JSONObject, against declared: [PromptVariable], prompt: String) throws(KeelError) {
        // Sorted only when one is undeclared, so that the error names the same one every time.
        if let name = values.keys.lazy.filter({ name in !declared.contains(where: { $0.name == name }) }).min() {
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
