import KeelCore
import Testing

@testable import KeelProviders

@Suite struct AnthropicCacheBreakpointsTests {
    /// Text of about `tokens` estimated tokens.
    static func text(tokens: Int) -> String { String(repeating: "abcd", count: tokens) }

    static let tool: JSONValue = [
        "type": "function",
        "function": ["name": "lookup", "description": .string(text(tokens: 1200)), "parameters": ["type": "object"]],
    ]

    static func translated(_ messages: [JSONValue], tools: [JSONValue] = [], model: String = "claude-sonnet-4-5") throws -> AnthropicRequest {
        var body: JSONObject = ["model": .string(model), "messages": .array(messages)]
        if !tools.isEmpty { body["tools"] = .array(tools) }
        return try AnthropicRequestTranslator.translate(body, defaultMaxTokens: 1024, created: 0)
    }

    static func placed(
        _ messages: [JSONValue], tools: [JSONValue] = [], stable: Int? = nil, model: String = "claude-sonnet-4-5"
    ) throws -> JSONObject {
        var request = try translated(messages, tools: tools, model: model)
        AnthropicCacheBreakpoints(model: model).place(in: &request, stablePrefixMessages: stable)
        return request.body
    }

    static let marker: JSONValue = ["type": "ephemeral"]

    @Test func aLongSystemPromptIsMarkedAsOneBlock() throws {
        let system = Self.text(tokens: 1100)
        let body = try Self.placed([["role": "system", "content": .string(system)], ["role": "user", "content": "hi"]])
        #expect(body["system"] == [["type": "text", "text": .string(system), "cache_control": Self.marker]])
        #expect(body["messages"]?[0]?["content"]?[0]?["cache_control"] == nil)
    }

    @Test func aShortSystemPromptIsLeftAlone() throws {
        let body = try Self.placed([["role": "system", "content": .string(Self.text(tokens: 900))], ["role": "user", "content": "hi"]])
        #expect(body["system"]?.stringValue != nil)
        #expect(AnthropicCacheBreakpoints.clientBreakpoints(in: body) == 0)
    }

    @Test func longToolsAreMarkedOnTheLastTool() throws {
        let small: JSONValue = ["type": "function", "function": ["name": "now", "parameters": ["type": "object"]]]
        let body = try Self.placed([["role": "user", "content": "hi"]], tools: [small, Self.tool])
        #expect(body["tools"]?[0]?["cache_control"] == nil)
        #expect(body["tools"]?[1]?["cache_control"] == Self.marker)
    }

    @Test func theMinimumIsPerModelAndCountsTheWholePrefix() throws {
        // 3000 tokens: over Sonnet's 1024, under Haiku 4.5's 4096.
        let messages: [JSONValue] = [["role": "system", "content": .string(Self.text(tokens: 3000))], ["role": "user", "content": "hi"]]
        #expect(try Self.placed(messages, model: "claude-sonnet-4-5-20250929")["system"]?.arrayValue != nil)
        #expect(try Self.placed(messages, model: "claude-haiku-4-5-20251001")["system"]?.stringValue != nil)
        #expect(try Self.placed(messages, model: "claude-3-5-haiku-20241022")["system"]?.arrayValue != nil)
        // Tools of 1200 tokens and a system prompt of 3000: the system breakpoint's prefix is over 4096.
        let body = try Self.placed(messages, tools: [Self.tool], model: "claude-haiku-4-5")
        #expect(body["system"]?[0]?["cache_control"] == Self.marker)
        #expect(body["tools"]?[0]?["cache_control"] == nil)
    }

    @Test func minimumsByModelName() {
        #expect(AnthropicCacheMinimum.tokens(for: "claude-opus-4-5-20251101") == 4096)
        #expect(AnthropicCacheMinimum.tokens(for: "claude-opus-4-1-20250805") == 1024)
        #expect(AnthropicCacheMinimum.tokens(for: "claude-3-haiku-20240307") == 2048)
        #expect(AnthropicCacheMinimum.tokens(for: "anthropic/claude-haiku-4-5") == 4096)
        #expect(AnthropicCacheMinimum.tokens(for: "some-new-model") == AnthropicCacheMinimum.defaultTokens)
    }

    @Test func theStablePrefixEndsAfterItsLastMessage() throws {
        let messages: [JSONValue] = [
            ["role": "system", "content": "You classify tickets."],
            ["role": "user", "content": .string(Self.text(tokens: 600))],
            ["role": "assistant", "content": .string(Self.text(tokens: 600))],
            ["role": "user", "content": "the new ticket"],
        ]
        let body = try Self.placed(messages, stable: 3)
        #expect(body["messages"]?[1]?["content"]?[0]?["cache_control"] == Self.marker)
        #expect(body["messages"]?[2]?["content"]?[0]?["cache_control"] == nil)
        // The short system prompt is under the minimum on its own.
        #expect(body["system"]?.stringValue != nil)
        // Too short a prefix gets nothing.
        #expect(AnthropicCacheBreakpoints.clientBreakpoints(in: try Self.placed(messages, stable: 2)) == 0)
    }

    @Test func aStablePrefixMergedIntoTheNextTurnEndsAtItsOwnBlock() throws {
        let messages: [JSONValue] = [
            ["role": "user", "content": .string(Self.text(tokens: 1100))],
            ["role": "user", "content": "the question"],
        ]
        let body = try Self.placed(messages, stable: 1)
        let blocks = try #require(body["messages"]?[0]?["content"]?.arrayValue)
        #expect(blocks.count == 2)
        #expect(blocks[0]["cache_control"] == Self.marker)
        #expect(blocks[1]["cache_control"] == nil)
    }

    @Test func aSystemMessageAfterTheStablePrefixMakesTheSystemPromptUnstable() throws {
        let messages: [JSONValue] = [
            ["role": "system", "content": .string(Self.text(tokens: 1100))],
            ["role": "user", "content": .string(Self.text(tokens: 100))],
            ["role": "system", "content": "Today is Friday."],
            ["role": "user", "content": "hi"],
        ]
        let body = try Self.placed(messages, stable: 2)
        #expect(AnthropicCacheBreakpoints.clientBreakpoints(in: body) == 0)
    }

    @Test func everyPlaceAtOnce() throws {
        let messages: [JSONValue] = [
            ["role": "system", "content": .string(Self.text(tokens: 1100))],
            ["role": "user", "content": "example question"],
            ["role": "assistant", "content": "example answer"],
            ["role": "user", "content": "the question"],
        ]
        let body = try Self.placed(messages, tools: [Self.tool], stable: 3)
        #expect(body["tools"]?[0]?["cache_control"] == Self.marker)
        #expect(body["system"]?[0]?["cache_control"] == Self.marker)
        #expect(body["messages"]?[1]?["content"]?[0]?["cache_control"] == Self.marker)
        #expect(AnthropicCacheBreakpoints.clientBreakpoints(in: body) == 3)
    }

    @Test func theClientsBreakpointsCountTowardsFourAndAreKept() throws {
        let marked: JSONValue = ["type": "text", "text": "cached by the client", "cache_control": ["type": "ephemeral", "ttl": "1h"]]
        let messages: [JSONValue] = [
            ["role": "system", "content": .string(Self.text(tokens: 1100))],
            ["role": "user", "content": [marked, marked]],
            ["role": "assistant", "content": "example answer"],
            ["role": "user", "content": "the question"],
        ]
        // Two of the client's and three places: the two latest places win.
        let body = try Self.placed(messages, tools: [Self.tool], stable: 3)
        #expect(AnthropicCacheBreakpoints.clientBreakpoints(in: body) == 4)
        #expect(body["tools"]?[0]?["cache_control"] == nil)
        #expect(body["system"]?[0]?["cache_control"] == Self.marker)
        #expect(body["messages"]?[1]?["content"]?[0]?["cache_control"] == Self.marker)
        #expect(body["messages"]?[0]?["content"]?[0]?["cache_control"] == ["type": "ephemeral", "ttl": "1h"])

        let four: [JSONValue] = [["role": "user", "content": [marked, marked, marked, marked]]]
        let full = try Self.placed([["role": "system", "content": .string(Self.text(tokens: 1100))]] + four)
        #expect(full["system"]?.stringValue != nil)
    }

    @Test func aBlockTheClientMarkedIsNotMarkedAgain() throws {
        let marked: JSONValue = ["type": "text", "text": .string(Self.text(tokens: 1100)), "cache_control": ["type": "ephemeral", "ttl": "1h"]]
        let body = try Self.placed([["role": "system", "content": [marked]], ["role": "user", "content": "hi"]], stable: 1)
        #expect(body["system"] == [marked])
        #expect(AnthropicCacheBreakpoints.clientBreakpoints(in: body) == 1)
    }
}
