import KeelCore
import KeelGuardrails
import Testing

@Suite struct EnumAndConstTests {
    @Test func enumNamesTheValueAndTheChoices() throws {
        let schema = try SchemaUnderTest(#"{"enum": ["red", "green"]}"#)
        #expect(try schema.accepts(#""green""#))
        #expect(try schema.violations(#""purple""#) == [#"$: 'purple' is not one of ["red", "green"]"#])
        #expect(try schema.violations("3") == [#"$: 3 is not one of ["red", "green"]"#])
    }

    @Test func enumComparesByJSONValue() throws {
        let schema = try SchemaUnderTest(#"{"enum": [1, null, {"a": 1, "b": [true]}, [2.0]]}"#)
        #expect(try schema.accepts("1.0"))
        #expect(try schema.accepts("null"))
        #expect(try schema.accepts(#"{"b": [true], "a": 1}"#))
        #expect(try schema.accepts("[2]"))
        #expect(try !schema.accepts("true"))
        #expect(try !schema.accepts(#""1""#))
        #expect(try !schema.accepts(#"{"a": 1}"#))
        #expect(try !schema.accepts(#"{"a": 1, "b": [true], "c": 0}"#))
    }

    @Test func longEnumListsAreCut() throws {
        let values = (1...25).map { "\"v\($0)\"" }.joined(separator: ", ")
        let schema = try SchemaUnderTest(#"{"enum": [\#(values)]}"#)
        let messages = try schema.violations(#""v0""#)
        #expect(messages == [#"$: 'v0' is not one of ["v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", ... 15 more]"#])
    }

    @Test func constIncludingNull() throws {
        let schema = try SchemaUnderTest(#"{"properties": {"kind": {"const": "user"}, "gone": {"const": null}}}"#)
        #expect(try schema.accepts(#"{"kind": "user", "gone": null}"#))
        #expect(
            try schema.violations(#"{"kind": "admin", "gone": 0}"#) == [
                "$.gone: expected null, got 0", #"$.kind: expected "user", got 'admin'"#,
            ])
    }

    @Test func constTreatsOneAndOnePointZeroAsEqual() throws {
        let schema = try SchemaUnderTest(#"{"const": 1}"#)
        #expect(try schema.accepts("1.0"))
        #expect(try schema.violations("1.5") == ["$: expected 1, got 1.5"])
        #expect(try schema.violations("true") == ["$: expected 1, got true"])
    }

    @Test func stringsCompareByCodePoint() throws {
        // "é" precomposed is not the same string as "e" followed by a combining accent.
        let schema = try SchemaUnderTest(#"{"enum": ["caf\u00e9"]}"#)
        #expect(try schema.accepts(#""café""#))
        #expect(try !schema.accepts(#""cafe\u0301""#))
    }

    @Test func longValuesAreCutInMessages() throws {
        let schema = try SchemaUnderTest(#"{"const": "short"}"#)
        let long = String(repeating: "x", count: 500)
        let messages = try schema.violations("\"\(long)\"")
        #expect(messages == [#"$: expected "short", got '"# + String(repeating: "x", count: 57) + "...'"])
    }
}

@Suite struct NumberKeywordTests {
    @Test func inclusiveBounds() throws {
        let schema = try SchemaUnderTest(#"{"minimum": 1, "maximum": 10.5}"#)
        #expect(try schema.accepts("1"))
        #expect(try schema.accepts("10.5"))
        #expect(try schema.accepts(#""not a number""#))
        #expect(try schema.violations("0.5") == ["$: 0.5 is less than the minimum of 1"])
        #expect(try schema.violations("11") == ["$: 11 is greater than the maximum of 10.5"])
    }

    @Test func exclusiveBounds() throws {
        let schema = try SchemaUnderTest(#"{"exclusiveMinimum": 0, "exclusiveMaximum": 1}"#)
        #expect(try schema.accepts("0.5"))
        #expect(try schema.violations("0") == ["$: 0 is not greater than the exclusive minimum of 0"])
        #expect(try schema.violations("1.0") == ["$: 1 is not less than the exclusive maximum of 1"])
    }

    @Test func draft04BooleanExclusiveBounds() throws {
        let schema = try SchemaUnderTest(#"{"minimum": 0, "exclusiveMinimum": true, "maximum": 5, "exclusiveMaximum": false}"#)
        #expect(try schema.accepts("5"))
        #expect(try schema.violations("0") == ["$: 0 is not greater than the exclusive minimum of 0"])
        #expect(try schema.violations("5.5") == ["$: 5.5 is greater than the maximum of 5"])
    }

    @Test func largeIntegersCompareExactly() throws {
        // 2^53 + 1 and 2^53 are the same Double; as integers they differ.
        let schema = try SchemaUnderTest(#"{"minimum": 9007199254740993}"#)
        #expect(try schema.accepts("9007199254740993"))
        #expect(
            try schema.violations("9007199254740992") == [
                "$: 9007199254740992 is less than the minimum of 9007199254740993"
            ])
        let huge = try SchemaUnderTest(#"{"maximum": 1e300, "minimum": -1e300}"#)
        #expect(try huge.accepts("9223372036854775807"))
        #expect(try huge.accepts("-9223372036854775808"))
    }

    @Test func multipleOfIntegers() throws {
        let schema = try SchemaUnderTest(#"{"multipleOf": 5}"#)
        #expect(try schema.accepts("-15"))
        #expect(try schema.accepts("0"))
        #expect(try schema.accepts("10.0"))
        #expect(try schema.violations("7") == ["$: 7 is not a multiple of 5"])
        #expect(try schema.violations("7.5") == ["$: 7.5 is not a multiple of 5"])
    }

    @Test func multipleOfDecimalSteps() throws {
        let cents = try SchemaUnderTest(#"{"multipleOf": 0.01}"#)
        #expect(try cents.accepts("19.99"))
        #expect(try cents.accepts("0.07"))
        #expect(try cents.accepts("4"))
        #expect(try !cents.accepts("19.991"))
        let tenThousandths = try SchemaUnderTest(#"{"multipleOf": 0.0001}"#)
        #expect(try tenThousandths.accepts("0.0075"))
        #expect(try !tenThousandths.accepts("0.00751"))
    }

    @Test func multipleOfSurvivesOverflowingQuotients() throws {
        #expect(try SchemaUnderTest(#"{"multipleOf": 0.5}"#).accepts("1e308"))
        #expect(try !SchemaUnderTest(#"{"multipleOf": 0.123456789}"#).accepts("1e308"))
    }
}

@Suite struct StringKeywordTests {
    @Test func lengthBoundsWithMessages() throws {
        let schema = try SchemaUnderTest(#"{"minLength": 2, "maxLength": 4}"#)
        #expect(try schema.accepts(#""ab""#))
        #expect(try schema.accepts(#""abcd""#))
        #expect(try schema.accepts("12345"))
        #expect(try schema.violations(#""a""#) == ["$: string is too short: 1 character, minimum 2"])
        #expect(try schema.violations(#""abcde""#) == ["$: string is too long: 5 characters, maximum 4"])
    }

    @Test func lengthCountsCodePoints() throws {
        let schema = try SchemaUnderTest(#"{"maxLength": 2}"#)
        #expect(try schema.accepts(#""😀é""#))  // two code points, six UTF-8 bytes, three UTF-16 units
        #expect(try schema.accepts(#""e\u0301""#))  // one character on screen, two code points
        #expect(try schema.violations(#""e\u0301e""#) == ["$: string is too long: 3 characters, maximum 2"])
        #expect(
            try SchemaUnderTest(#"{"minLength": 2}"#).violations(#""😀""#) == [
                "$: string is too short: 1 character, minimum 2"
            ])
    }

    @Test func patternSearchesUnanchored() throws {
        let schema = try SchemaUnderTest(#"{"pattern": "[0-9]{3}"}"#)
        #expect(try schema.accepts(#""order 123 shipped""#))
        #expect(try schema.accepts("12"))
        #expect(try schema.violations(#""order 12""#) == ["$: 'order 12' does not match the pattern /[0-9]{3}/"])
    }

    @Test func anchoredPatterns() throws {
        let schema = try SchemaUnderTest(#"{"pattern": "^[A-Z]{2}-\\d{4}$"}"#)
        #expect(try schema.accepts(#""AB-1234""#))
        #expect(try !schema.accepts(#""xAB-1234""#))
        #expect(try !schema.accepts(#""AB-12345""#))
    }

    @Test func patternsFollowECMAScriptWhereICUDiffers() throws {
        // `$` is the very end: a trailing newline does not slip through.
        #expect(try !SchemaUnderTest(#"{"pattern": "^[a-z]+$"}"#).accepts(#""abc\n""#))
        // `\d` and `\w` are ASCII-only.
        #expect(try !SchemaUnderTest(#"{"pattern": "^\\d+$"}"#).accepts(#""١٢٣""#))
        #expect(try !SchemaUnderTest(#"{"pattern": "^\\w+$"}"#).accepts(#""héllo""#))
        #expect(try SchemaUnderTest(#"{"pattern": "^[\\w-]+$"}"#).accepts(#""snake_case-1""#))
        #expect(try !SchemaUnderTest(#"{"pattern": "^[\\d.]+$"}"#).accepts(#""١.٢""#))
        // `[` inside a class is a literal, not an ICU nested set.
        #expect(try SchemaUnderTest(#"{"pattern": "^[[a]+$"}"#).accepts(#""[a[""#))
        // A literal `$` in a class or escaped stays a dollar sign.
        #expect(try SchemaUnderTest(#"{"pattern": "^[$]\\$\\d+$"}"#).accepts(#""$$5""#))
    }

    @Test func patternsMatchOutsideTheBasicPlane() throws {
        let schema = try SchemaUnderTest(#"{"pattern": "^🐲*$"}"#)
        #expect(try schema.accepts(#""🐲🐲""#))
        #expect(try !schema.accepts(#""🐉""#))
    }
}
