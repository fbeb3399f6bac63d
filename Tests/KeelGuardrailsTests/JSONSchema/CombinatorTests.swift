import KeelCore
import KeelGuardrails
import Testing

@Suite struct CombinatorTests {
    @Test func allOfReportsEverySubschemasViolations() throws {
        let schema = try SchemaUnderTest(#"{"allOf": [{"type": "string"}, {"minLength": 3}, {"pattern": "^a"}]}"#)
        #expect(try schema.accepts(#""abc""#))
        #expect(
            try schema.violations(#""b""#) == [
                "$: string is too short: 1 character, minimum 3", "$: 'b' does not match the pattern /^a/",
            ])
    }

    @Test func anyOfPassesWhenOneAlternativeMatches() throws {
        let schema = try SchemaUnderTest(#"{"anyOf": [{"type": "string"}, {"type": "null"}]}"#)
        #expect(try schema.accepts(#""x""#))
        #expect(try schema.accepts("null"))
        #expect(
            try schema.violations("3") == [
                "$: no anyOf alternative matches (#0: expected string, got number; #1: expected null, got number)"
            ])
    }

    @Test func anyOfNamesWhereADeeperAlternativeFailed() throws {
        let schema = try SchemaUnderTest(
            #"{"anyOf": [{"type": "object", "properties": {"id": {"type": "integer"}}}, {"type": "null"}]}"#)
        #expect(
            try schema.violations(#"{"id": "7"}"#) == [
                "$: no anyOf alternative matches (#0: $.id: expected integer, got string; #1: expected null, got object)"
            ])
    }

    @Test func oneOfNeedsExactlyOneMatch() throws {
        let schema = try SchemaUnderTest(#"{"oneOf": [{"type": "integer"}, {"minimum": 10}]}"#)
        #expect(try schema.accepts("3"))
        #expect(try schema.accepts("10.5"))
        #expect(
            try schema.violations("12") == [
                "$: matches more than one oneOf alternative (#0 and #1), but exactly one must match"
            ])
        #expect(
            try schema.violations("2.5") == [
                "$: no oneOf alternative matches (#0: expected integer, got 2.5; #1: 2.5 is less than the minimum of 10)"
            ])
    }

    @Test func notInvertsItsSchema() throws {
        let schema = try SchemaUnderTest(#"{"not": {"type": "null"}}"#)
        #expect(try schema.accepts("0"))
        #expect(try schema.violations("null") == ["$: matches the schema under 'not', which it must not"])
        #expect(try SchemaUnderTest(#"{"not": {"not": {"const": 1}}}"#).accepts("1.0"))
    }

    @Test func ifThenElse() throws {
        let schema = try SchemaUnderTest(
            #"""
            {"if": {"properties": {"country": {"const": "US"}}, "required": ["country"]},
             "then": {"required": ["zip"]}, "else": {"required": ["postcode"]}}
            """#)
        #expect(try schema.accepts(#"{"country": "US", "zip": "94103"}"#))
        #expect(try schema.accepts(#"{"country": "FR", "postcode": "75001"}"#))
        #expect(try schema.violations(#"{"country": "US"}"#) == ["$: missing required property 'zip'"])
        #expect(try schema.violations(#"{"country": "FR"}"#) == ["$: missing required property 'postcode'"])
    }

    @Test func ifWithoutThenOrElseChecksNothing() throws {
        #expect(try SchemaUnderTest(#"{"if": false}"#).accepts("1"))
        #expect(try SchemaUnderTest(#"{"then": false, "else": false}"#).accepts("1"))
        #expect(try SchemaUnderTest(#"{"if": true, "else": false}"#).accepts("1"))
    }

    @Test func longAlternativeListsAreCut() throws {
        let alternatives = (0..<8).map { #"{"const": \#($0)}"# }.joined(separator: ", ")
        let schema = try SchemaUnderTest(#"{"anyOf": [\#(alternatives)]}"#)
        let messages = try schema.violations("9")
        #expect(
            messages == [
                "$: no anyOf alternative matches (#0: expected 0, got 9; #1: expected 1, got 9; #2: expected 2, got 9; "
                    + "#3: expected 3, got 9; #4: expected 4, got 9; ...)"
            ])
    }

    @Test func combinatorsInsideArraysReportAtTheItem() throws {
        let schema = try SchemaUnderTest(#"{"items": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}"#)
        #expect(
            try schema.violations(#"["a", 1, true]"#) == [
                "$[2]: no oneOf alternative matches (#0: expected string, got boolean; #1: expected integer, got boolean)"
            ])
    }

    @Test func nestedAlternativesKeepMessagesShort() throws {
        var schema = #"{"type": "string"}"#
        for _ in 0..<12 {
            schema = #"{"anyOf": [\#(schema), \#(schema)]}"#
        }
        let messages = try SchemaUnderTest(schema).violations("1")
        #expect(messages.count == 1)
        #expect(messages[0].count < 400)
    }
}
