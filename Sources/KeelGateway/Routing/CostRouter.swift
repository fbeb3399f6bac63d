import Foundation
import KeelCore

/// Picks the Keel model a router sends a request to: the first rule whose conditions all hold,
/// else the default. The decision (which rule, and why) goes on the trace.
struct CostRouter: Sendable {
    struct Decision: Sendable {
        var model: String
        /// The rule's index, nil for the default.
        var rule: Int?
        var reasons: [String]

        func json(router: String) -> JSONValue {
            [
                "router": .string(router), "model": .string(model), "rule": rule.map { .int(Int64($0)) } ?? .string("default"),
                "reasons": .array(reasons.map(JSONValue.string)),
            ]
        }
    }

    /// Rules with their expressions compiled once.
    fileprivate struct CompiledRule: @unchecked Sendable {
        // NSRegularExpression is immutable and safe to share between threads.
        let rule: RouteRule
        let expression: NSRegularExpression?
    }

    private let config: RouterConfig
    private let rules: [CompiledRule]

    init(_ config: RouterConfig) {
        self.config = config
        rules = config.rules.map { rule in
            CompiledRule(rule: rule, expression: rule.lastUserMatches.flatMap { try? NSRegularExpression(pattern: $0) })
        }
    }

    func decide(_ body: JSONObject, headers: [String: String]) -> Decision {
        let facts = Facts(body)
        for (index, compiled) in rules.enumerated() {
            if let reasons = compiled.reasons(facts, headers: headers) {
                return Decision(model: compiled.rule.use, rule: index, reasons: reasons)
            }
        }
        return Decision(model: config.defaultModel, rule: nil, reasons: [])
    }

    /// What rules look at, worked out once per request.
    struct Facts {
        let inputTokens: Int
        let hasTools: Bool
        let hasImages: Bool
        let lastUserText: String

        init(_ body: JSONObject) {
            inputTokens = Limits.estimate(body).promptTokens
            hasTools = !(body["tools"]?.arrayValue?.isEmpty ?? true) || !(body["functions"]?.arrayValue?.isEmpty ?? true)
            let messages = body["messages"]?.arrayValue ?? []
            hasImages = messages.contains { message in
                message["content"]?.arrayValue?.contains { ["image_url", "input_image", "image"].contains($0["type"]?.stringValue ?? "") } ?? false
            }
            lastUserText = messages.last { $0["role"] == "user" }?.messageText ?? ""
        }
    }
}

extension CostRouter.CompiledRule {
    /// Why the rule holds (one reason per condition), or nil when one condition does not.
    func reasons(_ facts: CostRouter.Facts, headers: [String: String]) -> [String]? {
        var reasons: [String] = []
        if let over = rule.inputTokensOver {
            guard facts.inputTokens > over else { return nil }
            reasons.append("input_tokens \(facts.inputTokens) > \(over)")
        }
        if let under = rule.inputTokensUnder {
            guard facts.inputTokens <= under else { return nil }
            reasons.append("input_tokens \(facts.inputTokens) <= \(under)")
        }
        if let hasTools = rule.hasTools {
            guard facts.hasTools == hasTools else { return nil }
            reasons.append(hasTools ? "has_tools" : "no_tools")
        }
        if let hasImages = rule.hasImages {
            guard facts.hasImages == hasImages else { return nil }
            reasons.append(hasImages ? "has_images" : "no_images")
        }
        if let expression {
            let text = facts.lastUserText
            guard expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil else { return nil }
            reasons.append("last_user_matches")
        }
        if let header = rule.header {
            guard headers[header.name] == header.value else { return nil }
            reasons.append("header \(header.name)")
        }
        return reasons
    }
}
