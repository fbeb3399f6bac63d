import KeelCore
import KeelGuardrails

/// The output checks of a whole answer: every `choices[i].message.content` text is inspected;
/// a blocking finding withholds the answer, redactions are applied before the client (and
/// the store) see it.
enum OutputGuard {
    struct Outcome {
        var verdicts: [GuardVerdict] = []
        /// The answer with redactions applied; nil when unchanged.
        var redacted: JSONValue?
        var blocking: GuardVerdict? { verdicts.first { $0.action == .block } }
    }

    static func inspect(_ answer: JSONValue, with engine: GuardEngine) -> Outcome {
        var outcome = Outcome()
        guard case .object(var object) = answer, var choices = object["choices"]?.arrayValue else { return outcome }
        var changed = false
        for (index, choice) in choices.enumerated() {
            guard case .object(var choiceObject) = choice, case .object(var message)? = choiceObject["message"],
                let text = message["content"]?.stringValue
            else { continue }
            let result = engine.inspect(text, location: "choices[\(index)].message.content")
            outcome.verdicts += result.verdicts
            if result.stored != text {
                // Nothing withheld or redacted reaches the client; a block ends the answer anyway.
                message["content"] = .string(result.stored)
                choiceObject["message"] = .object(message)
                choices[index] = .object(choiceObject)
                changed = true
            }
        }
        if changed {
            object["choices"] = .array(choices)
            outcome.redacted = .object(object)
        }
        return outcome
    }

    /// A 502: the provider answered, but the answer may not reach the client.
    static func withheldError(_ verdict: GuardVerdict) -> KeelError {
        KeelError(
            status: 502, type: "guardrail_error",
            message: "The model's answer was withheld by the \(verdict.ruleDescription): \(verdict.location) contains \(verdict.finding.type).",
            code: "guardrail_output_" + verdict.ruleCode)
    }
}
