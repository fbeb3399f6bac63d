import KeelCore
import Testing

@testable import KeelProviders

@Suite struct GeminiTranslationTests {
    static let fixtures = GoldenFixture.all(in: "gemini")

    static func context(_ fixture: GoldenFixture) -> GeminiContext {
        GeminiContext(
            model: fixture.option("model")?.stringValue ?? "", includeUsage: fixture.option("include_usage")?.boolValue ?? false,
            created: fixture.option("created")?.intValue ?? 0, id: fixture.option("id")?.stringValue ?? "")
    }

    @Test func fixturesArePresent() {
        #expect(GoldenFixture.unparsable(in: "gemini").isEmpty, "fixtures that are not JSON: \(GoldenFixture.unparsable(in: "gemini"))")
        #expect(Self.fixtures.count >= 25)
    }

    @Test(arguments: fixtures.filter { $0.kind == "request" })
    func request(_ fixture: GoldenFixture) throws {
        let body = try #require(fixture.input.objectValue)
        do {
            let translated = try GeminiRequestTranslator.translate(
                body, created: fixture.option("created")?.intValue ?? 0, id: fixture.option("id")?.stringValue ?? "")
            let expected = try #require(fixture.expected, "\(fixture.name): expected an error")
            expectSameJSON(.object(translated.body), expected, fixture)
            #expect(translated.context.model == body["model"]?.stringValue)
        } catch let error as KeelError {
            let param = try #require(fixture.expectedError?["param"]?.stringValue, "\(fixture.name): unexpected error \(error)")
            #expect(error.param == param, "\(fixture.name)")
        }
    }

    @Test(arguments: fixtures.filter { $0.kind == "response" })
    func response(_ fixture: GoldenFixture) throws {
        let translated = try GeminiResponseTranslator.translate(fixture.input, context: Self.context(fixture))
        expectSameJSON(translated, try #require(fixture.expected), fixture)
    }

    @Test(arguments: fixtures.filter { $0.kind == "stream" })
    func stream(_ fixture: GoldenFixture) throws {
        var translator = GeminiStreamTranslator(context: Self.context(fixture))
        var chunks: [JSONValue] = []
        var failure: UpstreamError?
        for data in fixture.input.arrayValue ?? [] {
            do {
                chunks += try translator.translate(ServerSentEvent(data: data.stringValue ?? ""))
            } catch {
                failure = error
                break
            }
        }
        if failure == nil { chunks += translator.finish() }
        expectSameJSON(.array(chunks), try #require(fixture.expected), fixture)
        #expect(failure?.status == fixture.expectedError?["status"]?.intValue)
        #expect(failure?.message == fixture.expectedError?["message"]?.stringValue)
    }

    @Test(arguments: fixtures.filter { $0.kind.hasPrefix("embeddings") })
    func embeddings(_ fixture: GoldenFixture) throws {
        if fixture.kind == "embeddings_request" {
            do {
                let body = try GeminiEmbeddingsTranslator.request(try #require(fixture.input.objectValue))
                expectSameJSON(.object(body), try #require(fixture.expected, "\(fixture.name): expected an error"), fixture)
            } catch let error as KeelError {
                #expect(error.param == fixture.expectedError?["param"]?.stringValue)
            }
        } else {
            let translated = try GeminiEmbeddingsTranslator.response(fixture.input, model: fixture.option("model")?.stringValue ?? "")
            expectSameJSON(translated, try #require(fixture.expected), fixture)
        }
    }
}

@Suite struct GeminiMockCodecTests {
    let context = GeminiContext(model: "g", includeUsage: true, created: 3, id: "c")

    @Test func readsAGenerateContentRequest() throws {
        let prompt = try GeminiMockCodec.prompt(
            from: [
                "contents": [["role": "user", "parts": [["text": "hello"], ["text": "you"]]]],
                "tools": [["functionDeclarations": [["name": "f", "parametersJsonSchema": ["type": "object"]]]]],
                "toolConfig": ["functionCallingConfig": ["mode": "NONE"]], "generationConfig": ["maxOutputTokens": 9],
            ], model: "gemini-x", stream: true)
        #expect(prompt.lastUserText == "hello you")
        #expect(prompt.toolsDisabled)
        #expect(prompt.maxTokens == 9)
        #expect(prompt.tools.map(\.name) == ["f"])
        #expect(prompt.stream)
    }

    @Test func rejectsARequestWithoutContents() {
        #expect(throws: KeelError.self) { try GeminiMockCodec.prompt(from: [:], model: "g", stream: false) }
    }

    @Test func repliesRoundTripToOpenAI() throws {
        let call = MockReply.ToolCall(id: "x", name: "f", arguments: ["a": "b"])
        let text = MockReply(
            id: "chatcmpl-1", model: "g", created: 3, textPieces: ["one ", "two"], finishReason: .stop, promptTokens: 2, completionTokens: 2)
        let tool = MockReply(
            id: "chatcmpl-2", model: "g", created: 3, textPieces: [], toolCalls: [call], finishReason: .toolCalls, promptTokens: 2,
            completionTokens: 1)

        let completion = try GeminiResponseTranslator.translate(GeminiMockCodec.response(from: text), context: context)
        #expect(completion["choices"]?[0]?["message"]?["content"] == "one two")
        let toolCompletion = try GeminiResponseTranslator.translate(GeminiMockCodec.response(from: tool), context: context)
        #expect(toolCompletion["choices"]?[0]?["message"]?["tool_calls"]?[0]?["function"]?["arguments"] == #"{"a":"b"}"#)
        #expect(toolCompletion["choices"]?[0]?["finish_reason"] == "tool_calls")

        var translator = GeminiStreamTranslator(context: context)
        var chunks = try GeminiMockCodec.events(from: text).flatMap { event throws(UpstreamError) in try translator.translate(event) }
        chunks += translator.finish()
        #expect(chunks.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined() == "one two")
        #expect(chunks.last?["usage"]?["total_tokens"] == 4)
    }
}
