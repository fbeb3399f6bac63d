import KeelCore
import KeelGuardrails

/// `is-refusal`, `finish-reason`, `cost` (threshold = most USD), `latency` (threshold = most ms).
enum OperationalAssertions {
    static func evaluate(_ assertion: EvalAssertion, output: EvalOutput) -> AssertionOutcome {
        switch assertion.type {
        case .isRefusal:
            let refused = RefusalDetector().isRefusal(output.text)
            return .of(refused, refused ? "the output is a refusal" : "the output is not a refusal")
        case .finishReason:
            guard let expected = assertion.value?.stringValue else { return .error("'finish-reason' needs a string value (stop, length, ...)") }
            guard let actual = output.finishReason else { return .fail("the finish reason is unknown, expected \(expected)") }
            let same = normalized(actual) == normalized(expected)
            return .of(same, "the finish reason is \(actual)\(same ? "" : ", expected \(expected)")")
        case .cost:
            guard let limit = assertion.threshold else { return .error("'cost' needs a threshold (most USD)") }
            guard let cost = output.costUSD else { return .error("the cost of the call is unknown (no price for the model?)") }
            return .of(cost <= limit, "cost $\(cost) \(cost <= limit ? "≤" : ">") $\(format(limit))")
        case .latency:
            guard let limit = assertion.threshold else { return .error("'latency' needs a threshold (most milliseconds)") }
            let latency = output.latencyMs
            return .of(latency <= limit, "latency \(format(latency.rounded())) ms \(latency <= limit ? "≤" : ">") \(format(limit)) ms")
        default:
            return .error("'\(assertion.type.rawValue)' is not an operational assertion")
        }
    }

    /// `tool_calls`, `tool-calls` and `TOOL_CALLS` are one reason; so are Anthropic's names for
    /// OpenAI's (`end_turn` = `stop`, `max_tokens` = `length`, `tool_use` = `tool_calls`).
    static func normalized(_ reason: String) -> String {
        let lowered = reason.lowercased().replacingHyphens()
        switch lowered {
        case "end_turn", "stop_sequence": return "stop"
        case "max_tokens": return "length"
        case "tool_use", "function_call": return "tool_calls"
        default: return lowered
        }
    }
}

extension String {
    fileprivate func replacingHyphens() -> String { String(map { $0 == "-" ? "_" : $0 }) }
}
