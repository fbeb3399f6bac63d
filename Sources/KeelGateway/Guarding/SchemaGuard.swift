import KeelCore
import KeelGuardrails

/// The schema check of one request: the schema its answers must follow (the policy's own, or
/// the request's `response_format`), and what each answer makes of it.
struct SchemaGuard: Sendable {
    let action: GuardRule.Action
    /// nil for `response_format: {type: json_object}`: any JSON object will do.
    let validator: JSONSchemaValidator?

    /// The check for `request` under `rule`, or nil when there is nothing to check against.
    static func make(_ rule: OutputPolicy.SchemaRule, for request: ChatRequest) throws(KeelError) -> SchemaGuard? {
        if let validator = rule.validator { return SchemaGuard(action: rule.action, validator: validator) }
        guard let format = request.body["response_format"]?.objectValue else { return nil }
        switch format["type"]?.stringValue {
        case "json_object":
            return SchemaGuard(action: rule.action, validator: nil)
        case "json_schema":
            guard let schema = format["json_schema"]?["schema"] else { return nil }
            do {
                return SchemaGuard(action: rule.action, validator: try JSONSchemaValidator(schema: schema))
            } catch {
                throw KeelError.invalidRequest(
                    "'response_format.json_schema.schema' cannot be used to check answers: \(error.message)",
                    param: "response_format.json_schema.schema", code: "invalid_json_schema")
            }
        default:
            return nil
        }
    }

    /// How `content` breaks the schema; empty when it follows it.
    func violations(of content: String) -> [String] {
        let value: JSONValue
        do {
            value = try JSONValue.parse(content)
        } catch {
            return ["$: the answer is not JSON: \(error.message)"]
        }
        guard let validator else {
            return value.objectValue == nil ? ["$: expected a JSON object, got \(value.typeName)"] : []
        }
        return validator.validate(value).map(\.description)
    }

    /// The verdict on an answer that breaks the schema, with its first violations as signals.
    func verdict(_ violations: [String], content: String, location: String) -> GuardVerdict {
        let finding = Finding(
            check: "schema", type: "SCHEMA_VIOLATION", range: 0..<content.utf8.count, signals: Array(violations.prefix(5)))
        return GuardVerdict(finding: finding, action: action, rule: nil, location: location)
    }

    /// The verdicts on every choice of a whole answer.
    func verdicts(on answer: JSONValue) -> [GuardVerdict] {
        var verdicts: [GuardVerdict] = []
        for (index, choice) in (answer["choices"]?.arrayValue ?? []).enumerated() {
            guard let content = choice["message"]?["content"]?.stringValue else { continue }
            let violations = violations(of: content)
            if !violations.isEmpty { verdicts.append(verdict(violations, content: content, location: "choices[\(index)].message.content")) }
        }
        return verdicts
    }

    /// A 502: the answer broke its schema (twice, for a whole answer) and may not reach the client.
    static func withheldError(_ verdict: GuardVerdict, attempts: Int) -> KeelError {
        let detail = verdict.finding.signals.prefix(3).joined(separator: "; ")
        let asked = attempts > 1 ? " after \(attempts) attempts" : ""
        return KeelError(
            status: 502, type: "guardrail_error",
            message: "The model's answer was withheld by the schema check\(asked): \(verdict.location) does not follow the JSON Schema (\(detail)).",
            code: "guardrail_output_schema")
    }
}
