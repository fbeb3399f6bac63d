import KeelCore
import KeelGuardrails
import Testing

@Suite struct ArrayKeywordTests {
    @Test func itemsApplyToEveryItem() throws {
        let schema = try SchemaUnderTest(#"{"items": {"type": "integer"}}"#)
        #expect(try schema.accepts("[]"))
        #expect(try schema.accepts("[1, 2.0, -3]"))
        #expect(
            try schema.violations(#"[1, "2", 3, null]"#) == [
                "$[1]: expected integer, got string", "$[3]: expected integer, got null",
            ])
    }

    @Test func prefixItemsThenItems() throws {
        let schema = try SchemaUnderTest(#"{"prefixItems": [{"type": "string"}, {"type": "number"}], "items": {"type": "boolean"}}"#)
        #expect(try schema.accepts(#"["a"]"#))
        #expect(try schema.accepts(#"["a", 1, true, false]"#))
        #expect(
            try schema.violations(#"[1, "a", null]"#) == [
                "$[0]: expected string, got number", "$[1]: expected number, got string", "$[2]: expected boolean, got null",
            ])
    }

    @Test func closedTuple() throws {
        let schema = try SchemaUnderTest(#"{"prefixItems": [{"type": "number"}, {"type": "number"}], "items": false}"#)
        #expect(try schema.accepts("[1, 2]"))
        #expect(try schema.violations("[1, 2, 3]") == ["$: array is too long: 3 items, maximum 2"])
        #expect(try SchemaUnderTest(#"{"items": false}"#).violations("[0]") == ["$: array is too long: 1 item, maximum 0"])
    }

    @Test func draft07TupleItemsAndAdditionalItems() throws {
        let schema = try SchemaUnderTest(#"{"items": [{"type": "string"}, {"type": "integer"}], "additionalItems": false}"#)
        #expect(try schema.accepts(#"["a", 1]"#))
        #expect(try schema.violations(#"["a", "b"]"#) == ["$[1]: expected integer, got string"])
        #expect(try schema.violations(#"["a", 1, 2]"#) == ["$: array is too long: 3 items, maximum 2"])
        let open = try SchemaUnderTest(#"{"items": [{"type": "string"}], "additionalItems": {"type": "integer"}}"#)
        #expect(try open.violations(#"["a", 1, "c"]"#) == ["$[2]: expected integer, got string"])
    }

    @Test func itemCounts() throws {
        let schema = try SchemaUnderTest(#"{"minItems": 2, "maxItems": 3}"#)
        #expect(try schema.accepts("[1, 2]"))
        #expect(try schema.violations("[1]") == ["$: array is too short: 1 item, minimum 2"])
        #expect(try schema.violations("[1, 2, 3, 4]") == ["$: array is too long: 4 items, maximum 3"])
    }

    @Test func uniqueItemsUsesJSONEquality() throws {
        let schema = try SchemaUnderTest(#"{"uniqueItems": true}"#)
        #expect(try schema.accepts(#"[1, "1", true, null, [1], {"a": 1}]"#))
        #expect(try schema.violations("[1, 2, 1.0]") == ["$: items [0] and [2] are equal, but items must be unique"])
        #expect(try !schema.accepts(#"[{"a": 1, "b": [2]}, {"b": [2.0], "a": 1}]"#))
        #expect(try !schema.accepts("[[null], [null]]"))
        #expect(try schema.accepts(#"["caf\u00e9", "cafe\u0301"]"#))
        #expect(try SchemaUnderTest(#"{"uniqueItems": false}"#).accepts("[1, 1]"))
    }

    @Test func containsWithMinimumAndMaximum() throws {
        let schema = try SchemaUnderTest(#"{"contains": {"type": "string"}}"#)
        #expect(try schema.accepts(#"[1, "a"]"#))
        #expect(try schema.violations("[1, 2]") == ["$: no item matches the 'contains' schema"])
        #expect(try schema.violations("[]") == ["$: no item matches the 'contains' schema"])

        let counted = try SchemaUnderTest(#"{"contains": {"const": 1}, "minContains": 2, "maxContains": 3}"#)
        #expect(try counted.accepts("[1, 2, 1]"))
        #expect(try counted.violations("[1, 2]") == ["$: too few items match the 'contains' schema: 1, minimum 2"])
        #expect(try counted.violations("[1, 1, 1, 1]") == ["$: too many items match the 'contains' schema: 4, maximum 3"])

        let optional = try SchemaUnderTest(#"{"contains": {"const": 1}, "minContains": 0}"#)
        #expect(try optional.accepts("[]"))
    }

    @Test func nestedArraysAndObjectsComposePaths() throws {
        let schema = try SchemaUnderTest(
            #"{"properties": {"matrix": {"items": {"items": {"properties": {"v": {"type": "number"}}}}}}}"#)
        #expect(
            try schema.violations(#"{"matrix": [[{"v": 1}], [{"v": 2}, {"v": "x"}]]}"#) == [
                "$.matrix[1][1].v: expected number, got string"
            ])
    }

    @Test func arrayKeywordsIgnoreOtherTypes() throws {
        let schema = try SchemaUnderTest(#"{"items": false, "minItems": 2, "uniqueItems": true, "contains": false}"#)
        #expect(try schema.accepts(#"{"a": 1}"#))
        #expect(try schema.accepts(#""[1, 1]""#))
    }
}
