import KeelCore
import KeelGuardrails
import Testing

@Suite struct TypeKeywordTests {
    @Test(arguments: [
        ("string", #""a""#, "1"), ("number", "1.5", #""1.5""#), ("integer", "3", "3.5"), ("boolean", "false", "0"),
        ("object", "{}", "[]"), ("array", "[]", "{}"), ("null", "null", "false"),
    ])
    func eachTypeAcceptsItsValuesOnly(type: String, valid: String, invalid: String) throws {
        let schema = try SchemaUnderTest(#"{"type": "\#(type)"}"#)
        #expect(try schema.accepts(valid))
        #expect(try !schema.accepts(invalid))
    }

    @Test func mismatchNamesExpectedAndActualTypes() throws {
        let schema = try SchemaUnderTest(#"{"type": "integer"}"#)
        #expect(try schema.violations(#""7""#) == ["$: expected integer, got string"])
        #expect(try schema.violations("null") == ["$: expected integer, got null"])
        #expect(try schema.violations("[1]") == ["$: expected integer, got array"])
    }

    @Test func integralDoublesAreIntegersAndFractionalOnesAreNot() throws {
        let schema = try SchemaUnderTest(#"{"type": "integer"}"#)
        #expect(try schema.accepts("2"))
        #expect(try schema.accepts("2.0"))
        #expect(try schema.accepts("-0.0"))
        #expect(try schema.accepts("1e3"))
        #expect(try schema.violations("2.5") == ["$: expected integer, got 2.5"])
        #expect(schema.validator.validate(.double(2.0)).isEmpty)
        #expect(!schema.validator.validate(.double(.infinity)).isEmpty)
        #expect(!schema.validator.validate(.double(.nan)).isEmpty)
    }

    @Test func integersAreNumbers() throws {
        let schema = try SchemaUnderTest(#"{"type": "number"}"#)
        #expect(try schema.accepts("2"))
        #expect(try schema.accepts("2.5"))
        #expect(try schema.violations("true") == ["$: expected number, got boolean"])
    }

    @Test func typeArraysAcceptAnyListedType() throws {
        let schema = try SchemaUnderTest(#"{"type": ["string", "null"]}"#)
        #expect(try schema.accepts(#""x""#))
        #expect(try schema.accepts("null"))
        #expect(try schema.violations("3") == ["$: expected string or null, got number"])

        let wide = try SchemaUnderTest(#"{"type": ["null", "integer", "boolean"]}"#)
        #expect(try wide.violations("{}") == ["$: expected integer, boolean or null, got object"])
        #expect(try wide.violations("0.5") == ["$: expected integer, boolean or null, got 0.5"])
    }

    @Test func nullableAcceptsNullBesideTheType() throws {
        let schema = try SchemaUnderTest(#"{"type": "string", "minLength": 2, "nullable": true}"#)
        #expect(try schema.accepts("null"))
        #expect(try schema.accepts(#""ok""#))
        #expect(try schema.violations("1") == ["$: expected string, got number"])

        let strict = try SchemaUnderTest(#"{"type": "string", "nullable": false}"#)
        #expect(try strict.violations("null") == ["$: expected string, got null"])
    }

    @Test func booleanSchemas() throws {
        let anything = try SchemaUnderTest("true")
        #expect(try anything.accepts(#"{"a": [1, null]}"#))
        let nothing = try SchemaUnderTest("false")
        #expect(try nothing.violations("null") == ["$: no value is allowed here"])
        let empty = try SchemaUnderTest("{}")
        #expect(try empty.accepts(#""anything""#))
    }

    @Test func annotationsAndUnknownKeywordsAreIgnored() throws {
        let schema = try SchemaUnderTest(
            #"""
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.com/answer",
              "$comment": "for the model", "title": "Answer", "description": "The answer", "default": "x",
              "examples": ["a@b.c"], "strict": true, "deprecated": true, "readOnly": true, "x-vendor": {"type": "integer"},
              "type": "string", "format": "email"
            }
            """#)
        #expect(try schema.accepts(#""not an email address""#))
        #expect(try schema.violations("1") == ["$: expected string, got number"])
    }

    @Test func formatIsNotAsserted() throws {
        let schema = try SchemaUnderTest(#"{"format": "date-time"}"#)
        #expect(try schema.accepts(#""yesterday""#))
        #expect(try schema.accepts("12"))
    }
}
