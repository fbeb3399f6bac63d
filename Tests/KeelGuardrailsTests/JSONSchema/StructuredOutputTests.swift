import KeelCore
import KeelGuardrails
import Testing

/// A schema as a client sends it in `response_format` for OpenAI's strict structured outputs:
/// every property required, no extra properties, optional values spelled as `["type", "null"]`.
@Suite struct StructuredOutputTests {
    static let responseFormat = #"""
        {
          "type": "json_schema",
          "json_schema": {
            "name": "triage_ticket",
            "strict": true,
            "schema": {
              "type": "object",
              "description": "A support ticket, triaged.",
              "properties": {
                "title": {"type": "string", "minLength": 1, "maxLength": 80},
                "priority": {"type": "string", "enum": ["low", "medium", "high", "urgent"]},
                "assignee": {"type": ["string", "null"], "description": "Login name, or null when unassigned."},
                "estimate_hours": {"type": ["number", "null"], "minimum": 0, "maximum": 400},
                "customer": {
                  "type": "object",
                  "properties": {
                    "email": {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$"},
                    "plan": {"anyOf": [{"type": "string", "enum": ["free", "pro", "enterprise"]}, {"type": "null"}]}
                  },
                  "required": ["email", "plan"],
                  "additionalProperties": false
                },
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
                "steps": {"type": "array", "items": {"$ref": "#/$defs/step"}}
              },
              "required": ["title", "priority", "assignee", "estimate_hours", "customer", "tags", "steps"],
              "additionalProperties": false,
              "$defs": {
                "step": {
                  "type": "object",
                  "properties": {
                    "action": {"type": "string"},
                    "done": {"type": "boolean"},
                    "substeps": {"type": "array", "items": {"$ref": "#/$defs/step"}}
                  },
                  "required": ["action", "done", "substeps"],
                  "additionalProperties": false
                }
              }
            }
          }
        }
        """#

    static let validAnswer = #"""
        {
          "title": "Cannot export invoices as PDF",
          "priority": "high",
          "assignee": null,
          "estimate_hours": 2.5,
          "customer": {"email": "dana@example.org", "plan": "pro"},
          "tags": ["billing", "export"],
          "steps": [
            {"action": "Reproduce on staging", "done": true, "substeps": []},
            {"action": "Fix the renderer", "done": false, "substeps": [{"action": "Bump the PDF library", "done": false, "substeps": []}]}
          ]
        }
        """#

    private func validator() throws -> JSONSchemaValidator {
        let format = try JSONValue.parse(Self.responseFormat)
        let schema = try #require(format["json_schema"]?["schema"])
        return try JSONSchemaValidator(schema: schema)
    }

    /// The valid answer with one change made to it.
    private func violations(_ change: (inout JSONObject) -> Void) throws -> [String] {
        var answer = try #require(JSONValue.parse(Self.validAnswer).objectValue)
        change(&answer)
        return try validator().validate(.object(answer)).map(\.description)
    }

    @Test func validAnswerPasses() throws {
        let validator = try validator()
        #expect(validator.validate(try JSONValue.parse(Self.validAnswer)) == [])
        #expect(validator.isValid(try JSONValue.parse(Self.validAnswer)))
    }

    @Test func nullableFieldsTakeNullOrTheirType() throws {
        #expect(try violations { $0["assignee"] = "sam" } == [])
        #expect(try violations { $0["estimate_hours"] = 40 } == [])
        #expect(try violations { $0["assignee"] = 7 } == ["$.assignee: expected string or null, got number"])
        #expect(try violations { $0["estimate_hours"] = -1 } == ["$.estimate_hours: -1 is less than the minimum of 0"])
    }

    @Test func missingAndExtraFields() throws {
        #expect(try violations { $0["assignee"] = nil } == ["$: missing required property 'assignee'"])
        #expect(try violations { $0["confidence"] = 0.9 } == ["$: unexpected property 'confidence'"])
    }

    @Test func wrongEnumValue() throws {
        #expect(
            try violations { $0["priority"] = "critical" } == [
                #"$.priority: 'critical' is not one of ["low", "medium", "high", "urgent"]"#
            ])
    }

    @Test func stringWhereANumberBelongs() throws {
        #expect(try violations { $0["estimate_hours"] = "2.5" } == ["$.estimate_hours: expected number or null, got string"])
    }

    @Test func nestedObjectProblems() throws {
        let found = try violations { $0["customer"] = ["email": "dana at example.org", "plan": "gold", "vip": true] }
        #expect(
            found == [
                "$.customer.email: 'dana at example.org' does not match the pattern /^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$/",
                #"$.customer.plan: no anyOf alternative matches (#0: 'gold' is not one of ["free", "pro", "enterprise"]; #1: expected null, got string)"#,
                "$.customer: unexpected property 'vip'",
            ])
    }

    @Test func problemsDeepInRecursiveSteps() throws {
        let found = try violations {
            $0["steps"] = [["action": "Fix", "done": false, "substeps": [["action": "Test", "done": "no", "substeps": []]]]]
        }
        #expect(found == ["$.steps[0].substeps[0].done: expected boolean, got string"])
    }

    @Test func severalProblemsAreAllReported() throws {
        let found = try violations {
            $0["title"] = ""
            $0["tags"] = ["a", "b", "c", "d", "e", 6]
            $0["steps"] = nil
        }
        #expect(
            found == [
                "$.tags[5]: expected string, got number",
                "$.tags: array is too long: 6 items, maximum 5",
                "$.title: string is too short: 0 characters, minimum 1",
                "$: missing required property 'steps'",
            ])
    }

    @Test func answerOfTheWrongShape() throws {
        let validator = try validator()
        #expect(validator.validate(try JSONValue.parse(#"[{"title": "x"}]"#)).map(\.description) == ["$: expected object, got array"])
        #expect(validator.validate(.string("Here is your JSON: {...}")).map(\.description) == ["$: expected object, got string"])
    }
}
