import KeelCore
import Testing

@Suite struct JSONValueTests {
    @Test func roundTripsEveryKind() throws {
        let text = #"{"a":1,"b":2.5,"c":"x\/y","d":[true,false,null],"e":{"f":-7},"g":12345678901234}"#
        let value = try JSONValue.parse(text)
        #expect(value["a"] == .int(1))
        #expect(value["b"] == .double(2.5))
        #expect(value["c"] == "x/y")
        #expect(value["d"] == [true, false, nil])
        #expect(value["e"]?["f"]?.intValue == -7)
        #expect(value["g"]?.intValue == 12_345_678_901_234)
        #expect(try JSONValue.parse(value.encodedString()) == value)
    }

    @Test func parseErrorsSayWhatIsWrong() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse("{\"a\": }") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("") }
    }

    @Test func stringsAreEscapedOnlyWhereJSONRequires() throws {
        let text = "quote \" backslash \\ newline \n tab \t bell \u{07} unit \u{1F} slash / accent é emoji 🙂"
        let encoded = JSONValue.string(text).encodedString()
        #expect(encoded == #""quote \" backslash \\ newline \n tab \t bell \u0007 unit \u001f slash / accent é emoji 🙂""#)
        #expect(try JSONValue.parse(encoded) == .string(text))
        #expect(JSONValue.array([.double(2.5), .double(3), .double(.infinity), .int(-4)]).encodedString() == "[2.5,3,null,-4]")
    }

    @Test func canonicalStringSortsKeys() throws {
        #expect(try JSONValue.parse(#"{"b":1,"a":{"d":2,"c":3}}"#).canonicalString() == #"{"a":{"c":3,"d":2},"b":1}"#)
    }

    @Test func integersAreWhatJSONSchemaCountsAsIntegers() throws {
        #expect(try JSONValue.parse("5").integerValue == 5)
        #expect(try JSONValue.parse("5.0").integerValue == 5)
        #expect(try JSONValue.parse("-9223372036854775808").integerValue == .min)
        #expect(try JSONValue.parse("9.0e15").integerValue == 9_000_000_000_000_000)
        // Read as a double and rounded to -2^63 or 2^63: outside Int64 all the same.
        #expect(try JSONValue.parse("-9223372036854775809").integerValue == nil)
        #expect(try JSONValue.parse("9223372036854775808").integerValue == nil)
        #expect(try JSONValue.parse("5.5").integerValue == nil)
        #expect(try JSONValue.parse(#""5""#).integerValue == nil)
    }

    @Test func errorBodyHasTheOpenAIShape() {
        let body = KeelError.invalidRequest("bad", param: "model", code: "x").body
        #expect(body == ["error": ["message": "bad", "type": "invalid_request_error", "param": "model", "code": "x"]])
    }

    /// Found by comparing keys up to eight members, by lookup past them: the same answers.
    @Test(arguments: [3, 8, 9, 40])
    func aValueComparingKeysIsTheLookedUpValue(members: Int) {
        var object: JSONObject = ["set-to-null": nil]
        for index in 1..<members { object["key\(index)"] = .int(Int64(index)) }
        for key in object.keys + ["missing", "key", ""] {
            #expect(object.value(comparingKeysFor: key) == object[key])
        }
        #expect(object.value(comparingKeysFor: "set-to-null") == .some(.null))
        #expect(object.value(comparingKeysFor: "missing") == nil)
    }
}
