import Foundation

/// A model that is a router: each request goes to the Keel model of the first rule it meets,
/// else to `default`, so simple requests go to a cheap model and hard ones to a frontier one.
public struct RouterConfig: Sendable, Equatable {
    public var defaultModel: String
    public var rules: [RouteRule]

    public init(defaultModel: String, rules: [RouteRule]) {
        self.defaultModel = defaultModel
        self.rules = rules
    }
}

/// A rule: every condition it sets must hold.
public struct RouteRule: Sendable, Equatable {
    public var use: String
    /// Estimated input tokens above this.
    public var inputTokensOver: Int?
    /// Estimated input tokens at most this.
    public var inputTokensUnder: Int?
    public var hasTools: Bool?
    public var hasImages: Bool?
    /// A regular expression the last user message must match.
    public var lastUserMatches: String?
    /// A request header (name lower-cased) and the value it must have.
    public var header: (name: String, value: String)?

    public init(use: String) {
        self.use = use
    }

    public static func == (left: RouteRule, right: RouteRule) -> Bool {
        left.use == right.use && left.inputTokensOver == right.inputTokensOver && left.inputTokensUnder == right.inputTokensUnder
            && left.hasTools == right.hasTools && left.hasImages == right.hasImages && left.lastUserMatches == right.lastUserMatches
            && left.header?.name == right.header?.name && left.header?.value == right.header?.value
    }
}

extension ConfigLoader {
    static func router(_ node: ConfigNode) throws(ConfigError) -> RouterConfig {
        let keys = try node.mapping(allowed: ["default", "rules"])
        let defaultModel = try required("default", in: keys, of: node).string()
        var rules: [RouteRule] = []
        for item in try keys["rules"].map({ (node) throws(ConfigError) in try node.sequence() }) ?? [] {
            let ruleKeys = try item.mapping(allowed: ["when", "use"])
            var rule = RouteRule(use: try required("use", in: ruleKeys, of: item).string())
            let whenNode = try required("when", in: ruleKeys, of: item)
            let when = try whenNode.mapping(allowed: [
                "input_tokens_over", "input_tokens_under", "has_tools", "has_images", "last_user_matches", "header",
            ])
            guard !when.isEmpty else { throw whenNode.fail("a rule needs at least one condition") }
            rule.inputTokensOver = try when["input_tokens_over"].map { (node) throws(ConfigError) in try node.int(atLeast: 0) }
            rule.inputTokensUnder = try when["input_tokens_under"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) }
            rule.hasTools = try when["has_tools"].map { (node) throws(ConfigError) in try node.bool() }
            rule.hasImages = try when["has_images"].map { (node) throws(ConfigError) in try node.bool() }
            rule.lastUserMatches = try when["last_user_matches"].map { (node) throws(ConfigError) in try node.regularExpression() }
            if let headerNode = when["header"] {
                let headerKeys = try headerNode.mapping(allowed: ["name", "equals"])
                rule.header = (
                    try required("name", in: headerKeys, of: headerNode).string().lowercased(),
                    try required("equals", in: headerKeys, of: headerNode).string()
                )
            }
            rules.append(rule)
        }
        return RouterConfig(defaultModel: defaultModel, rules: rules)
    }

    /// A router sends requests to models with targets: not to itself, nor to another router.
    static func checkRouters(_ config: KeelConfig, file: String) throws(ConfigError) {
        for model in config.models {
            guard let router = model.router else { continue }
            for (index, name) in ([router.defaultModel] + router.rules.map(\.use)).enumerated() {
                let key = index == 0 ? "models.\(model.name).router.default" : "models.\(model.name).router.rules[\(index - 1)].use"
                guard let target = config.model(named: name) else {
                    throw ConfigError(
                        file: file, key: key, problem: "unknown model \"\(name)\" (models: \(config.models.map(\.name).joined(separator: ", ")))")
                }
                guard target.router == nil else {
                    throw ConfigError(file: file, key: key, problem: "\"\(name)\" is a router itself: a router sends requests to models with targets")
                }
            }
        }
    }
}
