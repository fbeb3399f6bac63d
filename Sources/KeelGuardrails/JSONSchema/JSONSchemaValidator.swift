import KeelCore

/// Checks JSON values against a JSON Schema (draft 2020-12, with draft-07 spellings), as a
/// structured-output answer is checked against its request's `response_format` schema.
///
/// The schema is compiled once; `validate` walks only the compiled form, so one validator can
/// serve many answers, from any task.
public struct JSONSchemaValidator: Sendable {
    /// `validate` stops collecting after this many violations.
    public static let maximumViolations = 20
    /// Subschema evaluations per call: stops schemas whose alternatives multiply (an `anyOf` of
    /// `anyOf`s ...) within a fraction of a second. A 10,000-item answer takes about 60,000.
    public static let defaultEvaluationBudget = 500_000

    private let schema: CompiledSchema
    private let evaluationBudget: Int

    /// Compiles `schema`: regular expressions compiled, `$ref`s resolved. Throws for a schema Keel
    /// cannot use, naming the problem and its location (`#/properties/code/pattern: ...`).
    /// `evaluationBudget` caps the subschema evaluations of one `validate` call.
    public init(schema: JSONValue, evaluationBudget: Int = JSONSchemaValidator.defaultEvaluationBudget) throws(JSONSchemaError) {
        self.schema = try SchemaCompiler.compile(schema)
        self.evaluationBudget = evaluationBudget
    }

    /// Every way `instance` breaks the schema, up to `maximumViolations`; empty when it is valid.
    public func validate(_ instance: JSONValue) -> [SchemaViolation] {
        evaluate(instance, collectingUpTo: Self.maximumViolations)
    }

    /// Whether `instance` is valid; cheaper than `validate` because it stops at the first violation.
    public func isValid(_ instance: JSONValue) -> Bool {
        evaluate(instance, collectingUpTo: 1).isEmpty
    }

    private func evaluate(_ instance: JSONValue, collectingUpTo limit: Int) -> [SchemaViolation] {
        var evaluation = SchemaEvaluation(schema: schema, violationLimit: limit, evaluationBudget: evaluationBudget)
        evaluation.evaluate(schema.root, instance)
        return evaluation.result
    }
}
