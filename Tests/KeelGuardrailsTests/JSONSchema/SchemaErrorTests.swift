import KeelCore
import KeelGuardrails
import Testing

@Suite struct SchemaErrorTests {
    @Test func invalidRegularExpressions() throws {
        #expect(
            try schemaError(#"{"properties": {"code": {"pattern": "[a-"}}}"#)
                == "#/properties/code/pattern: invalid regular expression '[a-'")
        #expect(
            try schemaError(#"{"patternProperties": {"(unclosed": {}}}"#)
                == "#/patternProperties/(unclosed: invalid regular expression '(unclosed'")
        #expect(
            try schemaError(#"{"$defs": {"unused": {"pattern": "*"}}}"#)
                == "#/$defs/unused/pattern: invalid regular expression '*'")
    }

    @Test func remoteReferencesAreRefused() throws {
        #expect(
            try schemaError(#"{"properties": {"a": {"$ref": "https://example.com/schemas/a.json"}}}"#)
                == "#/properties/a/$ref: remote reference 'https://example.com/schemas/a.json' is not supported: "
                + "only references within the schema ('#', '#/$defs/...') are resolved")
        let relative = try schemaError(#"{"$ref": "other.json#/$defs/a"}"#)
        #expect(relative?.hasPrefix("#/$ref: reference 'other.json#/$defs/a' is not supported") == true)
    }

    @Test func unresolvableReferencesAreRefused() throws {
        #expect(
            try schemaError(##"{"items": {"$ref": "#/$defs/missing"}}"##)
                == "#/items/$ref: unresolvable reference '#/$defs/missing': the schema has nothing at #/$defs/missing")
        #expect(try schemaError(##"{"x-list": [true, false], "$ref": "#/x-list/1"}"##) == nil)
        #expect(try schemaError(##"{"x-list": [true, false], "$ref": "#/x-list/2"}"##) != nil)
        #expect(try schemaError(##"{"x-list": [true, false], "$ref": "#/x-list/01"}"##) != nil)
        #expect(try schemaError(##"{"$ref": "#/$defs/a%zz"}"##) == "#/$ref: reference '#/$defs/a%zz' is not a valid JSON pointer")
    }

    @Test func anchorReferencesAreRefused() throws {
        let message = try schemaError(##"{"$defs": {"a": {"$anchor": "foo"}}, "$ref": "#foo"}"##)
        #expect(message?.hasPrefix("#/$ref: reference '#foo' is not supported") == true)
    }

    @Test func referenceTargetsMustBeSchemas() throws {
        #expect(
            try schemaError(##"{"required": ["a"], "$ref": "#/required"}"##)
                == "#/required: a schema must be an object or a boolean, got array")
    }

    @Test(arguments: [
        (#""string""#, "#: a schema must be an object or a boolean, got string"),
        (#"{"type": "strin"}"#, "#/type: 'type' names an unknown type 'strin'"),
        (#"{"type": []}"#, "#/type: 'type' must be a type name or a non-empty array of type names"),
        (#"{"type": ["string", 1]}"#, "#/type: 'type' must be a type name or an array of type names"),
        (#"{"minLength": "3"}"#, "#/minLength: 'minLength' must be a non-negative integer, got '3'"),
        (#"{"maxItems": -1}"#, "#/maxItems: 'maxItems' must be a non-negative integer, got -1"),
        (#"{"minProperties": 1.5}"#, "#/minProperties: 'minProperties' must be a non-negative integer, got 1.5"),
        (#"{"minimum": "0"}"#, "#/minimum: 'minimum' must be a number, got string"),
        (#"{"multipleOf": 0}"#, "#/multipleOf: 'multipleOf' must be greater than 0"),
        (#"{"required": "name"}"#, "#/required: 'required' must be an array, got string"),
        (#"{"required": ["a", 1]}"#, "#/required: 'required' must be an array of strings"),
        (#"{"enum": "red"}"#, "#/enum: 'enum' must be an array, got string"),
        (#"{"anyOf": []}"#, "#/anyOf: 'anyOf' must not be empty"),
        (#"{"allOf": {}}"#, "#/allOf: 'allOf' must be an array, got object"),
        (#"{"properties": []}"#, "#/properties: 'properties' must be an object, got array"),
        (#"{"properties": {"a": 1}}"#, "#/properties/a: a schema must be an object or a boolean, got number"),
        (#"{"items": [{}, null]}"#, "#/items/1: a schema must be an object or a boolean, got null"),
        (#"{"pattern": 5}"#, "#/pattern: 'pattern' must be a string, got number"),
        (#"{"uniqueItems": "yes"}"#, "#/uniqueItems: 'uniqueItems' must be a boolean, got string"),
        (#"{"$ref": 1}"#, "#/$ref: '$ref' must be a string, got number"),
        (#"{"dependentRequired": {"a": "b"}}"#, "#/dependentRequired/a: must be an array of strings"),
    ])
    func malformedKeywordsAreRefusedWithTheirLocation(schemaJSON: String, expected: String) throws {
        #expect(try schemaError(schemaJSON) == expected)
    }

    @Test func unsupportedKeywordsAreRefusedRatherThanIgnored() throws {
        #expect(
            try schemaError(#"{"properties": {"a": {"unevaluatedProperties": false}}}"#)
                == "#/properties/a/unevaluatedProperties: 'unevaluatedProperties' is not supported")
        #expect(try schemaError(#"{"unevaluatedItems": {"type": "string"}}"#) != nil)
        #expect(try schemaError(##"{"$dynamicRef": "#meta"}"##) != nil)
        // `true` constrains nothing, so it is harmless.
        #expect(try schemaError(#"{"unevaluatedProperties": true}"#) == nil)
    }

    @Test func pointerLocationsEscapeTokens() throws {
        #expect(
            try schemaError(#"{"properties": {"a/b~c": {"minimum": null}}}"#)
                == "#/properties/a~1b~0c/minimum: 'minimum' must be a number, got null")
    }

    @Test func errorDescriptionIsItsMessage() throws {
        do {
            _ = try JSONSchemaValidator(schema: ["type": 1])
            Issue.record("expected the schema to be refused")
        } catch {
            #expect(error.description == error.message)
            #expect(error.message.hasPrefix("#/type:"))
        }
    }

    @Test func acceptableEdgeCases() throws {
        #expect(try schemaError(#"{"enum": []}"#) == nil)
        #expect(try schemaError(#"{"minLength": 2.0, "maxLength": 1e30}"#) == nil)
        #expect(try schemaError(##"{"$defs": {"a~b": {}}, "$ref": "#/$defs/a~0b"}"##) == nil)
        #expect(try schemaError(#"{"nullable": "yes"}"#) == nil)
    }
}
