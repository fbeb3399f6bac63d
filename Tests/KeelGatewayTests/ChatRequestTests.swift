import Foundation
import KeelCore
import KeelProviders
import NIOCore
import Testing

@testable import KeelGateway

@Suite struct ChatRequestTests {
    @Test func keepsUnknownFieldsAndReadsOwnedOnes() throws {
        let request = try ChatRequest.parse(
            Data(
                #"{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}],"x_vendor":{"a":1}}"#
                    .utf8))
        #expect(request.model == "m")
        #expect(request.stream)
        #expect(request.clientWantsStreamUsage)
        #expect(request.body["x_vendor"] == ["a": 1])
    }

    @Test func upstreamStreamsAlwaysAskForUsage() throws {
        let request = try ChatRequest.parse(Data(#"{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}"#.utf8))
        #expect(!request.clientWantsStreamUsage)
        #expect(ChatRouting.upstreamRequest(request, model: "m", headers: [:]).body["stream_options"] == ["include_usage": true])
    }

    @Test func clientBytesAreForwardedWithOnlyTheModelChanged() throws {
        let text = #"{"model":"bench", "messages":[{"role":"user","content":"x"}],"temperature":0.70}"#
        let request = try ChatRequest.parse(Data(text.utf8))
        let renamed = ChatRouting.upstreamRequest(request, model: "gpt-4o-mini", headers: [:])
        let bytes = try #require(renamed.encodedBody)
        #expect(String(buffer: bytes) == #"{"model":"gpt-4o-mini", "messages":[{"role":"user","content":"x"}],"temperature":0.70}"#)
        #expect(renamed.body["model"] == "gpt-4o-mini")
        let same = ChatRouting.upstreamRequest(request, model: "bench", headers: [:])
        #expect(same.encodedBody.map { String(buffer: $0) } == text)
    }

    @Test func theModelThatParsingKeptIsTheOneReplaced() throws {
        let text = #"{"model":"a","messages":[{"role":"user","content":"x"}],"model":"bench"}"#
        let upstream = ChatRouting.upstreamRequest(try ChatRequest.parse(Data(text.utf8)), model: "gpt-4o-mini", headers: [:])
        let bytes = try #require(upstream.encodedBody)
        #expect(String(buffer: bytes) == #"{"model":"a","messages":[{"role":"user","content":"x"}],"model":"gpt-4o-mini"}"#)
    }

    /// An escaped key may name `model` too: editing one occurrence in place could leave the
    /// provider reading the other, so the body is encoded instead.
    @Test func aBodyWithAnEscapedKeyIsEncodedForADifferentModel() throws {
        let text = #"{"model":"a","messages":[{"role":"user","content":"x"}],"mod\u0065l":"bench"}"#
        let request = try ChatRequest.parse(Data(text.utf8))
        #expect(request.model == "bench")
        #expect(request.modelValueRange == nil)
        let upstream = ChatRouting.upstreamRequest(request, model: "gpt-4o-mini", headers: [:])
        #expect(upstream.encodedBody == nil)
        #expect(upstream.body["model"] == "gpt-4o-mini")
        #expect(ChatRouting.upstreamRequest(request, model: "bench", headers: [:]).encodedBody != nil, "the same model is sent as it came")
    }

    @Test func theModelsPromptCachingSettingReachesTheProvider() throws {
        let request = try ChatRequest.parse(Data(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#.utf8))
        #expect(ChatRouting.upstreamRequest(request, model: "x", headers: [:]).promptCaching)
        #expect(!ChatRouting.upstreamRequest(request, model: "x", headers: [:], promptCaching: false).promptCaching)
    }

    @Test func aStreamWithoutUsageIsReEncodedToAskForIt() throws {
        let request = try ChatRequest.parse(Data(#"{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}"#.utf8))
        let upstream = ChatRouting.upstreamRequest(request, model: "x", headers: [:])
        #expect(upstream.encodedBody == nil)
        #expect(upstream.body["stream_options"] == ["include_usage": true])
    }

    @Test func acceptsAssistantToolCallsWithoutContent() throws {
        let body =
            #"{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}]}"#
        #expect(throws: Never.self) { try ChatRequest.parse(Data(body.utf8)) }
    }

    @Test func acceptsContentParts() throws {
        let body =
            #"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]}]}"#
        #expect(throws: Never.self) { try ChatRequest.parse(Data(body.utf8)) }
    }
}

@Suite struct StreamRelayTests {
    let relay = StreamRelay(idleTimeoutMs: 1000, clientWantsUsage: false, errors: ClientErrorMapper(secrets: []))

    @Test func dropsTheUsageOnlyChunkAndNullUsage() {
        #expect(relay.shape(["choices": [], "usage": ["total_tokens": 3]]) == nil)
        #expect(relay.shape(["choices": [["delta": ["content": "a"]]], "usage": nil]) == ["choices": [["delta": ["content": "a"]]]])
    }

    @Test func keepsUsageForAClientThatAsked() {
        let asking = StreamRelay(idleTimeoutMs: 1000, clientWantsUsage: true, errors: ClientErrorMapper(secrets: []))
        let chunk: JSONValue = ["choices": [], "usage": ["total_tokens": 3]]
        #expect(asking.shape(chunk) == chunk)
    }
}

@Suite struct ClientErrorMapperTests {
    @Test func scrubsProviderKeysFromUpstreamMessages() {
        let mapper = ClientErrorMapper(secrets: ["sk-secret-12345678"])
        let error = mapper.map(UpstreamErrorFixture.unauthorized("Incorrect API key provided: sk-secret-12345678."))
        #expect(error.status == 401)
        #expect(error.type == "authentication_error")
        #expect(!error.message.contains("sk-secret-12345678"))
    }
}

enum UpstreamErrorFixture {
    static func unauthorized(_ message: String) -> UpstreamError {
        UpstreamError.from(status: 401, body: #"{"error":{"message":"\#(message)","type":"invalid_api_key"}}"#, retryAfter: nil)
    }
}
