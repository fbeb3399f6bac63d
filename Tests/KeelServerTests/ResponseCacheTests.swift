import Foundation
import KeelCore
import Testing

/// The response cache: a repeated request is served from it (also as a stream, and after a
/// restart), with the saving on the trace; `Cache-Control` bypasses it.
@Suite struct ResponseCacheTests {
    static let models = """
          - {name: cached, targets: [{provider: up, model: gpt-4o-mini}], cache: {ttl_s: 600}}
          - {name: plain, targets: [{provider: up, model: gpt-4o-mini}]}
        """

    @Test func aRepeatedRequestIsServedFromTheCacheWithItsSavingEvenAfterARestart() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let first = try await harness.chat("cached", "what is the capital of Peru?")
        #expect(first.status == 200)
        #expect(first.headers.first(name: "x-keel-cache") == "miss")
        let second = try await harness.chat("cached", "what is the capital of Peru?", extra: ["user": "someone-else"])
        #expect(second.headers.first(name: "x-keel-cache") == "hit")
        #expect(second.json?["choices"] == first.json?["choices"])
        #expect(try await harness.mockStats()["requests"] == 1)
        let firstTrace = try await harness.trace(try #require(first.headers.first(name: "x-keel-trace-id")))
        let hitTrace = try await harness.trace(try #require(second.headers.first(name: "x-keel-trace-id")))
        #expect(hitTrace["cache"] == "hit" && hitTrace["cost_usd"] == 0)
        let saved = try #require(hitTrace["saved_usd"]?.doubleValue)
        #expect(saved > 0 && saved == firstTrace["cost_usd"]?.doubleValue)

        // The same request streamed is replayed as a stream.
        let (stream, events) = try await harness.streamChat("cached", "what is the capital of Peru?")
        #expect(stream.headers.first(name: "x-keel-cache") == "hit")
        let text = events.compactMap { try? JSONValue.parse($0)["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined()
        #expect(text == first.json?["choices"]?[0]?["message"]?["content"]?.stringValue)
        #expect(events.last == "[DONE]")

        // A different parameter, no-cache, and an uncached model all reach the provider.
        #expect(
            try await harness.chat("cached", "what is the capital of Peru?", extra: ["temperature": 0.2]).headers.first(name: "x-keel-cache")
                == "miss")
        #expect(
            try await harness.chat("cached", "what is the capital of Peru?", headers: ["cache-control": "no-cache"]).headers.first(
                name: "x-keel-cache") == "miss")
        #expect(try await harness.chat("plain", "what is the capital of Peru?").headers.first(name: "x-keel-cache") == nil)
        #expect(try await harness.mockStats()["requests"] == 4)

        // A streamed miss is cached too, and the store keeps answers across a restart.
        let (_, streamed) = try await harness.streamChat("cached", "name three rivers")
        #expect(!streamed.isEmpty)
        try await harness.restartGateway()
        let afterRestart = try await harness.chat("cached", "name three rivers")
        #expect(afterRestart.headers.first(name: "x-keel-cache") == "hit")
        #expect(afterRestart.json?["choices"]?[0]?["message"]?["content"] == "name three rivers")
        #expect(try await harness.chat("cached", "what is the capital of Peru?").headers.first(name: "x-keel-cache") == "hit")
    }
}

@Suite struct SemanticCacheTests {
    @Test func aRequestThatMeansTheSameIsServedFromTheCacheInItsScope() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - {name: embed, targets: [{provider: up, model: text-embedding-3-small}]}
                  - {name: faq, targets: [{provider: up, model: gpt-4o-mini}], cache: {ttl_s: 600, semantic: {embedding_model: embed, threshold: 0.9}}}
                """)
        defer { harness.stop() }
        let first = try await harness.chat("faq", "What is the capital city of France?")
        #expect(first.headers.first(name: "x-keel-cache") == "miss")
        let similar = try await harness.chat("faq", "what is the capital city of france")
        #expect(similar.headers.first(name: "x-keel-cache") == "hit")
        #expect(similar.json?["choices"]?[0]?["message"]?["content"] == first.json?["choices"]?[0]?["message"]?["content"])
        let trace = try await harness.trace(try #require(similar.headers.first(name: "x-keel-trace-id")))
        #expect((trace["routing"]?["semantic_cache"]?["similarity"]?.doubleValue ?? 0) >= 0.9)
        #expect((trace["saved_usd"]?.doubleValue ?? 0) > 0)

        let other = try await harness.chat("faq", "How do I reset my router password?")
        #expect(other.headers.first(name: "x-keel-cache") == "miss")
        // The same question under another system prompt is another scope.
        let system: JSONObject = [
            "messages": [["role": "system", "content": "Answer in French."], ["role": "user", "content": "What is the capital city of France?"]]
        ]
        #expect(try await harness.chat("faq", "", extra: system).headers.first(name: "x-keel-cache") == "miss")
    }
}
