import KeelCore
import KeelGuardrails
import Testing

/// A validator built from schema JSON text, checked against instance JSON text, so that tests
/// read like the documents a gateway sees.
struct SchemaUnderTest {
    let validator: JSONSchemaValidator

    init(_ schemaJSON: String) throws {
        validator = try JSONSchemaValidator(schema: JSONValue.parse(schemaJSON))
    }

    /// `path: message` for each violation.
    func violations(_ instanceJSON: String) throws -> [String] {
        validator.validate(try JSONValue.parse(instanceJSON)).map(\.description)
    }

    func accepts(_ instanceJSON: String) throws -> Bool {
        let instance = try JSONValue.parse(instanceJSON)
        let valid = validator.validate(instance).isEmpty
        // The two entry points must never disagree.
        #expect(validator.isValid(instance) == valid, "validate and isValid disagree on \(instanceJSON)")
        return valid
    }
}

/// The message of the error the schema is refused with, or nil when it compiles.
func schemaError(_ schemaJSON: String) throws -> String? {
    let schema = try JSONValue.parse(schemaJSON)
    do {
        _ = try JSONSchemaValidator(schema: schema)
        return nil
    } catch {
        return error.message
    }
}
