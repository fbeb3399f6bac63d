import KeelCore
import Testing

@testable import KeelProviders

@Suite struct MockBehaviourTests {
    @Test func readsDirectivesFromTheModelName() {
        let behaviour = MockBehaviour.parse(model: "fail-429+times-2+retry-after-3+slow-40+tag-x", headers: [:])
        #expect(behaviour.failStatus == 429)
        #expect(behaviour.failTimes == 2)
        #expect(behaviour.retryAfterSeconds == 3)
        #expect(behaviour.delayMs == 40)
        #expect(!behaviour.hang)
    }

    @Test func headersOverrideAndAdd() {
        let behaviour = MockBehaviour.parse(
            model: "echo", headers: ["x-mock-hang": "true", "x-mock-reply": "fixed", "x-mock-stream-fail-after": "2"])
        #expect(behaviour.hang)
        #expect(behaviour.replyText == "fixed")
        #expect(behaviour.streamFailAfter == 2)
    }

    @Test func failsOnlyTheFirstTimes() async throws {
        let engine = MockEngine()
        let prompt = MockPrompt(model: "fail-500+times-1", lastUserText: "hi")
        let behaviour = MockBehaviour.parse(model: prompt.model, headers: [:])
        await #expect(throws: MockEngine.Failure.self) { try await engine.respond(to: prompt, behaviour: behaviour) }
        let reply = try await engine.respond(to: prompt, behaviour: behaviour)
        #expect(reply.text == "hi")
    }

    @Test func truncatesAtMaxTokens() async throws {
        let reply = try await MockEngine().respond(to: MockPrompt(model: "echo", lastUserText: "a b c d", maxTokens: 2), behaviour: MockBehaviour())
        #expect(reply.textPieces == ["a ", "b "])
        #expect(reply.finishReason == .length)
    }

    @Test func embeddingsAreDeterministicUnitVectors() {
        let a = MockEngine.embedding(of: "alpha", dimensions: 32)
        #expect(a == MockEngine.embedding(of: "alpha", dimensions: 32))
        #expect(a != MockEngine.embedding(of: "beta", dimensions: 32))
        #expect(abs(a.reduce(0) { $0 + $1 * $1 } - 1) < 1e-9)
    }
}

@Suite struct UpstreamErrorTests {
    @Test func readsTheCommonErrorShapes() {
        let openAI = UpstreamError.from(
            status: 429, body: #"{"error":{"message":"slow down","type":"rate_limit_error","code":"rate_limit_exceeded"}}"#, retryAfter: 2)
        #expect(openAI.message == "slow down")
        #expect(openAI.upstreamType == "rate_limit_error")
        #expect(openAI.isRetryable)
        let anthropic = UpstreamError.from(
            status: 529, body: #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#, retryAfter: nil)
        #expect(anthropic.message == "Overloaded")
        #expect(anthropic.isRetryable)
        let gemini = UpstreamError.from(status: 400, body: #"{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}"#, retryAfter: nil)
        #expect(gemini.upstreamType == "INVALID_ARGUMENT")
        #expect(!gemini.isRetryable)
        let text = UpstreamError.from(status: 502, body: "Bad Gateway", retryAfter: nil)
        #expect(text.message == "Bad Gateway")
    }
}

@Suite struct OpenAIStreamEventsTests {
    @Test func eventsAreChunksUntilDoneWhateverSpacesSurroundThem() throws {
        var events = OpenAIStreamEvents()
        #expect(try events.translate(ServerSentEvent(data: "  {\"id\": \"c1\", \"choices\": []}\t")) == [["id": "c1", "choices": []]])
        #expect(try events.translate(ServerSentEvent(data: " ")) == [])
        #expect(try events.translate(ServerSentEvent(data: " [DONE] ")) == [])
        #expect(try events.translate(ServerSentEvent(data: #"{"id": "late"}"#)) == [], "nothing counts after [DONE]")
        #expect(OpenAIStreamEvents.trimmingSpaces("\t x y ") == "x y")
        #expect(OpenAIStreamEvents.trimmingSpaces("   ").isEmpty)
    }

    @Test func anEventCarryingAnErrorFailsTheStream() {
        var events = OpenAIStreamEvents()
        #expect(throws: UpstreamError.self) { try events.translate(ServerSentEvent(data: #"{"error": {"message": "overloaded", "code": 503}}"#)) }
    }
}
