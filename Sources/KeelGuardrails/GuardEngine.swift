import Foundation
import KeelCore

/// One check's verdict on one text: what it found, where, and the action its rule takes.
public struct GuardVerdict: Sendable, Equatable {
    public var finding: Finding
    public var action: GuardRule.Action
    /// The rule's name for `regex` rules.
    public var rule: String?
    /// Where the text was: `messages[1].content`, `messages[0].content[2].text`, `text`.
    public var location: String

    public init(finding: Finding, action: GuardRule.Action, rule: String? = nil, location: String) {
        self.finding = finding
        self.action = action
        self.rule = rule
        self.location = location
    }

    /// How errors name the rule: `secrets check`, `regex rule 'no-ticket-ids'`, `topics rule 'politics'`.
    public var ruleDescription: String { rule.map { "\(finding.check) rule '\($0)'" } ?? "\(finding.check) check" }

    /// The rule in an error code: `secrets`, `regex_no-ticket-ids`, `topics_politics`.
    public var ruleCode: String { rule.map { "\(finding.check)_\($0)" } ?? finding.check }

    /// For traces and `/api/guard`; never the matched value itself.
    public var json: JSONValue {
        var object: JSONObject = [
            "check": .string(finding.check), "type": .string(finding.type), "action": .string(action.rawValue),
            "score": .double(finding.score), "location": .string(location),
            "start": .int(Int64(finding.range.lowerBound)), "end": .int(Int64(finding.range.upperBound)),
        ]
        if let rule { object["rule"] = .string(rule) }
        if !finding.signals.isEmpty { object["signals"] = .array(finding.signals.map { .string($0) }) }
        return .object(object)
    }
}

/// Runs a list of rules over texts. Rules are compiled once (regular expressions included).
public struct GuardEngine: Sendable {
    private struct CompiledRule: Sendable {
        let rule: GuardRule
        let detector: any TextDetector
    }

    private let rules: [CompiledRule]

    public init(rules: [GuardRule]) {
        self.rules = rules.compactMap { rule in
            switch rule.check {
            case "pii": return CompiledRule(rule: rule, detector: PIIDetector())
            case "secrets": return CompiledRule(rule: rule, detector: SecretsDetector())
            case "injection":
                return CompiledRule(rule: rule, detector: InjectionDetector(threshold: rule.threshold ?? InjectionDetector.defaultThreshold))
            case "toxicity": return CompiledRule(rule: rule, detector: WordListDetector.toxicity(adding: rule.words))
            case "topics":
                guard let name = rule.name else { return nil }
                return CompiledRule(rule: rule, detector: WordListDetector.topic(named: name, words: rule.words))
            case "regex":
                guard let name = rule.name, let pattern = rule.pattern, let detector = try? RegexDetector(name: name, pattern: pattern) else {
                    return nil
                }
                return CompiledRule(rule: rule, detector: detector)
            default:
                // schema and classifier look at a whole answer or ask a model: the gateway runs them.
                return nil
            }
        }
    }

    public var isEmpty: Bool { rules.isEmpty }

    /// Checks that look for attacks on the model: they read what users and tools wrote, not the
    /// application's own system prompt (which tells the model what not to reveal) nor the
    /// model's earlier answers.
    public static let untrustedTextChecks: Set<String> = ["injection"]

    /// The verdicts on `text`, the text as the provider should see it (redact rules applied),
    /// and the text as it may be stored (redact and block findings removed). A `trusted` text
    /// (a system prompt, an earlier answer) skips `untrustedTextChecks`.
    public func inspect(_ text: String, location: String, trusted: Bool = false) -> (verdicts: [GuardVerdict], forwarded: String, stored: String) {
        var verdicts: [GuardVerdict] = []
        var words: NormalizedText?
        for compiled in rules where !(trusted && Self.untrustedTextChecks.contains(compiled.rule.check)) {
            let findings: [Finding]
            if let detector = compiled.detector as? any WordDetector {
                if words == nil { words = NormalizedText(text) }
                findings = detector.findings(in: text, words: words!)
            } else {
                findings = compiled.detector.findings(in: text)
            }
            for finding in findings {
                verdicts.append(GuardVerdict(finding: finding, action: compiled.rule.action, rule: compiled.rule.name, location: location))
            }
        }
        guard !verdicts.isEmpty else { return ([], text, text) }
        let forwarded = Redaction.redact(text, verdicts.filter { $0.action == .redact }.map(\.finding))
        let stored = Redaction.redact(text, verdicts.filter { $0.action != .flag }.map(\.finding))
        return (verdicts, forwarded, stored)
    }
}

/// A named custom rule: its matches are typed by its name (`no-ticket-ids` → `[NO_TICKET_IDS]`).
public struct RegexDetector: TextDetector, @unchecked Sendable {
    // NSRegularExpression is immutable and documented as safe to use from several threads.
    private let expression: NSRegularExpression
    private let type: String

    public init(name: String, pattern: String) throws {
        expression = try NSRegularExpression(pattern: pattern)
        type = name.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    public func findings(in text: String) -> [Finding] {
        expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            guard let range = Range(match.range, in: text), !range.isEmpty else { return nil }
            let start = text.utf8.distance(from: text.startIndex, to: range.lowerBound)
            let end = start + text.utf8.distance(from: range.lowerBound, to: range.upperBound)
            return Finding(check: "regex", type: type, range: start..<end)
        }
    }
}
