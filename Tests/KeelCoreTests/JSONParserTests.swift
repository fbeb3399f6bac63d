import Foundation
import KeelCore
import Testing

@Suite struct JSONParserTests {
    @Test(arguments: [
        ("0", JSONValue.int(0)), ("-0", .int(0)), ("9223372036854775807", .int(Int64.max)), ("-9223372036854775808", .int(Int64.min)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808)), ("1.5e3", .double(1500)), ("-2.25E-2", .double(-0.0225)),
        ("1e+2", .double(100)), ("  true ", .bool(true)), ("false", .bool(false)), ("null", .null), ("[]", .array([])), ("{}", .object([:])),
    ])
    func parsesScalarsAndEmptyContainers(text: String, expected: JSONValue) throws {
        #expect(try JSONValue.parse(text) == expected)
    }

    @Test func decodesEscapesAndUnicode() throws {
        let text = #""a\"b\\c\/d\b\f\n\r\t \u00e9 \u20AC \ud83d\ude00 é 😀""#
        #expect(try JSONValue.parse(text) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t é € 😀 é 😀"))
    }

    @Test func laterDuplicateKeysWin() throws {
        #expect(try JSONValue.parse(#"{"a":1,"a":2}"#) == ["a": 2])
    }

    @Test(arguments: [
        ("", "empty"), ("{", "expected a string key"), (#"{"a" 1}"#, "expected ':'"), (#"{"a":1,}"#, "expected a string key"),
        ("[1,]", "expected a value"), ("[1 2]", "expected ',' or ']'"), ("01", "leading zero"), ("1.", "decimal point"),
        ("1e", "exponent"), ("-", "digit after its sign"), (#""abc"#, "not terminated"), (#""a\qb""#, "invalid escape"),
        (#""\u12""#, "four hexadecimal"), ("\"a\u{01}b\"", "control character"), ("tru", "expected a value"), ("nul", "expected a value"),
        ("{} x", "after the end"), ("NaN", "expected a value"), (#""x\ud800y""#, "lone UTF-16 surrogate"),
        (#""\udc00\ud800""#, "lone UTF-16 surrogate"), ("1e999", "out of range"), ("'a'", "expected a value"),
    ])
    func rejectsMalformedDocumentsWithAReason(text: String, reason: String) {
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "no error") should mention \(reason)")
        #expect(error?.message.contains("line 1, column") == true)
    }

    @Test func errorsNameTheLineAndColumn() {
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse("{\n  \"a\": 1,\n  \"b\": ?\n}") }
        #expect(error?.message.contains("line 3, column 8") == true, "\(error?.message ?? "")")
    }

    @Test func rejectsInvalidUTF8() {
        let data = Data([0x22, 0x61, 0xFF, 0x62, 0x22])
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(data) }
        #expect(error?.message.contains("UTF-8") == true)
    }

    @Test func refusesDocumentsNestedTooDeep() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
        #expect(error?.message.contains("nests deeper") == true)
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: Never.self) { try JSONValue.parse(fine) }
    }

    @Test func agreesWithFoundationOnARealRequest() throws {
        let text = """
            {"model":"gpt-4o-mini","temperature":0.2,"max_tokens":256,"stream":false,"n":1,
             "messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Hi \\"there\\" \\u00e9\\n"}],
             "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"x":{"type":"number"}}}}}],
             "metadata":{"tags":["a","b"],"nested":{"deep":[1,2.5,-3e2,null,true]}}}
            """
        let ours = try JSONValue.parse(text)
        let foundation = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! NSDictionary
        let roundTripped = try JSONSerialization.jsonObject(with: ours.encoded()) as! NSDictionary
        #expect(roundTripped == foundation)
        #expect(ours["messages"]?[1]?["content"] == "Hi \"there\" é\n")
    }
}
