import KeelCore
import KeelGuardrails
import Testing

@Suite struct ViolationReportingTests {
    @Test func violationsAreCapped() throws {
        let schema = try SchemaUnderTest(#"{"items": {"type": "string"}}"#)
        let instance = "[" + (0..<50).map(String.init).joined(separator: ", ") + "]"
        let found = try schema.violations(instance)
        #expect(found.count == JSONSchemaValidator.maximumViolations)
        #expect(found.first == "$[0]: expected string, got number")
        #expect(found.last == "$[19]: expected string, got number")
    }

    @Test func capCountsAcrossKeywords() throws {
        let schema = try SchemaUnderTest(#"{"type": "object", "required": [\#((0..<30).map { "\"p\($0)\"" }.joined(separator: ", "))]}"#)
        #expect(try schema.violations("{}").count == 20)
        #expect(try schema.violations("[]") == ["$: expected object, got array"])
    }

    @Test func descriptionJoinsPathAndMessage() {
        let violation = SchemaViolation(path: "$.items[0].name", message: "expected string, got number")
        #expect(violation.description == "$.items[0].name: expected string, got number")
        #expect(violation == SchemaViolation(path: "$.items[0].name", message: "expected string, got number"))
    }

    @Test func orderIsStableAcrossRuns() throws {
        let schema = try SchemaUnderTest(#"{"additionalProperties": {"type": "integer"}}"#)
        let instance = "{" + (0..<15).map { "\"k\($0)\": \"x\"" }.joined(separator: ", ") + "}"
        let first = try schema.violations(instance)
        let keys = (0..<15).map { "k\($0)" }.sorted()
        #expect(first == keys.map { "$.\($0): expected integer, got string" })
        #expect(try schema.violations(instance) == first)
    }

    @Test func oneValidatorServesManyTasks() async throws {
        let validator = try JSONSchemaValidator(
            schema: JSONValue.parse(#"{"required": ["n", "s"], "properties": {"n": {"multipleOf": 2}, "s": {"pattern": "^[0-9]*[02468]$"}}}"#))
        let results = await withTaskGroup(of: (Int, Bool).self) { group in
            for n in 0..<64 {
                group.addTask { (n, validator.isValid(["n": .int(Int64(n)), "s": .string(String(n))])) }
            }
            var results: [Int: Bool] = [:]
            for await (n, valid) in group { results[n] = valid }
            return results
        }
        #expect(results.count == 64)
        #expect(results.allSatisfy { $0.value == $0.key.isMultiple(of: 2) })
    }

    @Test func validatesValuesBuiltInCode() throws {
        let validator = try JSONSchemaValidator(schema: ["type": "object", "properties": ["ratio": ["type": "integer"]]])
        #expect(validator.validate(["ratio": .double(3.0)]) == [])
        #expect(validator.validate(["ratio": .double(0.5)]) == [SchemaViolation(path: "$.ratio", message: "expected integer, got 0.5")])
    }
}
