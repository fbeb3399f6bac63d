import Foundation
import KeelCore
import Testing

/// Token caps per model: output clamped, input refused or pruned to its newest turns.
@Suite struct TokenCapTests {
    static func conversation(turns: Int) -> JSONObject {
        var messages: [JSONValue] = [["role": "system", "content": "You are a terse assistant for a bicycle shop."]]
        for turn in 0..<turns {
            messages.append([
                "role": "user", "content": .string("Question \(turn): " + String(repeating: "how do I adjust the rear derailleur? ", count: 3)),
            ])
            messages.append(["role": "assistant", "content": .string("Answer \(turn): turn the barrel adjuster a quarter turn at a time.")])
        }
        messages.append(["role": "user", "content": "and the front one?"])
        return ["messages": .array(messages)]
    }

    @Test func capsClampPruneAndRefuse() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - {name: short, targets: [{provider: up, model: gpt-4o-mini}], max_output_tokens: 4}
                  - {name: pruned, targets: [{provider: up, model: gpt-4o-mini}], max_input_tokens: 120, input_overflow: prune}
                  - {name: strict, targets: [{provider: up, model: gpt-4o-mini}], max_input_tokens: 120}
                """)
        defer { harness.stop() }
        let clamped = try await harness.chat("short", "one two three four five six seven eight", extra: ["max_tokens": 100])
        #expect(clamped.json?["choices"]?[0]?["message"]?["content"]?.stringValue?.trimmingCharacters(in: .whitespaces) == "one two three four")
        #expect(clamped.json?["choices"]?[0]?["finish_reason"] == "length")
        let set = try await harness.chat("short", "one two three four five six seven eight")
        let setTrace = try await harness.trace(try #require(set.headers.first(name: "x-keel-trace-id")))
        #expect(setTrace["request"]?["max_tokens"] == 4)

        let refused = try await harness.chat("strict", "", extra: Self.conversation(turns: 6))
        #expect(refused.status == 400)
        #expect(refused.json?["error"]?["code"] == "context_length_exceeded")
        #expect(refused.json?["error"]?["message"]?.stringValue?.contains("maximum input is 120 tokens") == true)

        let fitted = try await harness.chat("pruned", "", extra: Self.conversation(turns: 6))
        #expect(fitted.status == 200)
        #expect(fitted.json?["choices"]?[0]?["message"]?["content"] == "and the front one?")
        let trace = try await harness.trace(try #require(fitted.headers.first(name: "x-keel-trace-id")))
        let kept = trace["request"]?["messages"]?.arrayValue ?? []
        #expect(kept.first?["role"] == "system")
        #expect(kept.last?["content"] == "and the front one?")
        #expect(kept.count < 14 && kept.count >= 2)
        #expect(kept.dropFirst().first?["role"] == "user")
        // The provider counted the pruned input, within the cap.
        #expect((trace["prompt_tokens"]?.intValue ?? 999) <= 120)
    }
}
