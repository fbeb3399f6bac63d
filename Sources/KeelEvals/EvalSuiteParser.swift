import Foundation
import KeelCore

/// Reads a suite file: YAML in promptfoo's shape (see `EvalSuite`), with tests inline or from
/// files it names (`file: cases.jsonl`, `.yaml`, `.yml` or `.json`, relative to the suite). Every
/// error names the file and line that is wrong.
public enum EvalSuiteParser {
    public static let topLevelKeys = ["description", "prompt", "model", "threshold", "defaultTest", "tests"]

    /// Parses a suite's text; `file` names it in errors, `baseDirectory` is where the files its
    /// tests name are looked up (nil = the current directory).
    public static func parse(text: String, file: String, baseDirectory: String? = nil) throws(EvalSuiteError) -> EvalSuite {
        try SuiteReader(file: file, baseDirectory: baseDirectory).suite(YAMLReader(file: file).read(text))
    }

    /// Reads and parses the suite file at `path`.
    public static func load(path: String) throws(EvalSuiteError) -> EvalSuite {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvalSuiteError(file: path, line: nil, message: "cannot read the file")
        }
        let directory = (path as NSString).deletingLastPathComponent
        return try parse(text: String(decoding: data, as: UTF8.self), file: path, baseDirectory: directory.isEmpty ? nil : directory)
    }
}

extension EvalSuiteParser {
    /// An `assert` list given as JSON (keel.yaml's online evals), checked as a suite's are;
    /// errors name `file`.
    public static func assertions(json: JSONValue, file: String) throws(EvalSuiteError) -> [EvalAssertion] {
        try SuiteReader(file: file, baseDirectory: nil).assertionList(LocatedNode(json: json, line: nil))
    }
}

/// The defaults every test of a suite starts from.
struct TestDefaults {
    var vars: JSONObject = [:]
    var assertions: [EvalAssertion] = []
    var threshold: Double?
    var metadata: JSONObject = [:]
    var provider: String?
}

struct SuiteReader {
    let file: String
    let baseDirectory: String?

    static let defaultTestKeys = ["vars", "assert", "options", "threshold", "metadata"]
    static let testKeys = ["description", "vars", "assert", "threshold", "metadata", "messages", "options"]
    static let assertionKeys = ["type", "value", "threshold", "weight", "metric", "provider"]

    func suite(_ root: LocatedNode) throws(EvalSuiteError) -> EvalSuite {
        let fields = try map(root, allowed: EvalSuiteParser.topLevelKeys, what: "a suite")
        let description = try fields["description"].flatMap { (node) throws(EvalSuiteError) in node.isNull ? nil : try string(node, "'description'") }
        let target: EvalTarget
        switch (fields["prompt"], fields["model"]) {
        case (let prompt?, nil):
            let text = try string(prompt, "'prompt'")
            guard let selector = EvalPromptSelector(parsing: text) else {
                throw fail(prompt, "'prompt' must name a prompt: NAME, NAME@VERSION or NAME@LABEL")
            }
            target = .prompt(selector)
        case (nil, let model?):
            let name = try string(model, "'model'")
            guard !name.isEmpty else { throw fail(model, "'model' must name a Keel model") }
            target = .model(name)
        case (.some, .some):
            throw fail(fields["model"]!, "give 'prompt' (a stored prompt) or 'model' (with messages in each test), not both")
        case (nil, nil):
            throw fail(root, "missing 'prompt' (the prompt under test) or 'model' (with messages in each test)")
        }
        let threshold = try fields["threshold"].map { (node) throws(EvalSuiteError) in
            try fraction(node, "the suite's 'threshold' (the pass rate it needs)")
        }
        var defaults = TestDefaults()
        if let node = fields["defaultTest"], !node.isNull {
            let given = try map(node, allowed: Self.defaultTestKeys, what: "'defaultTest'")
            defaults.provider = try given["options"].flatMap { (node) throws(EvalSuiteError) in try options(node) }
            defaults.vars = try given["vars"].map { (node) throws(EvalSuiteError) in try vars(node) } ?? [:]
            defaults.assertions = try given["assert"].map { (node) throws(EvalSuiteError) in try assertions(node, provider: defaults.provider) } ?? []
            defaults.threshold = try given["threshold"].map { (node) throws(EvalSuiteError) in try fraction(node, "'threshold'") }
            defaults.metadata = try given["metadata"].map { (node) throws(EvalSuiteError) in try object(node, "'metadata'") } ?? [:]
        }
        guard let testsNode = fields["tests"] else { throw fail(root, "missing 'tests' (a list of test cases)") }
        var tests: [EvalTest] = []
        switch testsNode.kind {
        case .list(let items):
            for item in items {
                if case .map(let entries) = item.kind, entries.contains(where: { $0.key == "file" }) {
                    guard entries.count == 1 else { throw fail(item, "a 'file' entry takes no other keys (the tests are in the file)") }
                    tests += try testsFromFile(entries[0].value, defaults: defaults, target: target)
                } else {
                    tests.append(try test(item, defaults: defaults, target: target))
                }
            }
        case .scalar(.string):
            tests += try testsFromFile(testsNode, defaults: defaults, target: target)
        default:
            throw fail(testsNode, "'tests' must be a list of test cases (or the name of a file of them)")
        }
        guard !tests.isEmpty else { throw fail(testsNode, "'tests' holds no test") }
        return EvalSuite(description: description, target: target, threshold: threshold, tests: tests, file: file)
    }

    // MARK: Tests

    func test(_ node: LocatedNode, defaults: TestDefaults, target: EvalTarget) throws(EvalSuiteError) -> EvalTest {
        let fields = try map(node, allowed: Self.testKeys, what: "a test")
        let provider = try fields["options"].flatMap { (node) throws(EvalSuiteError) in try options(node) } ?? defaults.provider
        var test = EvalTest(location: "\(file):\(node.line.map(String.init) ?? "?")")
        test.description = try fields["description"].flatMap { (node) throws(EvalSuiteError) in node.isNull ? nil : try string(node, "'description'")
        }
        test.vars = defaults.vars.merging(try fields["vars"].map { (node) throws(EvalSuiteError) in try vars(node) } ?? [:]) { _, own in own }
        test.assertions =
            (try fields["assert"].map { (node) throws(EvalSuiteError) in try assertions(node, provider: provider) } ?? []) + defaults.assertions
        test.threshold =
            try fields["threshold"].map { (node) throws(EvalSuiteError) in try fraction(node, "a test's 'threshold' (the score it needs)") }
            ?? defaults.threshold
        test.metadata = defaults.metadata.merging(
            try fields["metadata"].map { (node) throws(EvalSuiteError) in try object(node, "'metadata'") } ?? [:]
        ) { _, own in own }
        switch (target, fields["messages"]) {
        case (.model, let messages?): test.messages = try self.messages(messages)
        case (.model, nil): throw fail(node, "a test of a 'model' suite needs 'messages' (the chat messages to send)")
        case (.prompt, let messages?): throw fail(messages, "'messages' are for a 'model' suite; a 'prompt' suite renders the prompt with 'vars'")
        case (.prompt, nil): break
        }
        return test
    }

    private func testsFromFile(_ node: LocatedNode, defaults: TestDefaults, target: EvalTarget) throws(EvalSuiteError) -> [EvalTest] {
        let name = try string(node, "'file'")
        let path = name.hasPrefix("/") || baseDirectory == nil ? name : (baseDirectory! as NSString).appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: path) else { throw fail(node, "cannot read the tests file '\(path)'") }
        let text = String(decoding: data, as: UTF8.self)
        let reader = SuiteReader(file: path, baseDirectory: baseDirectory)
        let lowered = name.lowercased()
        if lowered.hasSuffix(".jsonl") {
            var tests: [EvalTest] = []
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = String(line).trimmingWhitespace()
                guard !trimmed.isEmpty else { continue }
                let value: JSONValue
                do { value = try JSONValue.parse(trimmed) } catch {
                    throw EvalSuiteError(file: path, line: index + 1, message: "not a JSON object: \(error.message)")
                }
                guard case .object = value else {
                    throw EvalSuiteError(
                        file: path, line: index + 1,
                        message: "each line must be a JSON object (a test), not \(value.typeName == "array" ? "an" : "a") \(value.typeName)")
                }
                tests.append(try reader.test(LocatedNode(json: value, line: index + 1), defaults: defaults, target: target))
            }
            return tests
        }
        guard lowered.hasSuffix(".yaml") || lowered.hasSuffix(".yml") || lowered.hasSuffix(".json") else {
            throw fail(node, "a tests file must be .jsonl, .yaml, .yml or .json")
        }
        let root = try YAMLReader(file: path).read(text)
        guard case .list(let items) = root.kind else { throw reader.fail(root, "a tests file must hold a list of tests") }
        var tests: [EvalTest] = []
        for item in items { tests.append(try reader.test(item, defaults: defaults, target: target)) }
        return tests
    }

    private func options(_ node: LocatedNode) throws(EvalSuiteError) -> String? {
        if node.isNull { return nil }
        let fields = try map(node, allowed: ["provider"], what: "'options'")
        return try fields["provider"].flatMap { (node) throws(EvalSuiteError) in
            node.isNull ? nil : try string(node, "'options.provider' (the judge's Keel model)")
        }
    }

    private func vars(_ node: LocatedNode) throws(EvalSuiteError) -> JSONObject {
        let vars = try object(node, "'vars'")
        for name in vars.keys where !isVariableName(name) {
            throw fail(node, "invalid variable name '\(name)': a letter or '_', then letters, digits, '_' or '-'")
        }
        return vars
    }

    private func messages(_ node: LocatedNode) throws(EvalSuiteError) -> [JSONValue] {
        guard case .list(let items) = node.kind, !items.isEmpty else {
            throw fail(node, "'messages' must be a non-empty list of chat messages ({role, content})")
        }
        var messages: [JSONValue] = []
        for item in items {
            let fields = try map(item, allowed: nil, what: "a message")
            guard let role = fields["role"] else { throw fail(item, "a message needs a 'role' (system, user, assistant, ...)") }
            _ = try string(role, "'role'")
            if let content = fields["content"] {
                let texts: [LocatedNode]
                switch content.kind {
                case .scalar(.string): texts = [content]
                case .list(let parts):
                    texts = parts.compactMap { part in
                        if case .map(let entries) = part.kind { return entries.first(where: { $0.key == "text" })?.value }
                        return nil
                    }
                default: texts = []
                }
                for text in texts {
                    guard case .scalar(.string(let string)) = text.kind else { continue }
                    do { _ = try PromptTemplateCheck.check(string) } catch {
                        throw EvalSuiteError(file: file, line: text.line.map { $0 + error.lineOffset }, message: error.message)
                    }
                }
            }
            messages.append(item.json)
        }
        return messages
    }

    // MARK: Assertions

    func assertionList(_ node: LocatedNode) throws(EvalSuiteError) -> [EvalAssertion] {
        try assertions(node, provider: nil)
    }

    private func assertions(_ node: LocatedNode, provider: String?) throws(EvalSuiteError) -> [EvalAssertion] {
        if node.isNull { return [] }
        guard case .list(let items) = node.kind else { throw fail(node, "'assert' must be a list of assertions ({type, value})") }
        var assertions: [EvalAssertion] = []
        for item in items { assertions.append(try assertion(item, provider: provider)) }
        return assertions
    }

    private func assertion(_ node: LocatedNode, provider: String?) throws(EvalSuiteError) -> EvalAssertion {
        let fields = try map(node, allowed: Self.assertionKeys, what: "an assertion")
        guard let typeNode = fields["type"] else { throw fail(node, "an assertion needs a 'type'") }
        let written = try string(typeNode, "'type'")
        let negated = written.hasPrefix("not-")
        guard let type = EvalAssertionType(rawValue: negated ? String(written.dropFirst(4)) : written) else {
            throw fail(typeNode, "unknown assertion type '\(written)'\(AssertionTypeSuggestion.hint(for: written))")
        }
        var assertion = EvalAssertion(type, negated: negated, location: "\(file):\(typeNode.line.map(String.init) ?? "?")")
        if let valueNode = fields["value"], !valueNode.isNull {
            assertion.value = valueNode.json
            try checkValue(valueNode, of: type)
        } else if type.requiresValue {
            throw fail(node, "'\(written)' needs a 'value' (\(AssertionTypeSuggestion.valueHint(type)))")
        }
        if let thresholdNode = fields["threshold"], !thresholdNode.isNull {
            let threshold = try number(thresholdNode, "'threshold'")
            if type.thresholdIsScore {
                guard (0...1).contains(threshold) else { throw fail(thresholdNode, "the threshold of '\(written)' is a score: a number from 0 to 1") }
            } else {
                guard threshold >= 0 else { throw fail(thresholdNode, "the threshold of '\(written)' must not be negative") }
            }
            assertion.threshold = threshold
        } else if type.requiresThreshold {
            throw fail(
                node, "'\(written)' needs a 'threshold' (\(type == .cost ? "the most USD a call may cost" : "the most milliseconds a call may take"))"
            )
        }
        if let weightNode = fields["weight"], !weightNode.isNull {
            let weight = try number(weightNode, "'weight'")
            guard weight >= 0 else { throw fail(weightNode, "'weight' must not be negative") }
            assertion.weight = weight
        }
        assertion.metric = try fields["metric"].flatMap { (node) throws(EvalSuiteError) in node.isNull ? nil : try string(node, "'metric'") }
        assertion.provider = try fields["provider"].flatMap { (node) throws(EvalSuiteError) in
            node.isNull ? nil : try string(node, "'provider' (a Keel model)")
        }
        if assertion.provider == nil && (type.isModelGraded || type == .similar) { assertion.provider = provider }
        return assertion
    }

    /// Checks what can be checked before the value is rendered with a test's variables.
    private func checkValue(_ node: LocatedNode, of type: EvalAssertionType) throws(EvalSuiteError) {
        let value = node.json
        switch type {
        case .regex:
            guard case .string(let pattern) = value else { throw fail(node, "the value of 'regex' must be a pattern (a string)") }
            if !pattern.contains("{{") {
                do { _ = try Regex(pattern) } catch { throw fail(node, "invalid regular expression: \(error)") }
            }
        case .isJSON, .containsJSON:
            guard case .object = value else { throw fail(node, "the value of '\(type.rawValue)' must be a JSON Schema (an object)") }
            if !value.encodedString().contains("{{") {
                do { _ = try SchemaCheck.compile(value) } catch { throw fail(node, "invalid JSON Schema: \(error.message)") }
            }
        case .toolCall:
            switch value {
            case .string: break
            case .object(let object):
                guard object["name"]?.stringValue != nil else { throw fail(node, "the value of 'tool-call' needs a 'name' (the function called)") }
                for key in object.keys where key != "name" && key != "arguments" {
                    throw fail(node, "unknown key '\(key)' in the value of 'tool-call' (expected name, arguments)")
                }
            default: throw fail(node, "the value of 'tool-call' must be a function name or {name, arguments}")
            }
        case .containsAny, .containsAll, .icontainsAny, .icontainsAll:
            guard value.arrayValue != nil || value.stringValue != nil else {
                throw fail(node, "the value of '\(type.rawValue)' must be a list of strings (or a comma-separated string)")
            }
        case .finishReason:
            guard value.stringValue != nil else {
                throw fail(node, "the value of 'finish-reason' must be a string (stop, length, tool_calls, content_filter)")
            }
        case .llmRubric, .factuality, .levenshtein, .startsWith, .contains, .icontains:
            guard value.stringValue != nil || type == .contains || type == .icontains else {
                throw fail(node, "the value of '\(type.rawValue)' must be a string")
            }
        default: break
        }
    }

    // MARK: Values

    private func map(_ node: LocatedNode, allowed: [String]?, what: String) throws(EvalSuiteError) -> [String: LocatedNode] {
        guard case .map(let entries) = node.kind else { throw fail(node, "\(what) must be a mapping") }
        var fields: [String: LocatedNode] = [:]
        for entry in entries {
            if let allowed, !allowed.contains(entry.key) {
                throw EvalSuiteError(
                    file: file, line: entry.keyLine,
                    message:
                        "unknown key '\(entry.key)' in \(what)\(AssertionTypeSuggestion.closest(entry.key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""); expected one of: \(allowed.joined(separator: ", "))"
                )
            }
            fields[entry.key] = entry.value
        }
        return fields
    }

    private func object(_ node: LocatedNode, _ what: String) throws(EvalSuiteError) -> JSONObject {
        if node.isNull { return [:] }
        guard case .object(let object) = node.json else { throw fail(node, "\(what) must be a mapping") }
        return object
    }

    private func string(_ node: LocatedNode, _ what: String) throws(EvalSuiteError) -> String {
        guard case .scalar(.string(let text)) = node.kind else { throw fail(node, "\(what) must be a string") }
        return text
    }

    private func number(_ node: LocatedNode, _ what: String) throws(EvalSuiteError) -> Double {
        guard case .scalar(let value) = node.kind, let number = value.doubleValue else {
            throw fail(node, "\(what) must be a number, not \(describe(node.json))")
        }
        return number
    }

    private func fraction(_ node: LocatedNode, _ what: String) throws(EvalSuiteError) -> Double {
        let value = try number(node, what)
        guard (0...1).contains(value) else { throw fail(node, "\(what) must be a number from 0 to 1") }
        return value
    }

    private func describe(_ value: JSONValue) -> String {
        if case .string(let text) = value { return "the string \(quote(text))" }
        return "\(value.typeName == "array" || value.typeName == "object" ? "an" : "a") \(value.typeName)"
    }

    private func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
    }

    func fail(_ node: LocatedNode, _ message: String) -> EvalSuiteError {
        EvalSuiteError(file: file, line: node.line, message: message)
    }
}
