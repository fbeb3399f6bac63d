import KeelCore
import KeelGuardrails
import KeelPrompts

/// A message text's `{{var}}` syntax, checked when the suite loads.
enum PromptTemplateCheck {
    static func check(_ text: String) throws(PromptTemplate.SyntaxError) -> PromptTemplate {
        try PromptTemplate(parsing: text)
    }
}

/// A JSON Schema, compiled when the suite loads.
enum SchemaCheck {
    static func compile(_ schema: JSONValue) throws(JSONSchemaError) -> JSONSchemaValidator {
        try JSONSchemaValidator(schema: schema)
    }
}

/// "did you mean" for a misspelt assertion type, and what each type's value is.
enum AssertionTypeSuggestion {
    static func hint(for written: String) -> String {
        let names = EvalAssertionType.allCases.flatMap { [$0.rawValue, "not-" + $0.rawValue] }
        if let best = closest(written, in: names) { return " (did you mean '\(best)'?)" }
        return " (known: \(EvalAssertionType.allCases.map(\.rawValue).joined(separator: ", ")))"
    }

    /// The name in `names` nearest to `written` (case aside), when it is near enough to be a typo:
    /// within 2 edits, or a third of the name's length.
    static func closest(_ written: String, in names: [String]) -> String? {
        let lowered = written.lowercased()
        let best = names.map { ($0, Levenshtein.distance(lowered, $0.lowercased())) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, written.count / 3) else { return nil }
        return best.0
    }

    static func valueHint(_ type: EvalAssertionType) -> String {
        switch type {
        case .containsAny, .containsAll, .icontainsAny, .icontainsAll: return "a list of strings"
        case .regex: return "a regular expression"
        case .levenshtein, .similar: return "the expected text"
        case .llmRubric: return "the rubric the output must satisfy"
        case .factuality: return "the reference answer"
        case .finishReason: return "stop, length, tool_calls or content_filter"
        default: return "the expected text"
        }
    }
}
