import KeelCore
import Testing

@testable import KeelProviders

@Suite struct AnthropicTranslationTests {
    static let fixtures = GoldenFixture.all(in: "anthropic")

    @Test func fixturesArePresent() {
        #expect(GoldenFixture.unparsable(in: "anthropic").isEmpty, "fixtures that are not JSON: \(GoldenFixture.unparsable(in: "anthropic"))")
        #expect(Self.fixtures.count >= 25)
        #expect(Set(Self.fixtures.map(\.kind)) == ["request", "response", "stream"])
    }

    @Test(arguments: fixtures.filter { $0.kind == "request" })
    func request(_ fixture: GoldenFixture) throws {
        let body = try #require(fixture.input.objectValue)
        do {
            var translated = try AnthropicRequestTranslator.translate(
                body, defaultMaxTokens: fixture.option("default_max_tokens")?.intValue ?? 4096, created: fixture.option("created")?.intValue ?? 0)
            if let minimum = fixture.option("cache_minimum_tokens")?.intValue {
                AnthropicCacheBreakpoints(minimumTokens: minimum)
                    .place(in: &translated, stablePrefixMessages: fixture.option("stable_prefix_messages")?.intValue)
            }
            guard let expected = fixture.expected else {
                Issue.record("\(fixture.name): expected an error, got \(JSONValue.object(translated.body).canonicalString())")
                return
            }
            expectSameJSON(.object(translated.body), expected, fixture)
            if let context = fixture.json["expected_context"] {
                #expect(translated.context.includeUsage == context["include_usage"]?.boolValue)
                #expect(translated.context.jsonResponseTool == context["json_response_tool"]?.stringValue)
            }
        } catch {
            let param = try #require(fixture.expectedError?["param"]?.stringValue, "\(fixture.name): unexpected error \(error)")
            #expect(error.param == param, "\(fixture.name)")
            #expect(error.status == 400)
        }
    }

    @Test(arguments: fixtures.filter { $0.kind == "response" })
    func response(_ fixture: GoldenFixture) throws {
        let context = AnthropicContext(
            jsonResponseTool: fixture.option("json_response_tool")?.stringValue, created: fixture.option("created")?.intValue ?? 0)
        let translated = try AnthropicResponseTranslator.translate(fixture.input, context: context)
        expectSameJSON(translated, try #require(fixture.expected), fixture)
    }

    @Test(arguments: fixtures.filter { $0.kind == "stream" })
    func stream(_ fixture: GoldenFixture) throws {
        let context = AnthropicContext(
            jsonResponseTool: fixture.option("json_response_tool")?.stringValue,
            includeUsage: fixture.option("include_usage")?.boolValue ?? false, created: fixture.option("created")?.intValue ?? 0)
        var translator = AnthropicStreamTranslator(context: context)
        var chunks: [JSONValue] = []
        var failure: UpstreamError?
        for event in fixture.input.arrayValue ?? [] {
            do {
                chunks += try translator.translate(ServerSentEvent(event: event["event"]?.stringValue, data: event["data"]?.stringValue ?? ""))
            } catch {
                failure = error
                break
            }
        }
        expectSameJSON(.array(chunks), try #require(fixture.expected), fixture)
        if let expectedError = fixture.expectedError {
            #expect(failure?.status == expectedError["status"]?.intValue)
            #expect(failure?.message == expectedError["message"]?.stringValue)
        } else {
            #expect(failure == nil)
        }
    }
}

@Suite struct AnthropicMockCodecTests {
    let context = AnthropicContext(includeUsage: true, created: 9)

    @Test func readsAMessagesRequest() throws {
        let prompt = try AnthropicMockCodec.prompt(from: [
            "model": "claude-x", "max_tokens": 50, "stream": true, "system": "be nice",
            "messages": [["role": "user", "content": [["type": "text", "text": "hi"], ["type": "text", "text": "there"]]]],
            "tools": [["name": "f", "input_schema": ["type": "object"]]], "tool_choice": ["type": "tool", "name": "f"],
        ])
        #expect(prompt.model == "claude-x")
        #expect(prompt.lastUserText == "hi there")
        #expect(prompt.maxTokens == 50)
        #expect(prompt.stream)
        #expect(prompt.forcedTool == "f")
        #expect(prompt.tools.map(\.name) == ["f"])
    }

    @Test func rejectsARequestWithoutMaxTokens() {
        #expect(throws: KeelError.self) { try AnthropicMockCodec.prompt(from: ["model": "m", "messages": []]) }
    }

    @Test func textReplyRoundTripsToOpenAI() throws {
        let reply = MockReply(
            id: "chatcmpl-abc", model: "claude-x", created: 9, textPieces: ["a ", "b"], finishReason: .stop, promptTokens: 4, completionTokens: 2)
        let completion = try AnthropicResponseTranslator.translate(AnthropicMockCodec.message(from: reply), context: context)
        #expect(completion["choices"]?[0]?["message"]?["content"] == "a b")
        #expect(completion["choices"]?[0]?["finish_reason"] == "stop")
        #expect(completion["usage"]?["total_tokens"] == 6)

        var translator = AnthropicStreamTranslator(context: context)
        let chunks = try AnthropicMockCodec.events(from: reply).flatMap { event throws(UpstreamError) in try translator.translate(event) }
        #expect(chunks.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined() == "a b")
        #expect(chunks.last?["usage"]?["completion_tokens"] == 2)
    }

    @Test func toolReplyRoundTripsToOpenAI() throws {
        let call = MockReply.ToolCall(id: "toolu_1", name: "f", arguments: ["x": 1])
        let reply = MockReply(
            id: "chatcmpl-t", model: "m", created: 9, textPieces: [], toolCalls: [call], finishReason: .toolCalls, promptTokens: 1,
            completionTokens: 1)
        let completion = try AnthropicResponseTranslator.translate(AnthropicMockCodec.message(from: reply), context: context)
        #expect(completion["choices"]?[0]?["message"]?["tool_calls"]?[0]?["function"]?["arguments"] == #"{"x":1}"#)
        var translator = AnthropicStreamTranslator(context: context)
        let chunks = try AnthropicMockCodec.events(from: reply).flatMap { event throws(UpstreamError) in try translator.translate(event) }
        let arguments = chunks.compactMap { $0["choices"]?[0]?["delta"]?["tool_calls"]?[0]?["function"]?["arguments"]?.stringValue }.joined()
        #expect(arguments == #"{"x":1}"#)
        #expect(chunks.contains { $0["choices"]?[0]?["finish_reason"] == "tool_calls" })
    }
}
