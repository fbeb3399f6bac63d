import KeelCore
import Testing

@testable import KeelEvals

@Suite struct StructuredAssertionTests {
    static let schema: JSONValue = [
        "type": "object", "properties": ["id": ["type": "integer"]], "required": ["id"],
    ]

    @Test func isJSON() async {
        #expect(await check(EvalAssertion(.isJSON), #"  {"id": 1} "#).status == .pass)
        #expect(await check(EvalAssertion(.isJSON), #"Here: {"id": 1}"#).status == .fail)
        #expect(await check(EvalAssertion(.isJSON, negated: true), "plain text").status == .pass)
        #expect(await check(EvalAssertion(.isJSON, negated: true), "[1, 2]").status == .fail)
    }

    @Test func isJSONWithASchema() async {
        #expect(await check(EvalAssertion(.isJSON, value: Self.schema), #"{"id": 7}"#).status == .pass)
        let wrong = await check(EvalAssertion(.isJSON, value: Self.schema), #"{"id": "7"}"#)
        #expect(wrong.status == .fail)
        #expect(wrong.reason.contains("schema"))
        #expect(await check(EvalAssertion(.isJSON, negated: true, value: Self.schema), #"{"name": "x"}"#).status == .pass)
    }

    @Test func anInvalidSchemaIsAnError() async {
        let verdict = await check(EvalAssertion(.isJSON, negated: true, value: ["type": 5]), "{}")
        #expect(verdict.status == .error)
    }

    @Test func containsJSON() async {
        let text = #"Sure, here it is: {"id": 3, "note": "a } brace"} and done."#
        #expect(await check(EvalAssertion(.containsJSON), text).status == .pass)
        #expect(await check(EvalAssertion(.containsJSON, value: Self.schema), text).status == .pass)
        #expect(await check(EvalAssertion(.containsJSON), "no json {here").status == .fail)
        #expect(await check(EvalAssertion(.containsJSON, negated: true), "no json {here").status == .pass)
        let second = #"first {"x": 1} then {"id": 2}"#
        #expect(await check(EvalAssertion(.containsJSON, value: Self.schema), second).status == .pass)
        #expect(await check(EvalAssertion(.containsJSON, value: Self.schema), #"only {"x": 1}"#).status == .fail)
    }

    static let calls = EvalOutput(
        text: "", toolCalls: [EvalToolCall(name: "get_weather", arguments: #"{"city": "Paris", "unit": "C", "days": 3.0}"#)],
        finishReason: "tool_calls")

    @Test func toolCallByName() async {
        #expect(await check(EvalAssertion(.toolCall, value: "get_weather"), Self.calls).status == .pass)
        #expect(await check(EvalAssertion(.toolCall, value: "get_time"), Self.calls).status == .fail)
        #expect(await check(EvalAssertion(.toolCall), Self.calls).status == .pass)
        #expect(await check(EvalAssertion(.toolCall), EvalOutput(text: "hi")).status == .fail)
        #expect(await check(EvalAssertion(.toolCall, negated: true), EvalOutput(text: "hi")).status == .pass)
    }

    @Test func toolCallArgumentsBySubset() async {
        let subset: JSONValue = ["name": "get_weather", "arguments": ["city": "Paris", "days": 3]]
        #expect(await check(EvalAssertion(.toolCall, value: subset), Self.calls).status == .pass)
        let other: JSONValue = ["name": "get_weather", "arguments": ["city": "Rome"]]
        #expect(await check(EvalAssertion(.toolCall, value: other), Self.calls).status == .fail)
        #expect(await check(EvalAssertion(.toolCall, negated: true, value: other), Self.calls).status == .pass)
        let extra: JSONValue = ["name": "get_weather", "arguments": ["city": "Paris", "country": "FR"]]
        #expect(await check(EvalAssertion(.toolCall, value: extra), Self.calls).status == .fail)
        let rendered: JSONValue = ["name": "get_weather", "arguments": ["city": "{{city}}"]]
        #expect(await check(EvalAssertion(.toolCall, value: rendered), Self.calls, vars: ["city": "Paris"]).status == .pass)
    }

    @Test func finishReason() async {
        #expect(await check(EvalAssertion(.finishReason, value: "tool_calls"), Self.calls).status == .pass)
        #expect(await check(EvalAssertion(.finishReason, value: "stop"), Self.calls).status == .fail)
        #expect(await check(EvalAssertion(.finishReason, negated: true, value: "length"), Self.calls).status == .pass)
        #expect(await check(EvalAssertion(.finishReason, value: "stop"), EvalOutput(text: "", finishReason: "end_turn")).status == .pass)
    }

    @Test func costAndLatency() async {
        let output = EvalOutput(text: "x", costUSD: 0.002, latencyMs: 1200)
        #expect(await check(EvalAssertion(.cost, threshold: 0.01), output).status == .pass)
        #expect(await check(EvalAssertion(.cost, threshold: 0.001), output).status == .fail)
        #expect(await check(EvalAssertion(.cost, negated: true, threshold: 0.001), output).status == .pass)
        #expect(await check(EvalAssertion(.latency, threshold: 5000), output).status == .pass)
        #expect(await check(EvalAssertion(.latency, threshold: 1000), output).status == .fail)
        #expect(await check(EvalAssertion(.latency, negated: true, threshold: 1000), output).status == .pass)
    }

    @Test func anUnknownCostIsAnErrorEvenNegated() async {
        #expect(await check(EvalAssertion(.cost, threshold: 1), EvalOutput(text: "x")).status == .error)
        #expect(await check(EvalAssertion(.cost, negated: true, threshold: 1), EvalOutput(text: "x")).status == .error)
    }

    @Test func isRefusal() async {
        #expect(await check(EvalAssertion(.isRefusal), "I'm sorry, but I can't help with that.").status == .pass)
        #expect(await check(EvalAssertion(.isRefusal), "Revoke the old key, then create a new one.").status == .fail)
        #expect(await check(EvalAssertion(.isRefusal, negated: true), "Revoke the old key, then create a new one.").status == .pass)
        #expect(await check(EvalAssertion(.isRefusal, negated: true), "I cannot assist with that.").status == .fail)
    }
}
