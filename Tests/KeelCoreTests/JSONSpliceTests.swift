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
}
