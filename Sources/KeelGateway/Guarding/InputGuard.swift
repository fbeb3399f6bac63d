import KeelCore
import KeelGuardrails

/// The guardrails of each model in one direction (its own, or the global ones), compiled once.
struct ModelGuards: Sendable {
    private let engines: [String: GuardEngine]

    init(config: KeelConfig, rules: (GuardrailsConfig) -> [GuardRule]) {
        var engines: [String: GuardEngine] = [:]
        for model in config.models {
            let engine = GuardEngine(rules: rules(model.guardrails ?? config.guardrails))
            if !engine.isEmpty { engines[model.name] = engine }
        }
        self.engines = engines
    }

    func engine(for model: String) -> GuardEngine? { engines[model] }
}

extension Gateway {
    /// `POST /api/guard`: the input policy of `model` (the global one when nil) run on `text`.
    public func guardReport(text: String, model: String?) throws(KeelError) -> GuardReport {
        let rules: [GuardRule]
        if let model {
            rules = (try resolve(model).guardrails ?? config.guardrails).input
        } else {
            rules = config.guardrails.input
        }
        return GuardReport(engine: GuardEngine(rules: rules), text: text)
    }
}

/// What the input checks made of a request's messages.
struct InputGuardOutcome: Sendable {
    var verdicts: [GuardVerdict] = []
    /// The messages for the provider (redact rules applied); nil when unchanged.
    var forwardedMessages: [JSONValue]?
    /// The messages for the trace (redacted and blocked values removed); nil when unchanged.
    var storedMessages: [JSONValue]?

    var blocking: GuardVerdict? { verdicts.first { $0.action == .block } }
}

enum InputGuard {
    /// Runs `engine` over every text of `messages`: string contents and `text` content parts.
    static func inspect(_ messages: [JSONValue], with engine: GuardEngine) -> InputGuardOutcome {
        var outcome = InputGuardOutcome()
        var forwarded = messages
        var stored = messages
        var forwardedChanged = false
        var storedChanged = false
        for (index, message) in messages.enumerated() {
            guard case .object(let object) = message else { continue }
            switch object["content"] {
            case .string(let text)?:
                let result = engine.inspect(text, location: "messages[\(index)].content")
                outcome.verdicts += result.verdicts
                if result.forwarded != text {
                    forwarded[index] = replacing(object, content: .string(result.forwarded))
                    forwardedChanged = true
                }
                if result.stored != text {
                    stored[index] = replacing(object, content: .string(result.stored))
                    storedChanged = true
                }
            case .array(let parts)?:
                var forwardedParts = parts
                var storedParts = parts
                for (partIndex, part) in parts.enumerated() {
                    guard case .object(var partObject) = part, partObject["type"] == "text", let text = partObject["text"]?.stringValue else { continue }
                    let result = engine.inspect(text, location: "messages[\(index)].content[\(partIndex)].text")
                    outcome.verdicts += result.verdicts
                    partObject["text"] = .string(result.forwarded)
                    forwardedParts[partIndex] = .object(partObject)
                    partObject["text"] = .string(result.stored)
                    storedParts[partIndex] = .object(partObject)
                }
                if forwardedParts != parts {
                    forwarded[index] = replacing(object, content: .array(forwardedParts))
                    forwardedChanged = true
                }
                if storedParts != parts {
                    stored[index] = replacing(object, content: .array(storedParts))
                    storedChanged = true
                }
            default:
                continue
            }
        }
        if forwardedChanged { outcome.forwardedMessages = forwarded }
        if storedChanged { outcome.storedMessages = stored }
        return outcome
    }

    private static func replacing(_ message: JSONObject, content: JSONValue) -> JSONValue {
        var message = message
        message["content"] = content
        return .object(message)
    }

    /// The 400 for a blocked request: names the check and where, never the value.
    static func blockedError(_ verdict: GuardVerdict) -> KeelError {
        KeelError.invalidRequest(
            "The request was blocked by the \(verdict.ruleDescription): \(verdict.location) contains \(verdict.finding.type).",
            param: verdict.location, code: "guardrail_" + verdict.ruleCode)
    }
}
