import Foundation
import KeelCore
import KeelPrompts
import KeelProviders
import NIOCore
import Synchronization
import Testing

@testable import KeelGateway

/// A call by reference is sent upstream, and stored, as bytes written from the client's own:
/// whatever the client's bytes look like, they must say exactly what the rendered body says.
@Suite struct RenderedRequestBytesTests {
    static let yaml = """
        name: support-reply
        model: smart
        params: {temperature: 0.2, max_tokens: 300, seed: 7}
        variables: {product: string, question: string}
        messages:
          - {role: system, content: "You answer questions about {{product}}. Be brief."}
          - {role: user, content: "{{question}}"}
        """

    static func catalog() throws -> PromptCatalog {
        let definition = try PromptDefinition.parse(yaml: yaml, file: "support-reply.yaml")
        return PromptCatalog(
            versions: [
                PromptVersion(
                    name: "support-reply", version: 1, definition: definition, source: yaml, hash: definition.contentHash, author: "test",
                    commitMessage: nil, createdAt: Date())
            ],
            labels: ["support-reply": ["production": 1]])
    }

    static func rendered(_ body: String) throws -> ChatRequest {
        let catalog = try catalog()
        var request = try ChatRequest.parse(Data(body.utf8))
        var draft = TraceDraft(id: TraceID.generate(), operation: "chat", startedAt: Date(), start: .now, rawBody: Data(body.utf8), headers: [:])
        _ = try PromptStage.apply(
            to: &request, draft: &draft, from: catalog, faults: PromptRenderingFaults(catalog), rollouts: RolloutBoard(), headers: [:],
            forcedVersion: nil)
        return request
    }

    static let reference = #"{"id":"support-reply","variables":{"product":"Keel","question":"Why?"}}"#

    @Test(arguments: [
        #"{"model":"x","prompt":\#(reference),"messages":[]}"#,
        #"{"prompt":\#(reference)}"#,
        #"{ "messages" : [ {"role":"user","content":"and then?"} ] , "prompt" : \#(reference) , "temperature" : 0.9 }"#,
        #"{"prompt":\#(reference),"messages":null,"max_tokens":null}"#,
        #"{"messages":[{"role":"user","content":"first"}],"prompt":\#(reference),"messages":[{"role":"user","content":"second"}],"model":"a","model":"b"}"#,
        #"{"metadata":{"model":"inner","prompt":"kept","messages":[]},"prompt":\#(reference),"user":"u-1","x_vendor":[1,{"a":"]"}]}"#,
        #"{"prompt":{"id":"support-reply","variables":{"product":"K\u00e9el \"quoted\"\n","question":"{\"json\": true}"}},"stream":false}"#,
        #"{"stream":true,"stream_options":{"include_usage":true},"prompt":\#(reference),"messages":[{"role":"assistant","content":"Hi"}]}"#,
    ])
    func theBytesSayWhatTheRenderedBodySays(body: String) throws {
        let request = try Self.rendered(body)
        #expect(!request.bodyEdited)
        #expect(!request.deferredBody.isMade, "no stage read the body: it is not rendered")
        let modelValue = try #require(request.modelValueRange)
        #expect(String(decoding: request.rawBody[modelValue], as: UTF8.self) == #""smart""#)
        #expect(try JSONValue.parse(request.rawBody) == .object(request.body), "\(String(decoding: request.rawBody, as: UTF8.self))")
        #expect(request.body["prompt"] == nil)
        #expect(request.body["model"] == "smart")
    }

    @Test func theVersionsMessagesComeFirstAndTheClientsParametersWin() throws {
        let request = try Self.rendered(#"{"prompt":\#(Self.reference),"messages":[{"role":"user","content":"more"}],"temperature":0.9}"#)
        let sent = try JSONValue.parse(request.rawBody)
        #expect(
            sent["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue } == ["You answer questions about Keel. Be brief.", "Why?", "more"])
        #expect(sent["temperature"] == 0.9)
        #expect(sent["max_tokens"] == 300)
        #expect(sent["seed"] == 7)
    }

    @Test func anAdapterForwardingTheBytesNeverRendersTheBody() throws {
        let request = try Self.rendered(
            #"{"prompt":\#(Self.reference),"messages":[{"role":"user","content":"more"}],"stream":true,"stream_options":{"include_usage":true}}"#)
        let upstream = ChatRouting.upstreamRequest(request, model: "gpt-4o-mini", headers: [:])
        let bytes = try #require(upstream.encodedBody)
        #expect(try JSONValue.parse(Data(bytes.readableBytesView))["model"] == "gpt-4o-mini")
        #expect(upstream.isStream && upstream.upstreamModel == "gpt-4o-mini")
        #expect(!request.deferredBody.isMade)
        // An adapter that translates the body reads it rendered, with the target's edits.
        let body = upstream.body
        #expect(body["model"] == "gpt-4o-mini" && body["prompt"] == nil && body["messages"]?.arrayValue?.count == 3)
        #expect(body["stream_options"] == ["include_usage": true])
        #expect(request.deferredBody.isMade)
        #expect(request.body["model"] == "smart", "the request's own body keeps the pinned model")
    }

    @Test func aKeyWrittenWithEscapesIsEncodedInstead() throws {
        // The parser reads "pro\u006dpt" as "prompt": bytes edited by name would still carry it.
        let request = try Self.rendered(#"{"pro\u006dpt":\#(Self.reference),"messages":[]}"#)
        #expect(request.bodyEdited)
        let upstream = ChatRouting.upstreamRequest(request, model: "gpt-4o-mini", headers: [:])
        #expect(upstream.encodedBody == nil)
        #expect(upstream.body["prompt"] == nil)
    }

    /// The trace stores the call as the client made it; read with the catalog, it is the
    /// request the provider was sent.
    @Test func theTraceStoresTheCallAndReadsBackTheBytesTheProviderWasSent() async throws {
        let config = try ConfigLoader.parse(
            yaml: """
                providers:
                  - {name: local, kind: mock}
                models:
                  - {name: smart, targets: [{provider: local, model: echo}]}
                """)
        let sink = TraceCapture()
        let provider = BodyRecorder()
        let gateway = Gateway(config: config, providers: ["local": provider], traces: sink)
        gateway.install(prompts: try Self.catalog())
        let body = #"{"model":"any","prompt":\#(Self.reference),"messages":[{"role":"user","content":"more"}]}"#
        _ = try await gateway.chatCompletion(IncomingRequest(body: Data(body.utf8), headers: [:]))
        let trace = try #require(sink.all.first)
        let sent = try #require(provider.bodies.withLock { $0.first })
        #expect(trace.requestIsCall && trace.requestJSON == body)
        // The same request, but for the target's own name for the model.
        var expected = try #require(try JSONValue.parse(sent).objectValue)
        #expect(expected["messages"]?.arrayValue?.count == 3)
        expected["model"] = "smart"
        #expect(trace.droppingParsedRequest().withSentRequest(from: try Self.catalog()).request == .object(expected))
        #expect(trace.prompt?.name == "support-reply")
    }
}

/// What the trace records of a call by reference's body (user, metadata) is read without
/// rendering the body: it must be what the rendered body says, whether the client set the
/// member, set it to null, or left it to the version's parameters.
@Suite struct TracedMembersOfACallByReferenceTests {
    /// The version's parameters set both members, or neither (read then from the client alone).
    static let params = ["{user: from-prompt, metadata: {team: support}, temperature: 0.2}", "{temperature: 0.2}"]

    static func yaml(params: String) -> String {
        """
        name: tagged
        model: smart
        params: \(params)
        messages:
          - {role: system, content: "Be brief."}
        """
    }

    @Test(
        arguments: [
            #"{"prompt":{"id":"tagged"},"messages":[{"role":"user","content":"hi"}]}"#,
            #"{"prompt":{"id":"tagged"},"messages":[],"user":"u-1","metadata":{"team":"sales"}}"#,
            #"{"prompt":{"id":"tagged"},"messages":[],"user":null,"metadata":null}"#,
            #"{"prompt":{"id":"tagged"},"messages":[],"metadata":{"a":1}}"#,
        ], [true, false])
    func areWhatTheRenderedBodySays(_ body: String, afterTheParseWasTraced: Bool) throws {
        for params in Self.params { try check(body, afterTheParseWasTraced: afterTheParseWasTraced, params: params) }
    }

    private func check(_ body: String, afterTheParseWasTraced: Bool, params: String) throws {
        let yaml = Self.yaml(params: params)
        let definition = try PromptDefinition.parse(yaml: yaml, file: "tagged.yaml")
        let catalog = PromptCatalog(
            versions: [
                PromptVersion(
                    name: "tagged", version: 1, definition: definition, source: yaml, hash: definition.contentHash, author: "test",
                    commitMessage: nil, createdAt: Date())
            ],
            labels: ["tagged": ["production": 1]])
        var request = try ChatRequest.parse(Data(body.utf8))
        var draft = TraceDraft(id: TraceID.generate(), operation: "chat", startedAt: Date(), start: .now, rawBody: Data(body.utf8), headers: [:])
        if afterTheParseWasTraced { draft.parsed(request.body) }
        _ = try PromptStage.apply(
            to: &request, draft: &draft, from: catalog, faults: PromptRenderingFaults(catalog), rollouts: RolloutBoard(), headers: [:],
            forcedVersion: nil)
        let traced = try #require(draft.members)
        #expect(!request.deferredBody.isMade, "the trace's members are read without rendering the body")
        let rendered = request.deferredBody.value
        #expect(traced.user == rendered["user"]?.stringValue)
        #expect(traced.metadata == rendered["metadata"])
        #expect(traced.model == "smart")
    }
}

/// The mock provider, keeping the bytes of each body it is sent.
private final class BodyRecorder: ModelProvider {
    let bodies = Mutex<[String]>([])
    private let mock = MockProvider(name: "local")
    var name: String { mock.name }
    var kind: ProviderKind { mock.kind }

    func chatCompletion(_ request: UpstreamRequest) async throws -> ChatResult {
        bodies.withLock { $0.append(request.encodedBody.map { String(buffer: $0) } ?? "not sent as bytes") }
        return try await mock.chatCompletion(request)
    }

    func embeddings(_ request: UpstreamRequest) async throws -> JSONValue {
        try await mock.embeddings(request)
    }
}
