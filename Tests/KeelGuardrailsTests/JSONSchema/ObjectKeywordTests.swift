import KeelCore
import KeelGuardrails
import Testing

@Suite struct ObjectKeywordTests {
    @Test func propertiesReportAtTheirPaths() throws {
        let schema = try SchemaUnderTest(
            #"""
            {"properties": {"user": {"properties": {"name": {"type": "string"}, "age": {"type": "integer"}}}}}
            """#)
        #expect(try schema.accepts(#"{"user": {"name": "Ada", "age": 36, "extra": true}}"#))
        #expect(try schema.accepts(#"{}"#))
        #expect(
            try schema.violations(#"{"user": {"name": 1, "age": "old"}}"#) == [
                "$.user.age: expected integer, got string", "$.user.name: expected string, got number",
            ])
    }

    @Test func requiredNamesEachMissingPropertyInSchemaOrder() throws {
        let schema = try SchemaUnderTest(#"{"required": ["name", "email", "age"]}"#)
        #expect(try schema.accepts(#"{"name": null, "email": "", "age": 0}"#))
        #expect(
            try schema.violations(#"{"email": "a@b.c"}"#) == [
                "$: missing required property 'name'", "$: missing required property 'age'",
            ])
        #expect(try schema.accepts(#""not an object""#))
    }

    @Test func additionalPropertiesFalseNamesTheIntruder() throws {
        let schema = try SchemaUnderTest(#"{"properties": {"a": {}}, "additionalProperties": false}"#)
        #expect(try schema.accepts(#"{"a": 1}"#))
        #expect(
            try schema.violations(#"{"a": 1, "b": 2, "c": 3}"#) == [
                "$: unexpected property 'b'", "$: unexpected property 'c'",
            ])
    }

    @Test func additionalPropertiesSchemaAppliesToUndeclaredOnly() throws {
        let schema = try SchemaUnderTest(#"{"properties": {"id": {"type": "string"}}, "additionalProperties": {"type": "integer"}}"#)
        #expect(try schema.accepts(#"{"id": "x", "count": 3}"#))
        #expect(try schema.violations(#"{"id": "x", "count": "3"}"#) == ["$.count: expected integer, got string"])
    }

    @Test func patternPropertiesAndAdditionalProperties() throws {
        let schema = try SchemaUnderTest(
            #"""
            {"properties": {"id": {"type": "integer"}}, "patternProperties": {"^x-": {"type": "string"}, "-count$": {"type": "integer"}},
             "additionalProperties": false}
            """#)
        #expect(try schema.accepts(#"{"id": 1, "x-trace": "abc", "page-count": 3}"#))
        // A key matching several patterns must satisfy each.
        #expect(try schema.violations(#"{"x-count": 3}"#) == ["$['x-count']: expected string, got number"])
        #expect(try schema.violations(#"{"trace": "abc"}"#) == ["$: unexpected property 'trace'"])
    }

    @Test func propertyNames() throws {
        let schema = try SchemaUnderTest(#"{"propertyNames": {"pattern": "^[a-z_]+$", "maxLength": 12}}"#)
        #expect(try schema.accepts(#"{"first_name": 1}"#))
        #expect(
            try schema.violations(#"{"a_very_long_name": 1}"#) == [
                "$: property name 'a_very_long_name' is invalid: string is too long: 16 characters, maximum 12"
            ])
        #expect(
            try schema.violations(#"{"Name": 1, "ok": 2}"#) == [
                "$: property name 'Name' is invalid: 'Name' does not match the pattern /^[a-z_]+$/"
            ])
    }

    @Test func propertyCounts() throws {
        let schema = try SchemaUnderTest(#"{"minProperties": 1, "maxProperties": 2}"#)
        #expect(try schema.accepts(#"{"a": 1}"#))
        #expect(try schema.violations("{}") == ["$: object has too few properties: 0, minimum 1"])
        #expect(try schema.violations(#"{"a": 1, "b": 2, "c": 3}"#) == ["$: object has too many properties: 3, maximum 2"])
    }

    @Test func dependentRequiredAndDraft07Dependencies() throws {
        let modern = try SchemaUnderTest(#"{"dependentRequired": {"card": ["billing_address"]}}"#)
        let draft07 = try SchemaUnderTest(#"{"dependencies": {"card": ["billing_address"]}}"#)
        for schema in [modern, draft07] {
            #expect(try schema.accepts(#"{"name": "x"}"#))
            #expect(try schema.accepts(#"{"card": 1, "billing_address": "y"}"#))
            #expect(
                try schema.violations(#"{"card": 1}"#) == [
                    "$: missing property 'billing_address', which is required when 'card' is present"
                ])
        }
    }

    @Test func dependentSchemasAndDraft07SchemaDependencies() throws {
        let modern = try SchemaUnderTest(#"{"dependentSchemas": {"card": {"required": ["cvv"]}}}"#)
        let draft07 = try SchemaUnderTest(#"{"dependencies": {"card": {"required": ["cvv"]}}}"#)
        for schema in [modern, draft07] {
            #expect(try schema.accepts(#"{"cvv": 1}"#))
            #expect(try schema.violations(#"{"card": 1}"#) == ["$: missing required property 'cvv'"])
        }
    }

    @Test func pathsQuoteKeysThatAreNotIdentifiers() throws {
        let schema = try SchemaUnderTest(#"{"additionalProperties": {"type": "string"}}"#)
        #expect(try schema.violations(#"{"first name": 1}"#) == ["$['first name']: expected string, got number"])
        #expect(try schema.violations(#"{"it's": 1}"#) == [#"$['it\'s']: expected string, got number"#])
        #expect(try schema.violations(#"{"1st": 1}"#) == ["$['1st']: expected string, got number"])
        #expect(try schema.violations(#"{"": 1}"#) == ["$['']: expected string, got number"])
        #expect(try schema.violations(#"{"snake_Case9": 1}"#) == ["$.snake_Case9: expected string, got number"])
    }

    @Test func objectKeywordsIgnoreOtherTypes() throws {
        let schema = try SchemaUnderTest(
            #"{"properties": {"a": false}, "required": ["a"], "minProperties": 3, "additionalProperties": false, "propertyNames": false}"#)
        #expect(try schema.accepts("[1, 2]"))
        #expect(try schema.accepts(#""a""#))
        #expect(try schema.accepts("null"))
    }

    @Test func propertySetToFalseForbidsThatProperty() throws {
        let schema = try SchemaUnderTest(#"{"properties": {"password": false}}"#)
        #expect(try schema.accepts(#"{"user": "x"}"#))
        #expect(try schema.violations(#"{"password": "x"}"#) == ["$.password: no value is allowed here"])
    }
}
