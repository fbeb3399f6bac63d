import KeelCore
import KeelGuardrails

/// What a model's output checks do with an answer: text checks (redact, withhold or flag what
/// they find), and the schema check (an answer that breaks its JSON Schema is asked again once,
/// then withheld).
struct OutputPolicy: Sendable {
    let text: GuardEngine?
    let schema: SchemaRule?
    /// Bytes of a streamed answer held back for the text checks.
    let window: Int

    struct SchemaRule: Sendable {
        let action: GuardRule.Action
        /// The policy's own schema; without one, the request's `response_format` says.
        let validator: JSONSchemaValidator?
    }
}

/// The output policy of each model, compiled once.
struct ModelOutputPolicies: Sendable {
    private let policies: [String: OutputPolicy]

    init(config: KeelConfig) {
        var policies: [String: OutputPolicy] = [:]
        for model in config.models {
            let guardrails = config.guardrails(for: model)
            let engine = GuardEngine(rules: guardrails.output)
            let schemaRule = guardrails.output.first { $0.check == "schema" }.map { rule in
                // `GuardPolicyCheck` refused a schema that does not compile before the gateway started.
                OutputPolicy.SchemaRule(action: rule.action, validator: rule.schema.flatMap { try? JSONSchemaValidator(schema: $0) })
            }
            guard !engine.isEmpty || schemaRule != nil else { continue }
            policies[model.name] = OutputPolicy(text: engine.isEmpty ? nil : engine, schema: schemaRule, window: guardrails.streamWindow)
        }
        self.policies = policies
    }

    func policy(for model: String) -> OutputPolicy? { policies[model] }
}
