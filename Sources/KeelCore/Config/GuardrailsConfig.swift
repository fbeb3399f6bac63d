import Foundation

/// Which guardrail checks run on a model's traffic, and what each does when it finds something.
public struct GuardrailsConfig: Sendable, Equatable {
    public var input: [GuardRule] = []
    public var output: [GuardRule] = []

    public init(input: [GuardRule] = [], output: [GuardRule] = []) {
        self.input = input
        self.output = output
    }

    public var isEmpty: Bool { input.isEmpty && output.isEmpty }
}

public struct GuardRule: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        /// Refuse the request (a 400 whose error code names the check).
        case block
        /// Replace what was found with a typed placeholder before the provider sees it.
        case redact
        /// Only record it on the trace.
        case flag
    }

    public var check: String
    public var action: Action
    /// `regex`: the rule's name (its placeholder and error code) and its pattern.
    public var name: String?
    public var pattern: String?

    public init(check: String, action: Action, name: String? = nil, pattern: String? = nil) {
        self.check = check
        self.action = action
        self.name = name
        self.pattern = pattern
    }

    /// The checks of issue 5; those not yet built are refused at load rather than silently skipped.
    public static let knownChecks = ["injection", "pii", "secrets", "toxicity", "topics", "regex", "schema", "classifier"]
    public static let availableChecks = ["pii", "secrets", "regex"]
}

extension KeelConfig {
    /// The checks that apply to `model`: its own, else the global ones; the global ones for nil.
    public func guardrails(for model: ModelConfig?) -> GuardrailsConfig {
        model?.guardrails ?? guardrails
    }
}

extension ConfigLoader {
    static func guardrails(_ node: ConfigNode) throws(ConfigError) -> GuardrailsConfig {
        let keys = try node.mapping(allowed: ["input", "output"])
        var config = GuardrailsConfig()
        config.input = try keys["input"].map(rules) ?? []
        config.output = try keys["output"].map(rules) ?? []
        return config
    }

    private static func rules(_ node: ConfigNode) throws(ConfigError) -> [GuardRule] {
        var rules: [GuardRule] = []
        for item in try node.sequence() {
            let keys = try item.mapping(allowed: ["check", "action", "name", "pattern"])
            let checkNode = try required("check", in: keys, of: item)
            let check = try checkNode.string()
            guard GuardRule.knownChecks.contains(check) else {
                throw checkNode.fail("unknown check \"\(check)\" (known: \(GuardRule.knownChecks.joined(separator: ", ")))")
            }
            guard GuardRule.availableChecks.contains(check) else {
                throw checkNode.fail("the \(check) check is not available in this version yet (available: \(GuardRule.availableChecks.joined(separator: ", ")))")
            }
            let actionNode = try required("action", in: keys, of: item)
            let actionText = try actionNode.string()
            guard let action = GuardRule.Action(rawValue: actionText) else {
                throw actionNode.fail("unknown action \"\(actionText)\" (expected block, redact or flag)")
            }
            var rule = GuardRule(check: check, action: action)
            if check == "regex" {
                let nameNode = try required("name", in: keys, of: item)
                rule.name = try nameNode.string()
                guard rule.name!.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }), !rule.name!.isEmpty else {
                    throw nameNode.fail("a rule name may hold letters, digits, - and _ only")
                }
                let patternNode = try required("pattern", in: keys, of: item)
                let pattern = try patternNode.string()
                do {
                    _ = try NSRegularExpression(pattern: pattern)
                } catch {
                    throw patternNode.fail("invalid regular expression: \(error.localizedDescription)")
                }
                rule.pattern = pattern
            } else if keys["pattern"] != nil || keys["name"] != nil {
                throw item.fail("name and pattern belong to regex rules only")
            }
            rules.append(rule)
        }
        return rules
    }
}
