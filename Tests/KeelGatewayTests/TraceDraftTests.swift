import Foundation
import KeelCore
import Testing

@testable import KeelGateway

/// The stored request is the client's own bytes while Keel has changed nothing, and is
/// encoded again once anything changed or when the bytes hide characters behind escapes.
@Suite struct TraceDraftTests {
    static func draft(_ raw: String) throws -> TraceDraft {
        var draft = TraceDraft(
            id: TraceID.generate(), operation: "chat", startedAt: Date(), start: .now, rawBody: Data(raw.utf8), headers: [:])
        draft.parsed(try #require(JSONValue.parse(raw).objectValue))
        return draft
    }

    @Test func anUntouchedRequestIsStoredAsTheClientSentIt() throws {
        let raw = #"{"model": "m",  "messages":[{"role":"user","content":"line one\nline two"}]}"#
        let stored = try #require(try Self.draft(raw).storableBody)
        #expect(stored.text == raw && !stored.isCall)
    }

    @Test func aChangedRequestIsEncodedAgain() throws {
        var draft = try Self.draft(#"{"model":"router","messages":[{"role":"user","content":"hi"}]}"#)
        draft.body?["model"] = "chosen"
        #expect(draft.storableBody == nil)
    }

    @Test(arguments: [#"caf\u00e9"#, #"a\/b"#])
    func needlessEscapesAreEncodedAgainForTextSearch(content: String) throws {
        let draft = try Self.draft(#"{"model":"m","messages":[{"role":"user","content":"\#(content)"}]}"#)
        #expect(draft.storableBody == nil)
    }

    /// Escapes found past the first backslash: an escaped backslash is skipped whole, so the
    /// `u` or `/` after it is a character, not an escape.
    @Test(arguments: [
        (#"plain text"#, false), (#"line\nbreak"#, false), (#"a\\u00e9"#, false), (#"a\\/b"#, false),
        (#"\\\u00e9"#, true), (#"ok\n then \/"#, true), (#"ends with \"#, false), ("", false), (#"\\\\\\\\"#, false),
    ])
    func findsNeedlessEscapes(text: String, needless: Bool) {
        #expect(TraceDraft.escapesNeedlessly(Data(text.utf8)) == needless)
    }

    @Test func aBodyThatNeverParsedIsNotStoredRaw() {
        let draft = TraceDraft(
            id: TraceID.generate(), operation: "chat", startedAt: Date(), start: .now, rawBody: Data("{oops".utf8), headers: [:])
        #expect(draft.storableBody == nil)
    }
}
