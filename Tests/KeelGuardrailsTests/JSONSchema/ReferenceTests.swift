import KeelCore
import KeelGuardrails
import Testing

@Suite struct ReferenceTests {
    @Test func refsToDefsAndDefinitions() throws {
        let schema = try SchemaUnderTest(
            #"""
            {"properties": {"home": {"$ref": "#/$defs/address"}, "work": {"$ref": "#/definitions/address"}},
             "$defs": {"address": {"type": "object", "required": ["city"]}},
             "definitions": {"address": {"type": "object", "required": ["street"]}}}
            """#)
        #expect(try schema.accepts(#"{"home": {"city": "Oslo"}, "work": {"street": "Main"}}"#))
        #expect(
            try schema.violations(#"{"home": {}, "work": []}"#) == [
                "$.home: missing required property 'city'", "$.work: expected object, got array",
            ])
    }

    @Test func recursiveTreeThroughDefs() throws {
        let schema = try SchemaUnderTest(
            #"""
            {"$ref": "#/$defs/node",
             "$defs": {"node": {"type": "object", "required": ["value"], "additionalProperties": false,
                                "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}}}
            """#)
        #expect(try schema.accepts(#"{"value": 1, "children": [{"value": 2}, {"value": 3, "children": [{"value": 4, "children": []}]}]}"#))
        #expect(
            try schema.violations(#"{"value": 1, "children": [{"value": 2}, {"value": 3, "children": [{"value": "4", "x": 0}]}]}"#) == [
                "$.children[1].children[0].value: expected integer, got string",
                "$.children[1].children[0]: unexpected property 'x'",
            ])
    }

    @Test func rootRecursion() throws {
        let schema = try SchemaUnderTest(##"{"type": ["integer", "array"], "items": {"$ref": "#"}}"##)
        #expect(try schema.accepts("[1, [2, [3, []]]]"))
        #expect(try schema.violations(#"[1, [2, ["3"]]]"#) == ["$[1][1][0]: expected integer or array, got string"])
    }

    @Test func deepButFiniteRecursionIsAllowed() throws {
        let schema = try SchemaUnderTest(
            ##"{"$defs": {"n": {"type": "object", "properties": {"next": {"$ref": "#/$defs/n"}}}}, "$ref": "#/$defs/n"}"##)
        let depth = 30
        let chain = String(repeating: #"{"next": "#, count: depth) + "{}" + String(repeating: "}", count: depth)
        #expect(try schema.accepts(chain))
    }

    @Test func pointerTokensAreUnescaped() throws {
        let schema = try SchemaUnderTest(
            #"""
            {"$defs": {"a/b": {"type": "string"}, "c~d": {"type": "integer"}, "e f": {"type": "boolean"}, "%": {"type": "null"}},
             "properties": {"slash": {"$ref": "#/$defs/a~1b"}, "tilde": {"$ref": "#/$defs/c~0d"},
                            "space": {"$ref": "#/$defs/e%20f"}, "percent": {"$ref": "#/$defs/%25"}}}
            """#)
        #expect(try schema.accepts(#"{"slash": "x", "tilde": 1, "space": true, "percent": null}"#))
        #expect(
            try schema.violations(#"{"slash": 1, "tilde": "x", "space": null, "percent": 0}"#) == [
                "$.percent: expected null, got number", "$.slash: expected string, got number",
                "$.space: expected boolean, got null", "$.tilde: expected integer, got string",
            ])
    }

    @Test func refsIntoAnyLocation() throws {
        let schema = try SchemaUnderTest(
            #"""
            {"properties": {"name": {"type": "string"}, "alias": {"$ref": "#/properties/name"},
                            "tags": {"items": [{"type": "integer"}]}, "first": {"$ref": "#/properties/tags/items/0"}}}
            """#)
        #expect(
            try schema.violations(#"{"alias": 1, "first": "x"}"#) == [
                "$.alias: expected string, got number", "$.first: expected integer, got string",
            ])
    }

    @Test func refChainsAndRefSiblingsBothApply() throws {
        let schema = try SchemaUnderTest(
            #"""
            {"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/c"}, "c": {"type": "string"}},
             "$ref": "#/$defs/a", "maxLength": 3}
            """#)
        #expect(try schema.accepts(#""abc""#))
        #expect(try schema.violations("1") == ["$: expected string, got number"])
        #expect(try schema.violations(#""abcd""#) == ["$: string is too long: 4 characters, maximum 3"])
    }

    @Test func refToBooleanSchema() throws {
        let schema = try SchemaUnderTest(##"{"$defs": {"no": false}, "properties": {"x": {"$ref": "#/$defs/no"}}}"##)
        #expect(try schema.violations(#"{"x": 1}"#) == ["$.x: no value is allowed here"])
    }

    @Test func sameSchemaTwiceOnOneValueIsNotALoop() throws {
        let schema = try SchemaUnderTest(
            #"""
            {"$defs": {"int": {"type": "integer"}},
             "allOf": [{"properties": {"foo": {"$ref": "#/$defs/int"}}}, {"additionalProperties": {"$ref": "#/$defs/int"}}]}
            """#)
        #expect(try schema.accepts(#"{"foo": 1, "bar": 2}"#))
        // Both subschemas reject "foo" for the same reason; the violation is reported once.
        #expect(try schema.violations(#"{"foo": "a"}"#) == ["$.foo: expected integer, got string"])
    }
}

@Suite struct RecursionGuardTests {
    static let loopMessage = "the schema loops: a $ref cycle comes back to the same subschema without descending into the value"

    @Test(arguments: [
        ##"{"$ref": "#"}"##,
        ##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}"##,
        ##"{"anyOf": [{"type": "string"}, {"$ref": "#"}]}"##,
        ##"{"not": {"$ref": "#"}}"##,
        ##"{"$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}]}}, "properties": {"x": {"$ref": "#/$defs/a"}}}"##,
    ])
    func loopsWithoutProgressAreReportedNotFollowed(schemaJSON: String) throws {
        let schema = try SchemaUnderTest(schemaJSON)
        let violations = schema.validator.validate(try JSONValue.parse(#"{"x": 1}"#))
        #expect(violations.last?.message == Self.loopMessage)
        #expect(!schema.validator.isValid(try JSONValue.parse(#"{"x": 1}"#)))
    }

    @Test func loopIsReportedWhereItHappens() throws {
        let schema = try SchemaUnderTest(##"{"$defs": {"a": {"$ref": "#/$defs/a"}}, "items": {"$ref": "#/$defs/a"}}"##)
        #expect(try schema.accepts("[]"))
        #expect(try schema.violations("[1]") == ["$[0]: " + Self.loopMessage])
    }

    @Test func propertyNamesMayRecurseIntoTheSameSchema() throws {
        // The name is another value than the object, so coming back to the root is progress.
        let schema = try SchemaUnderTest(##"{"propertyNames": {"$ref": "#"}, "maxLength": 3}"##)
        #expect(try schema.accepts(#"{"abc": 1}"#))
        #expect(
            try schema.violations(#"{"abcd": 1}"#) == [
                "$: property name 'abcd' is invalid: string is too long: 4 characters, maximum 3"
            ])
    }

    @Test func loopInsideAnAlternativeStillFailsTheValue() throws {
        // The loop makes `not`'s subschema look valid or invalid depending on where it stops;
        // either way the value must not pass.
        let schema = try SchemaUnderTest(##"{"anyOf": [{"not": {"$ref": "#"}}, {"type": "string"}]}"##)
        #expect(try !schema.accepts("1"))
        #expect(try !schema.accepts(#""s""#))
    }

    @Test func nestingDeeperThanTheLimitIsReported() throws {
        let schema = try SchemaUnderTest(##"{"type": "array", "items": {"$ref": "#"}}"##)
        let shallow = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(try schema.accepts(shallow))
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let violations = schema.validator.validate(try JSONValue.parse(deep))
        #expect(violations.count == 1)
        #expect(violations.first?.message == "validation stopped: subschemas nest deeper than 128 levels here")
        #expect(violations.first?.path.hasPrefix("$[0][0][0]") == true)
    }

    @Test func deeplyNestedSchemasCompileAndStopAtTheDepthLimit() throws {
        // 200 levels of `properties` is 400 levels of JSON, within what the parser allows.
        let depth = 200
        let schemaJSON =
            String(repeating: #"{"properties": {"a": "#, count: depth) + #"{"type": "string"}"#
            + String(repeating: "}}", count: depth)
        let schema = try SchemaUnderTest(schemaJSON)
        let shallow = String(repeating: #"{"a": "#, count: 20) + "1" + String(repeating: "}", count: 20)
        #expect(try schema.accepts(shallow))
        let deep = String(repeating: #"{"a": "#, count: depth) + "1" + String(repeating: "}", count: depth)
        let found = try schema.violations(deep)
        #expect(found.count == 1)
        #expect(found.first?.hasSuffix("validation stopped: subschemas nest deeper than 128 levels here") == true)
    }

    @Test func alternativesThatMultiplyAreCutOff() throws {
        // 2^40 paths through the anyOfs, all failing: the evaluation budget stops it.
        var defs: [String] = (0..<40).map { ##""a\##($0)": {"anyOf": [{"$ref": "#/$defs/a\##($0 + 1)"}, {"$ref": "#/$defs/a\##($0 + 1)"}]}"## }
        defs.append(#""a40": false"#)
        let validator = try JSONSchemaValidator(
            schema: JSONValue.parse(##"{"$defs": {\##(defs.joined(separator: ", "))}, "$ref": "#/$defs/a0"}"##), evaluationBudget: 5_000)
        #expect(validator.validate(1).map(\.description) == ["$: validation stopped after 5000 subschema evaluations"])
    }
}
