import KeelCore
import KeelGuardrails

/// The guardrails of each model in one direction (its own, or the global ones), compiled once.
struct ModelGuards: Sendable {
    private let engines: [String: GuardEngine]

    init(config: KeelConfig, rules: (GuardrailsConfig) -> [GuardRule]) {
        var engines: [String: GuardEngine] = [:]
        for model in config.models {
            let engine = GuardEngine(rules: rules(config.guardrails(for: model)))
            if !engine.isEmpty { engines[model.name] = engine }
        }
        self.engines = engines
    }

    func engine(for model: String) -> GuardEngine? { engines[model] }
}

/// The classifier rule of each model's input policy, if it has one.
struct ModelClassifiers: Sendable {
    private let classifiers: [String: ClassifierGuard]

    init(config: KeelConfig) {
        var classifiers: [String: ClassifierGuard] = [:]
        for model in config.models {
            if let rule = config.guardrails(for: model).input.first(where: { $0.check == "classifier" }) {
                classifiers[model.name] = ClassifierGuard(rule: rule)
            }
        }
        self.classifiers = classifiers
    }

    func classifier(for model: String) -> ClassifierGuard? { classifiers[model] }
}

extension Gateway {
    /// `POST /api/guard`: the input policy of `model` (the global one when nil) run on `text`.
    public func guardReport(text: String, model: String?) throws(KeelError) -> GuardReport {
        let snapshot = self.snapshot
        let policy = snapshot.config.guardrails(for: try model.map { (name) throws(KeelError) in try snapshot.resolve(name) })
        return GuardReport(engine: GuardEngine(rules: policy.input), text: text)
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
    /// The application's own words and the model's earlier answers; users and tools are not trusted.
    static let trustedRoles: Set<String> = ["system", "developer", "assistant"]

    /// Runs `engine` over every text of `messages`: string contents and `text` content parts.
    static func inspect(_ messages: [JSONValue], with engine: GuardEngine) -> InputGuardOutcome {
        var outcome = InputGuardOutcome()
        var forwarded = messages
        var stored = messages
        for (index, message) in messages.enumerated() {
            guard case .object(let object) = message, let content = object["content"] else { continue }
            let trusted = trustedRoles.contains(object["role"]?.stringValue ?? "")
            let (forwardedContent, storedContent) = inspect(
                content, at: "messages[\(index)].content", trusted: trusted, with: engine, into: &outcome.verdicts)
            if forwardedContent != content { forwarded[index] = replacing(object, content: forwardedContent) }
            if storedContent != content { stored[index] = replacing(object, content: storedContent) }
        }
        if forwarded != messages { outcome.forwardedMessages = forwarded }
        if stored != messages { outcome.storedMessages = stored }
        return outcome
    }

    /// One message's content as the provider and as the store should see it.
    private static func inspect(
        _ content: JSONValue, at location: String, trusted: Bool, with engine: GuardEngine, into verdicts: inout [GuardVerdict]
    ) -> (forwarded: JSONValue, stored: JSONValue) {
        switch content {
        case .string(let text):
            let result = engine.inspect(text, location: location, trusted: trusted)
            verdicts += result.verdicts
            return (.string(result.forwarded), .string(result.stored))
        case .array(let parts):
            var forwardedParts = parts
            var storedParts = parts
            for (partIndex, part) in parts.enumerated() {
                guard case .object(var partObject) = part, partObject["type"] == "text", let text = partObject["text"]?.stringValue else { continue }
                let result = engine.inspect(text, location: "\(location)[\(partIndex)].text", trusted: trusted)
                verdicts += result.verdicts
                partObject["text"] = .string(result.forwarded)
                forwardedParts[partIndex] = .object(partObject)
                partObject["text"] = .string(result.stored)
                storedParts[partIndex] = .object(partObject)
            }
            return (.array(forwardedParts), .array(storedParts))
        default:
            return (content, content)
        }
    }

    /// A call by reference's variables as the trace keeps them: what the checks keep out of
    /// the stored messages is kept out of the variables they were rendered from (read as a
    /// user's words, wherever the prompt puts them). Their verdicts are the messages' already.
    static func storedVariables(_ variables: JSONObject, with engine: GuardEngine) -> JSONObject {
        var stored = variables
        for (name, value) in variables {
            let text = value.stringValue ?? value.encodedString()
            let kept = engine.inspect(text, location: "prompt.variables.\(name)", trusted: false).stored
            if kept != text { stored[name] = .string(kept) }
        }
        return stored
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
