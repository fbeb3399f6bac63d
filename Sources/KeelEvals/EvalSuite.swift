import KeelCore
import KeelPrompts

/// The prompt a suite tests: a name and, after `@`, a version (`support-reply@2`) or a label
/// (`support-reply@staging`); none means the catalog's default label.
public struct EvalPromptSelector: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var selector: PromptReference.Selector?

    public init(name: String, selector: PromptReference.Selector? = nil) {
        self.name = name
        self.selector = selector
    }

    /// Reads `NAME`, `NAME@VERSION` or `NAME@LABEL`; nil when empty around the `@`.
    public init?(parsing text: String) {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let name = parts.first, !name.isEmpty else { return nil }
        self.name = name
        guard parts.count == 2 else { return }
        guard !parts[1].isEmpty else { return nil }
        if let version = Int(parts[1]) {
            guard version > 0 else { return nil }
            selector = .version(version)
        } else {
            selector = .label(parts[1])
        }
    }

    public var description: String {
        switch selector {
        case nil: return name
        case .version(let version)?: return "\(name)@\(version)"
        case .label(let label)?: return "\(name)@\(label)"
        }
    }
}

/// What a suite sends each test to: a stored prompt (rendered with the test's variables) or a
/// Keel model (with each test's own messages).
public enum EvalTarget: Sendable, Hashable {
    case prompt(EvalPromptSelector)
    case model(String)
}

/// One test case: variables, optional messages (for a `model` target), assertions (the
/// suite's `defaultTest` ones appended, its variables merged under the test's).
public struct EvalTest: Sendable, Hashable {
    public var description: String?
    public var vars: JSONObject
    /// The chat messages as written, `{{var}}` not yet rendered (see `renderedMessages`); nil for
    /// a prompt target.
    public var messages: [JSONValue]?
    public var assertions: [EvalAssertion]
    /// The weighted score the test needs; nil = every assertion must pass.
    public var threshold: Double?
    public var metadata: JSONObject
    /// `file:line` where the test was written.
    public var location: String

    public init(
        description: String? = nil, vars: JSONObject = [:], messages: [JSONValue]? = nil, assertions: [EvalAssertion] = [],
        threshold: Double? = nil, metadata: JSONObject = [:], location: String = ""
    ) {
        self.description = description
        self.vars = vars
        self.messages = messages
        self.assertions = assertions
        self.threshold = threshold
        self.metadata = metadata
        self.location = location
    }

    /// The messages with `{{var}}` in their text rendered with the test's variables.
    public var renderedMessages: [JSONValue] {
        (messages ?? []).map { message in
            guard var object = message.objectValue, let content = object["content"] else { return message }
            switch content {
            case .string(let text): object["content"] = .string(VariableRendering.render(text, vars))
            case .array(let parts):
                object["content"] = .array(
                    parts.map { part in
                        guard var part = part.objectValue, case .string(let text)? = part["text"] else { return part }
                        part["text"] = .string(VariableRendering.render(text, vars))
                        return .object(part)
                    })
            default: break
            }
            return .object(object)
        }
    }

    /// What its assertions see besides the output.
    public var context: EvalTestContext { EvalTestContext(vars: vars, messages: renderedMessages) }
}

/// A promptfoo-style eval suite: what is tested, the tests, and the pass rate the suite needs.
public struct EvalSuite: Sendable, Hashable {
    public var description: String?
    public var target: EvalTarget
    /// The share of tests (0...1) that must pass; nil = all.
    public var threshold: Double?
    public var tests: [EvalTest]
    public var file: String

    public init(description: String? = nil, target: EvalTarget, threshold: Double? = nil, tests: [EvalTest], file: String = "") {
        self.description = description
        self.target = target
        self.threshold = threshold
        self.tests = tests
        self.file = file
    }
}

/// A suite file (or a tests file it names) that cannot be loaded: `FILE:LINE: message`.
public struct EvalSuiteError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// 1-based; nil when the problem has no place in the file.
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        guard let line else { return "\(file): \(message)" }
        return "\(file):\(line): \(message)"
    }
}
