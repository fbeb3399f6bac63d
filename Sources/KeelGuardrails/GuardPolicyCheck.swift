import KeelCore

/// What keel.yaml's loader cannot check without the detectors: a `schema` rule whose JSON
/// Schema does not compile is refused when the configuration is read, not at the first answer.
public enum GuardPolicyCheck {
    public static func check(_ config: KeelConfig, file: String) throws(ConfigError) {
        let policies = [("guardrails", config.guardrails)] + config.models.compactMap { model in
            model.guardrails.map { ("models.\(model.name).guardrails", $0) }
        }
        for (path, policy) in policies {
            for (index, rule) in policy.output.enumerated() {
                guard let schema = rule.schema else { continue }
                do {
                    _ = try JSONSchemaValidator(schema: schema)
                } catch {
                    throw ConfigError(file: file, key: "\(path).output[\(index)].schema", problem: "the schema cannot be used: \(error.message)")
                }
            }
        }
    }
}
