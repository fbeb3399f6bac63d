import Foundation
import KeelCore
import Testing

@Suite struct JSONSpliceTests {
    /// The last top-level `key` replaced, at the range parsing recorded.
    private func splice(_ text: String, _ key: StaticString = "model", _ value: String = "gpt-4o-mini") throws -> String? {
        var members: [JSONSplice.Member] = []
        _ = try JSONValue.parse(Data(text.utf8), topLevelMembers: &members)
        return Array(text.utf8).withUnsafeBytes { bytes in
            members.last { $0.hasKey(key, in: bytes) }.map {
                String(decoding: JSONSplice.replacing($0.value, withString: value, in: bytes), as: UTF8.self)
            }
        }
    }

    @Test func replacesOnlyTheTopLevelValueKeepingEveryOtherByte() throws {
        let body = #"{ "messages": [{"role":"user","content":"the \"model\": x, {model}"}], "metadata": {"model": "inner"},"model" : "fast" , "n":1}"#
        let edited = try #require(try splice(body))
        #expect(
            edited
                == #"{ "messages": [{"role":"user","content":"the \"model\": x, {model}"}], "metadata": {"model": "inner"},"model" : "gpt-4o-mini" , "n":1}"#
        )
        #expect(try JSONValue.parse(edited)["model"] == "gpt-4o-mini")
    }

    @Test func theLastOccurrenceWinsAsInParsing() throws {
        let edited = try #require(try splice(#"{"model":"a","x":[1,{"y":"]"}],"model":"b"}"#))
        #expect(edited == #"{"model":"a","x":[1,{"y":"]"}],"model":"gpt-4o-mini"}"#)
    }

    @Test func replacesValuesOfAnyType() throws {
        #expect(try splice(#"{"model":42}"#) == #"{"model":"gpt-4o-mini"}"#)
        #expect(try splice(#"{"model":null,"a":true}"#) == #"{"model":"gpt-4o-mini","a":true}"#)
        #expect(try splice(#"{"model":{"a":[1,2]}}"#) == #"{"model":"gpt-4o-mini"}"#)
    }

    @Test func escapesTheNewValue() throws {
        let edited = try #require(try splice(#"{"model":"a"}"#, "model", "we\"ird\\name\n"))
        #expect(try JSONValue.parse(edited)["model"] == "we\"ird\\name\n")
    }

    @Test func findsNoMemberThatIsAbsentOrWhoseKeyIsEscaped() throws {
        #expect(try splice(#"{"messages":[]}"#) == nil)
        #expect(try splice(#"{"mod\u0065l":"a"}"#) == nil)
        #expect(try splice("[1,2]") == nil)
        #expect(try splice("{}") == nil)
    }

    @Test func listsTheTopLevelMembersWithTheirKeysAndValues() throws {
        var text = #"{ "a" : [1, {"b": "}"}] ,"c\u0064":null,"e":"x"}"#
        let members = try #require(text.withUTF8 { JSONSplice.members(of: UnsafeRawBufferPointer($0)) })
        let utf8 = Array(text.utf8)
        #expect(members.map { String(decoding: utf8[$0.key], as: UTF8.self) } == ["a", #"c\u0064"#, "e"])
        #expect(members.map { String(decoding: utf8[$0.value], as: UTF8.self) } == [#"[1, {"b": "}"}]"#, "null", #""x""#])
        #expect(members.map(\.keyIsEscaped) == [false, true, false])
        text.withUTF8 { bytes in
            #expect(members[0].hasKey("a", in: UnsafeRawBufferPointer(bytes)))
            #expect(!members[0].hasKey("ab", in: UnsafeRawBufferPointer(bytes)))
            #expect(!members[1].hasKey("cd", in: UnsafeRawBufferPointer(bytes)), "an escaped key is never taken for a name")
        }
    }

    @Test func aStringEndsAtItsFirstUnescapedQuote() throws {
        var text = #"{"a":"x\"},\\","b":["\\\"]", "q\"k"],"c":1,"d":"no escape } here"}"#
        let members = try #require(text.withUTF8 { JSONSplice.members(of: UnsafeRawBufferPointer($0)) })
        let utf8 = Array(text.utf8)
        #expect(
            members.map { String(decoding: utf8[$0.value], as: UTF8.self) } == [#""x\"},\\""#, #"["\\\"]", "q\"k"]"#, "1", #""no escape } here""#])
        #expect(members.map(\.keyIsEscaped) == [false, false, false, false])
        var unterminated = #"{"a":"never closed"#
        #expect(unterminated.withUTF8 { JSONSplice.members(of: UnsafeRawBufferPointer($0)) } == nil)
    }

    @Test func listsNoMembersOfWhatIsNotAnObject() {
        var empty = "{ }"
        #expect(empty.withUTF8 { JSONSplice.members(of: UnsafeRawBufferPointer($0)) } == [])
        for text in ["[1]", "\"s\"", "", "{\"a\" 1}"] {
            var text = text
            #expect(text.withUTF8 { JSONSplice.members(of: UnsafeRawBufferPointer($0)) } == nil)
        }
    }

    /// The parser records, while it validates, the members the scanner finds on its own.
    @Test(arguments: [
        #"{ "a" : [1, {"b": "}"}] ,"c\u0064":null,"e":"x"}"#,
        #"{"a":"x\"},\\","b":["\\\"]", "q\"k"],"c":1,"d":"no escape } here"}"#,
        #"  {"é":-1.5e3 , "n" :{}, "t":true,"f":false , "z":[] }  "#,
        "{}",
    ])
    func parsingRecordsTheMembersTheScannerFinds(text: String) throws {
        var recorded: [JSONSplice.Member] = []
        _ = try JSONValue.parse(Data(text.utf8), topLevelMembers: &recorded)
        let scanned = try #require(Array(text.utf8).withUnsafeBytes { JSONSplice.members(of: $0) })
        #expect(recorded == scanned)
    }

    @Test func parsingRecordsNoMembersOfWhatIsNotAnObject() throws {
        var recorded: [JSONSplice.Member] = []
        _ = try JSONValue.parse(Data(#"[{"a":1}]"#.utf8), topLevelMembers: &recorded)
        #expect(recorded.isEmpty)
    }
}
