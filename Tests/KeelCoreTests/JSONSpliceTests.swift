import KeelCore
import Testing

@Suite struct JSONSpliceTests {
    private func splice(_ text: String, _ key: String = "model", _ value: String = "gpt-4o-mini") -> String? {
        var text = text
        return text.withUTF8 { utf8 in
            JSONSplice.replacingString(key, with: value, in: UnsafeRawBufferPointer(utf8)).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    @Test func replacesOnlyTheTopLevelValueKeepingEveryOtherByte() throws {
        let body = #"{ "messages": [{"role":"user","content":"the \"model\": x, {model}"}], "metadata": {"model": "inner"},"model" : "fast" , "n":1}"#
        let edited = try #require(splice(body))
        #expect(
            edited
                == #"{ "messages": [{"role":"user","content":"the \"model\": x, {model}"}], "metadata": {"model": "inner"},"model" : "gpt-4o-mini" , "n":1}"#
        )
        #expect(try JSONValue.parse(edited)["model"] == "gpt-4o-mini")
    }

    @Test func theLastOccurrenceWinsAsInParsing() throws {
        let edited = try #require(splice(#"{"model":"a","x":[1,{"y":"]"}],"model":"b"}"#))
        #expect(edited == #"{"model":"a","x":[1,{"y":"]"}],"model":"gpt-4o-mini"}"#)
    }

    @Test func replacesValuesOfAnyType() throws {
        #expect(splice(#"{"model":42}"#) == #"{"model":"gpt-4o-mini"}"#)
        #expect(splice(#"{"model":null,"a":true}"#) == #"{"model":"gpt-4o-mini","a":true}"#)
        #expect(splice(#"{"model":{"a":[1,2]}}"#) == #"{"model":"gpt-4o-mini"}"#)
    }

    @Test func escapesTheNewValue() throws {
        let edited = try #require(splice(#"{"model":"a"}"#, "model", "we\"ird\\name\n"))
        #expect(try JSONValue.parse(edited)["model"] == "we\"ird\\name\n")
    }

    @Test func givesUpWhenTheMemberIsAbsentOrItsKeyIsEscaped() {
        #expect(splice(#"{"messages":[]}"#) == nil)
        #expect(splice(#"{"mod\u0065l":"a"}"#) == nil)
        #expect(splice("[1,2]") == nil)
        #expect(splice("{}") == nil)
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
}
