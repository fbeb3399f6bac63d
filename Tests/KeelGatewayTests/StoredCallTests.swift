import Foundation
import KeelCore
import KeelPrompts
import KeelStore
import Testing

@testable import KeelGateway

/// A call by reference is stored as the client made it, and read back as the request Keel
/// sent: the version rendered with the call again gives the very body that went upstream.
@Suite struct StoredCallTests {
    static let calls = [
        #"{"model":"asked","prompt":{"id":"support-reply","variables":{"product":"Keel"}},"messages":[{"role":"user","content":"hi"}]}"#,
        #"{"prompt":{"id":"support-reply","version":2,"variables":{"product":"K\"eel"}},"messages":[],"temperature":0.9,"stream":false}"#,
        #"{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}],"prompt":{"id":"support-reply","label":"staging","variables":{"product":"x"}},"user":"me"}"#,
    ]

    /// The stored trace of `call` served from the test catalog, as its store would read it back.
    static func storedTrace(of call: String, forcedVersion: Int? = nil) throws -> (trace: Trace, sent: JSONValue) {
        let served = try PromptVersionChoiceTests.serve(call, forcedVersion: forcedVersion)
        let stored = try #require(served.draft.storableBody)
        #expect(stored.isCall)
        #expect(stored.text == call)
        var trace = Trace(id: "t", startedAt: Date(), latencyMs: 1, model: "smart", request: try JSONValue.parse(stored.text))
        trace.prompt = try #require(served.prompt?.use)
        trace.requestIsCall = true
        return (trace, try JSONValue.parse(served.request.rawBody))
    }

    @Test(arguments: calls)
    func theRequestReadBackIsTheRequestSent(call: String) throws {
        let (trace, sent) = try Self.storedTrace(of: call)
        let read = trace.withSentRequest(from: try PromptVersionChoiceTests.catalog())
        #expect(read.request == sent)
        #expect(!read.requestIsCall && read.requestJSON == nil)
        #expect(trace.sentMessages(from: try PromptVersionChoiceTests.catalog()) == sent["messages"]?.arrayValue)
    }

    @Test func aForcedVersionIsReadBackAsTheVersionThatServed() throws {
        let (trace, sent) = try Self.storedTrace(of: Self.calls[0], forcedVersion: 2)
        #expect(trace.prompt?.version == 2)
        let read = trace.withSentRequest(from: try PromptVersionChoiceTests.catalog())
        #expect(read.request == sent)
        #expect(read.request["messages"]?[0]?["content"] == "Version 2 answers about Keel.")
    }

    @Test func aVersionTheCatalogLacksKeepsTheCallAsStored() throws {
        let (trace, _) = try Self.storedTrace(of: Self.calls[0])
        let read = trace.withSentRequest(from: .empty)
        #expect(read.requestIsCall && read.request == trace.request)
    }

    @Test func aGuardedOrEditedCallIsStoredAsTheRequestSent() throws {
        var served = try PromptVersionChoiceTests.serve(Self.calls[0])
        served.draft.storeRenderedRequest()
        let stored = try #require(served.draft.storableBody)
        #expect(!stored.isCall)
        #expect(try JSONValue.parse(stored.text) == JSONValue.parse(served.request.rawBody))
        served.draft.body?["model"] = "edited"
        #expect(served.draft.storableBody == nil)
    }
}
