import KeelCore

/// What keel.yaml's loader cannot check without the detectors: a `schema` rule whose JSON
/// Schema does not compile is refused when the configuration is read, not at the first answer.
public enum GuardPolicyCheck {
    public static func check(_ config: KeelConfig, file: String) throws(ConfigError) {
        for (path, policy) in config.guardrailPolicies {
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
