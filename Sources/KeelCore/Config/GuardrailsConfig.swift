import Foundation

/// Which guardrail checks run on a model's traffic, and what each does when it finds something.
public struct GuardrailsConfig: Sendable, Equatable {
    public var input: [GuardRule] = []
    public var output: [GuardRule] = []
    /// How much of a streamed answer (in UTF-8 bytes) is held back so that a finding cut across
    /// two chunks is still caught before its first part reaches the client.
    public var streamWindow = GuardrailsConfig.defaultStreamWindow

    public static let defaultStreamWindow = 256

    public init(input: [GuardRule] = [], output: [GuardRule] = [], streamWindow: Int = GuardrailsConfig.defaultStreamWindow) {
        self.input = input
        self.output = output
        self.streamWindow = streamWindow
    }

    public var isEmpty: Bool { input.isEmpty && output.isEmpty }
}

public struct GuardRule: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        /// Refuse the request (a 400 whose error code names the check), or withhold the answer.
        case block
        /// Replace what was found with a typed placeholder before the provider (or client) sees it.
        case redact
        /// Only record it on the trace.
        case flag
    }

    public var check: String
    public var action: Action
    /// `regex` and `topics`: the rule's name (its placeholder and error code).
    public var name: String?
    /// `regex`: the pattern.
    public var pattern: String?
    /// `topics`: the words and phrases of the topic; `toxicity`: words added to the built-in list.
    public var words: [String] = []
    /// `injection` and `classifier`: the score from which the check finds something.
    public var threshold: Double?
    /// `classifier`: the Keel model asked.
    public var model: String?
    /// `schema`: the JSON Schema every answer must follow, whether or not the request asks for one.
    public var schema: JSONValue?

    public init(
        check: String, action: Action, name: String? = nil, pattern: String? = nil, words: [String] = [],
        threshold: Double? = nil, model: String? = nil, schema: JSONValue? = nil
    ) {
        self.check = check
        self.action = action
        self.name = name
        self.pattern = pattern
        self.words = words
        self.threshold = threshold
        self.model = model
        self.schema = schema
    }

    public static let knownChecks = ["injection", "pii", "secrets", "toxicity", "topics", "regex", "schema", "classifier"]

    /// The keys each check takes beside `check` and `action`.
    static let keys: [String: Set<String>] = [
        "injection": ["threshold"], "pii": [], "secrets": [], "toxicity": ["words"], "topics": ["name", "words"],
        "regex": ["name", "pattern"], "schema": ["schema"], "classifier": ["model", "threshold"],
    ]

    /// Checks whose findings have no span to replace.
    static let unredactable: Set<String> = ["schema", "classifier"]
}

extension KeelConfig {
    /// The checks that apply to `model`: its own, else the global ones; the global ones for nil.
    public func guardrails(for model: ModelConfig?) -> GuardrailsConfig {
        model?.guardrails ?? guardrails
    }

    /// Every policy written in the configuration, with the key that holds it.
    public var guardrailPolicies: [(key: String, policy: GuardrailsConfig)] {
        [("guardrails", guardrails)] + models.compactMap { model in model.guardrails.map { ("models.\(model.name).guardrails", $0) } }
    }
}

extension ConfigLoader {
    static func guardrails(_ node: ConfigNode) throws(ConfigError) -> GuardrailsConfig {
        let keys = try node.mapping(allowed: ["input", "output", "stream_window"])
        var config = GuardrailsConfig()
        config.input = try keys["input"].map { (node) throws(ConfigError) in try rules(node, direction: "input") } ?? []
        config.output = try keys["output"].map { (node) throws(ConfigError) in try rules(node, direction: "output") } ?? []
        config.streamWindow =
            try keys["stream_window"].map { (node) throws(ConfigError) in try node.int(atLeast: 16) } ?? GuardrailsConfig.defaultStreamWindow
        return config
    }

    private static func rules(_ node: ConfigNode, direction: String) throws(ConfigError) -> [GuardRule] {
        var rules: [GuardRule] = []
        for item in try node.sequence() {
            rules.append(try rule(item, direction: direction))
        }
        return rules
    }

    private static func rule(_ item: ConfigNode, direction: String) throws(ConfigError) -> GuardRule {
        let keys = try item.mapping(allowed: Set(["check", "action"]).union(GuardRule.keys.values.joined()))
        let checkNode = try required("check", in: keys, of: item)
        let check = try checkNode.string()
        guard let allowed = GuardRule.keys[check] else {
            throw checkNode.fail("unknown check \"\(check)\" (known: \(GuardRule.knownChecks.joined(separator: ", ")))")
        }
        if let stray = keys.keys.filter({ $0 != "check" && $0 != "action" && !allowed.contains($0) }).sorted().first {
            throw keys[stray]!.fail("\(stray) does not apply to the \(check) check")
        }
        if check == "schema" && direction == "input" { throw checkNode.fail("the schema check applies to output only") }
        let actionNode = try required("action", in: keys, of: item)
        let actionText = try actionNode.string()
        guard let action = GuardRule.Action(rawValue: actionText) else {
            throw actionNode.fail("unknown action \"\(actionText)\" (expected block, redact or flag)")
        }
        if action == .redact && GuardRule.unredactable.contains(check) {
            throw actionNode.fail("the \(check) check finds no span to redact: use block or flag")
        }
        var rule = GuardRule(check: check, action: action)
        if allowed.contains("name") { rule.name = try ruleName(try required("name", in: keys, of: item)) }
        if check == "regex" { rule.pattern = try required("pattern", in: keys, of: item).regularExpression() }
        if check == "topics" {
            rule.words = try words(try required("words", in: keys, of: item))
        } else if let wordsNode = keys["words"] {
            rule.words = try words(wordsNode)
        }
        if let thresholdNode = keys["threshold"] {
            let threshold = try thresholdNode.double()
            guard threshold > 0 && threshold <= 1 else { throw thresholdNode.fail("must be above 0 and at most 1, found \(threshold)") }
            rule.threshold = threshold
        }
        if check == "classifier" { rule.model = try required("model", in: keys, of: item).string() }
        if let schemaNode = keys["schema"] {
            let schema = try schemaNode.json()
            guard schema.objectValue != nil || schema.boolValue != nil else { throw schemaNode.fail("a JSON Schema is a mapping") }
            rule.schema = schema
        }
        return rule
    }

    private static func ruleName(_ node: ConfigNode) throws(ConfigError) -> String {
        let name = try node.string()
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw node.fail("a rule name may hold letters, digits, - and _ only")
        }
        return name
    }

    private static func words(_ node: ConfigNode) throws(ConfigError) -> [String] {
        var words: [String] = []
        for item in try node.sequence() {
            let word = try item.string().trimmingCharacters(in: .whitespaces)
            guard word.contains(where: { $0.isLetter || $0.isNumber }) else { throw item.fail("a word or phrase needs a letter or a digit") }
            words.append(word)
        }
        guard !words.isEmpty else { throw node.fail("give at least one word or phrase") }
        return words
    }

    /// A classifier rule must name a model of the configuration, and not the model it guards.
    static func checkClassifierModels(_ config: KeelConfig, file: String) throws(ConfigError) {
        let names = Set(config.models.map(\.name))
        for (path, policy) in config.guardrailPolicies {
            for rule in policy.input + policy.output where rule.check == "classifier" {
                guard let model = rule.model, names.contains(model) else {
                    throw ConfigError(
                        file: file, key: path,
                        problem:
                            "the classifier check names model \"\(rule.model ?? "")\", which is not configured (models: \(names.sorted().joined(separator: ", ")))"
                    )
                }
            }
        }
    }
}
