import KeelCore
import Yams

/// Reads a prompt file's YAML nodes into a `PromptDefinition`; every error names the file and
/// the line of the node that is wrong.
struct PromptFileParser {
    let file: String
    /// YAML aliases are composed as the node they name, so a few lines of aliases of aliases can
    /// stand for billions of values: reading stops after this many.
    private let budget = ValueBudget(limit: 100_000)

    init(file: String) {
        self.file = file
    }

    static let topLevelKeys = ["name", "model", "description", "params", "variables", "messages"]
    /// Parameters a prompt may not set: the request's shape is the client's, the model is the pin.
    static let reservedParams: Set<String> = ["model", "messages", "prompt", "stream", "stream_options"]

    func parse(_ yaml: String) throws(PromptFileError) -> PromptDefinition {
        let root = try compose(yaml)
        let fields = try mapping(root, allowed: Self.topLevelKeys, what: "a prompt")
        guard let nameNode = fields["name"]?.value else { throw fail(root, "missing 'name' (the prompt's name)") }
        let name = try string(nameNode, "name")
        guard PromptName.isValid(name) else { throw fail(nameNode, "invalid name '\(name)': use \(PromptName.rule)") }
        guard let modelNode = fields["model"]?.value else { throw fail(root, "missing 'model' (the Keel model the prompt runs on)") }
        let model = try string(modelNode, "model")
        guard !model.isEmpty else { throw fail(modelNode, "'model' must name a Keel model") }
        let description = try fields["description"].flatMap { (field) throws(PromptFileError) in
            isNull(field.value) ? nil : try string(field.value, "description")
        }
        let params = try fields["params"].map { (field) throws(PromptFileError) in try parameters(field.value) } ?? [:]
        var declarationLines: [String: Int] = [:]
        let variables =
            try fields["variables"].map { (field) throws(PromptFileError) in try declaredVariables(field.value, lines: &declarationLines) } ?? []
        guard let messagesNode = fields["messages"]?.value else { throw fail(root, "missing 'messages' (a list of chat messages)") }
        guard case .sequence(let sequence) = messagesNode, !sequence.isEmpty else {
            throw fail(messagesNode, "'messages' must be a non-empty list of chat messages ({role, content})")
        }
        var messages: [JSONValue] = []
        var templates: [MessageTemplate] = []
        var usedNames: Set<String> = []
        let declared = variables.map(\.name)
        for node in sequence {
            let (message, template, usages) = try self.message(node)
            for usage in usages {
                usedNames.insert(usage.name)
                guard declared.contains(usage.name) else {
                    let known = declared.isEmpty ? "no variables are declared" : "declared: \(declared.joined(separator: ", "))"
                    throw PromptFileError(
                        file: file, line: usage.line, message: "variable '\(usage.name)' is used but not declared in 'variables' (\(known))")
                }
            }
            messages.append(message)
            templates.append(template)
        }
        let warnings = variables.filter { !usedNames.contains($0.name) }.map { variable in
            PromptFileError(
                file: file, line: declarationLines[variable.name], message: "variable '\(variable.name)' is declared but no message uses it"
            )
            .description
        }
        return PromptDefinition(
            name: name, model: model, params: params, variables: variables, messages: messages, description: description, warnings: warnings,
            templates: templates)
    }

    // MARK: Parts of the file

    private func parameters(_ node: Node) throws(PromptFileError) -> JSONObject {
        if isNull(node) { return [:] }
        var params: JSONObject = [:]
        for (key, field) in try mapping(node, allowed: nil, what: "'params'") {
            guard !Self.reservedParams.contains(key) else {
                throw fail(field.key, "'params' may not set '\(key)': \(key == "model" ? "use the top-level 'model'" : "the request sets it")")
            }
            params[key] = try json(field.value)
        }
        return params
    }

    private func declaredVariables(_ node: Node, lines: inout [String: Int]) throws(PromptFileError) -> [PromptVariable] {
        if isNull(node) { return [] }
        guard case .mapping(let mapping) = node else {
            throw fail(node, "'variables' must be a mapping of names to types, like {product: string}")
        }
        var variables: [PromptVariable] = []
        for (keyNode, typeNode) in mapping {
            let name = try string(keyNode, "a variable name")
            guard PromptTemplate.isVariableName(name) else {
                throw fail(keyNode, "invalid variable name '\(name)': a letter or '_', then letters, digits, '_' or '-'")
            }
            guard !variables.contains(where: { $0.name == name }) else { throw fail(keyNode, "variable '\(name)' is declared twice") }
            let typeName = try string(typeNode, "the type of '\(name)'")
            guard let type = PromptVariableType(rawValue: typeName) else {
                let types = PromptVariableType.allCases.map(\.rawValue).joined(separator: ", ")
                throw fail(typeNode, "unknown type '\(typeName)' for variable '\(name)' (expected one of: \(types))")
            }
            variables.append(PromptVariable(name: name, type: type))
            lines[name] = keyNode.mark?.line
        }
        return variables
    }

    private struct LocatedUsage {
        var name: String
        var line: Int?
    }

    private func message(_ node: Node) throws(PromptFileError) -> (JSONValue, MessageTemplate, [LocatedUsage]) {
        guard case .mapping = node else { throw fail(node, "a message must be a mapping like {role: user, content: \"...\"}") }
        let fields = try mapping(node, allowed: nil, what: "a message")
        guard let roleNode = fields["role"]?.value else { throw fail(node, "a message needs a 'role' (system, user, assistant, ...)") }
        _ = try string(roleNode, "role")
        var base: JSONObject = [:]
        for (key, field) in fields where key != "content" { base[key] = try json(field.value) }
        guard let contentNode = fields["content"]?.value, !isNull(contentNode) else {
            if fields["content"] != nil { base["content"] = .null }
            return (.object(base), MessageTemplate(base: base, content: .fixed), [])
        }
        var usages: [LocatedUsage] = []
        let content: MessageTemplate.Content
        switch contentNode {
        case .scalar(let scalar):
            guard contentNode.tag.rawValue == Tag.Name.str.rawValue || scalar.style != .plain else {
                throw fail(contentNode, "'content' must be a string or a list of content parts")
            }
            let template = try self.template(contentNode, scalar, into: &usages)
            content = template.constantText.map { _ in .fixed } ?? .text(template)
            if let constant = template.constantText { base["content"] = .string(constant) }
        case .sequence(let parts):
            var compiled: [MessageTemplate.Part] = []
            for part in parts { compiled.append(try self.part(part, into: &usages)) }
            content = .parts(compiled)
        default:
            throw fail(contentNode, "'content' must be a string or a list of content parts")
        }
        return (try json(node), MessageTemplate(base: base, content: content), usages)
    }

    private func part(_ node: Node, into usages: inout [LocatedUsage]) throws(PromptFileError) -> MessageTemplate.Part {
        guard case .mapping = node else { throw fail(node, "a content part must be a mapping like {type: text, text: \"...\"}") }
        let fields = try mapping(node, allowed: nil, what: "a content part")
        guard let textNode = fields["text"]?.value, case .scalar(let scalar) = textNode,
            fields["type"].flatMap({ $0.value.scalar?.string }) == "text"
        else { return .fixed(try json(node)) }
        var base: JSONObject = ["text": .null]  // the rendered text's slot, replaced when rendering
        for (key, field) in fields where key != "text" { base[key] = try json(field.value) }
        return .text(base: base, template: try template(textNode, scalar, into: &usages))
    }

    private func template(_ node: Node, _ scalar: Node.Scalar, into usages: inout [LocatedUsage]) throws(PromptFileError) -> PromptTemplate {
        // A block scalar's node starts at its `|` or `>`; its text on the next line.
        let firstLine = node.mark.map { $0.line + (scalar.style == .literal || scalar.style == .folded ? 1 : 0) }
        do {
            let template = try PromptTemplate(parsing: scalar.string)
            usages += template.usages.map { usage in LocatedUsage(name: usage.name, line: firstLine.map { $0 + usage.lineOffset }) }
            return template
        } catch {
            throw PromptFileError(file: file, line: firstLine.map { $0 + error.lineOffset }, message: error.message)
        }
    }

    // MARK: YAML

    private func compose(_ yaml: String) throws(PromptFileError) -> Node {
        do throws(YAMLProblem) {
            return try YAMLDocument.compose(yaml)
        } catch {
            throw PromptFileError(file: file, line: error.line, message: error.message)
        }
    }

    /// The entries of a mapping by key, with their key nodes; a key outside `allowed` (when
    /// given) or given twice is an error.
    private func mapping(_ node: Node, allowed: [String]?, what: String) throws(PromptFileError) -> [String: (key: Node, value: Node)] {
        guard case .mapping(let mapping) = node else { throw fail(node, "\(what) must be a mapping") }
        var fields: [String: (key: Node, value: Node)] = [:]
        for (keyNode, value) in mapping {
            let key = try string(keyNode, "a key")
            if let allowed, !allowed.contains(key) {
                throw fail(keyNode, "unknown key '\(key)' (expected one of: \(allowed.joined(separator: ", ")))")
            }
            guard fields[key] == nil else { throw fail(keyNode, "'\(key)' is given twice") }
            fields[key] = (keyNode, value)
        }
        return fields
    }

    private func string(_ node: Node, _ what: String) throws(PromptFileError) -> String {
        guard case .scalar(let scalar) = node, !isNull(node) else { throw fail(node, "\(what) must be a string") }
        return scalar.string
    }

    private func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return node.tag.rawValue == Tag.Name.null.rawValue
    }

    /// A node as JSON: plain scalars typed as YAML types them (null, booleans, numbers), quoted
    /// ones strings.
    private func json(_ node: Node) throws(PromptFileError) -> JSONValue {
        guard budget.spend() else { throw fail(node, "the prompt holds more than \(budget.limit) values (aliases count each time they are used)") }
        switch node {
        case .mapping:
            var object: JSONObject = [:]
            for (key, field) in try mapping(node, allowed: nil, what: "a value") { object[key] = try json(field.value) }
            return .object(object)
        case .sequence(let sequence):
            var array: [JSONValue] = []
            for element in sequence { array.append(try json(element)) }
            return .array(array)
        case .scalar(let scalar):
            guard scalar.style == .plain || scalar.style == .any else { return .string(scalar.string) }
            // Numbers are read by Swift, never by Yams' constructors: those trap on an overflowing
            // YAML 1.1 sexagesimal integer (`1:2:3:4:5:6:7:8:9:10:11:12`). A number Swift does not
            // read (`1_000`, `1:30`, `.inf`) stays the string it is, as in keel.yaml.
            switch node.tag.rawValue {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
            case Tag.Name.int.rawValue, Tag.Name.float.rawValue:
                if let value = Int64(scalar.string) { return .int(value) }
                if let value = Double(scalar.string), value.isFinite { return .double(value) }
                return .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .alias:
            throw fail(node, "YAML aliases are not supported in prompt files")
        }
    }

    private func fail(_ node: Node, _ message: String) -> PromptFileError {
        PromptFileError(file: file, line: node.mark?.line, message: message)
    }
}

/// How many more values a parse may read.
private final class ValueBudget {
    let limit: Int
    private var spent = 0

    init(limit: Int) { self.limit = limit }

    func spend() -> Bool {
        spent += 1
        return spent <= limit
    }
}
