import KeelCore
import KeelPrompts

/// promptfoo's `{{var}}` rendering of an assertion's or a message's strings with a test's
/// variables, by KeelPrompts' `PromptTemplate` rules. A string that is no valid template (a stray
/// `{{`) is left as written; a variable the test lacks renders as nothing.
enum VariableRendering {
    static func render(_ value: JSONValue, _ vars: JSONObject) -> JSONValue {
        switch value {
        case .string(let text): return .string(render(text, vars))
        case .array(let items): return .array(items.map { render($0, vars) })
        case .object(let object): return .object(object.mapValues { render($0, vars) })
        default: return value
        }
    }

    static func render(_ text: String, _ vars: JSONObject) -> String {
        guard text.contains("{{"), let template = try? PromptTemplate(parsing: text) else { return text }
        return template.render(vars)
    }
}
