import Foundation
import KeelCore
import KeelProviders
import Testing

/// Anthropic prompt caching end to end: Keel marks a long system prompt with `cache_control`,
/// `keel mock` (speaking Anthropic) caches the marked prefix, and the trace and `/api/cost`
/// show what was read from the cache and what that saved.
@Suite struct PromptCachingTests {
    static let models = """
          - {name: claude, targets: [{provider: claude, model: claude-sonnet-4-5}]}
          - {name: claude-uncached, prompt_caching: false, targets: [{provider: claude, model: claude-sonnet-4-5}]}
        """

    /// About 1500 tokens, over Claude Sonnet 4.5's minimum of 1024.
    static func systemPrompt(_ topic: String) -> String {
        String(repeating: "You answer questions about \(topic) precisely and briefly. ", count: 100)
    }

    static func body(_ model: String, system: String, question: String, stream: Bool = false) -> JSONValue {
        var body: JSONObject = [
            "model": .string(model),
            "messages": [["role": "system", "content": .string(system)], ["role": "user", "content": .string(question)]],
        ]
        if stream { body["stream"] = true }
        return .object(body)
    }

    static func traceID(_ reply: TestHTTP.Reply) throws -> String {
        try #require(reply.headers.first(name: "x-keel-trace-id"))
    }

    @Test func aRepeatedSystemPromptIsReadFromTheCacheAndTheSavingIsTraced() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let system = Self.systemPrompt("tides")
        let url = harness.v1 + "/chat/completions"

        let first = try await TestHTTP.post(url, json: Self.body("claude", system: system, question: "When is high tide?"))
        #expect(first.status == 200)
        let written = try await harness.trace(try Self.traceID(first))
        let writeTokens = try #require(written["cache_write_tokens"]?.intValue)
        #expect(writeTokens > 1024)
        #expect(written["cached_tokens"] == 0)
        // Claude Sonnet 4.5: a cache write costs $3.75 per million against $3 uncached.
        let writeSavings = try #require(written["cache_savings_usd"]?.doubleValue)
        #expect(abs(writeSavings + Double(writeTokens) * 0.75 / 1_000_000) < 1e-12)

        let second = try await TestHTTP.post(url, json: Self.body("claude", system: system, question: "And low tide?"))
        let read = try await harness.trace(try Self.traceID(second))
        #expect(read["cached_tokens"]?.intValue == writeTokens)
        #expect(read["cache_write_tokens"] == .null)
        #expect((read["prompt_tokens"]?.intValue ?? 0) > writeTokens)
        // A cache read costs $0.30 per million: $2.70 saved per million.
        let readSavings = try #require(read["cache_savings_usd"]?.doubleValue)
        #expect(abs(readSavings - Double(writeTokens) * 2.70 / 1_000_000) < 1e-12)
        let uncachedCost = (Double(read["prompt_tokens"]?.intValue ?? 0) * 3 + Double(read["completion_tokens"]?.intValue ?? 0) * 15) / 1_000_000
        #expect(abs((read["cost_usd"]?.doubleValue ?? 0) + readSavings - uncachedCost) < 1e-12)

        // A stream reads its cache usage from Anthropic's message_start.
        let (streamed, events) = try await TestHTTP.streamEvents(
            url, json: Self.body("claude", system: system, question: "Why are there tides?", stream: true))
        #expect(events.last == "[DONE]")
        let streamedTrace = try await harness.trace(try Self.traceID(streamed))
        #expect(streamedTrace["cached_tokens"]?.intValue == writeTokens)

        let report = try await harness.costReport(until: { ($0["total"]?["requests"]?.intValue ?? 0) >= 3 })
        let row = try #require(report["data"]?.arrayValue?.first { $0["model"] == "claude" })
        #expect(row["cached_tokens"]?.intValue == 2 * writeTokens)
        let total = writeSavings + 2 * readSavings
        #expect(abs((row["cache_savings_usd"]?.doubleValue ?? 0) - total) < 1e-12)
        #expect(abs((report["total"]?["cache_savings_usd"]?.doubleValue ?? 0) - total) < 1e-12)
        #expect(report["total"]?["cached_tokens"]?.intValue == 2 * writeTokens)
    }

    @Test func aModelWithPromptCachingOffSendsNoBreakpoints() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let system = Self.systemPrompt("volcanoes")
        let url = harness.v1 + "/chat/completions"
        for question in ["Which is the tallest?", "Which is the oldest?"] {
            let reply = try await TestHTTP.post(url, json: Self.body("claude-uncached", system: system, question: question))
            #expect(reply.status == 200)
            let trace = try await harness.trace(try Self.traceID(reply))
            #expect(trace["cached_tokens"] == 0)
            #expect(trace["cache_write_tokens"] == .null)
            #expect(trace["cache_savings_usd"] == .null)
        }
    }
}

/// The provider alone against `keel mock`: the stable leading messages a request declares (as
/// the gateway will for a versioned prompt's rendered messages) are cached as a prefix.
@Suite struct AnthropicProviderPromptCachingTests {
    static func fewShot(_ question: String) -> [JSONValue] {
        let example = String(repeating: "An example ticket about a double charge on the invoice. ", count: 100)
        return [
            ["role": "system", "content": "You label support tickets."],
            ["role": "user", "content": .string(example)],
            ["role": "assistant", "content": "billing"],
            ["role": "user", "content": .string(question)],
        ]
    }

    @Test func theDeclaredStablePrefixIsReadFromTheCacheOnTheNextRequest() async throws {
        let mock = try await KeelProcess.start(["mock", "--port", "0"])
        defer { mock.stop() }
        let http = UpstreamHTTPClient(pool: UpstreamConnectionPool(configuration: .init(maxConnectionsPerOrigin: 2)))
        let provider = AnthropicProvider(
            config: ProviderConfig(name: "claude", kind: .anthropic, baseURL: mock.baseURL, apiKey: "sk-ant-test"), http: http)
        func usage(_ question: String, stable: Int?) async throws -> JSONValue? {
            let body: JSONObject = ["model": "claude-sonnet-4-5", "messages": .array(Self.fewShot(question))]
            guard case .completion(let completion) = try await provider.chatCompletion(UpstreamRequest(body: body, stablePrefixMessages: stable))
            else { return nil }
            return completion["usage"]
        }

        // Without a declared prefix, nothing in this request is long enough on its own.
        let undeclared = try await usage("The app crashes on start.", stable: nil)
        #expect(undeclared?["prompt_tokens_details"]?["cache_creation_tokens"] == nil)
        let first = try await usage("The app crashes on start.", stable: 3)
        let written = try #require(first?["prompt_tokens_details"]?["cache_creation_tokens"]?.intValue)
        #expect(written > 0)
        let second = try await usage("I cannot log in.", stable: 3)
        #expect(second?["prompt_tokens_details"]?["cached_tokens"]?.intValue == written)
        await http.pool.shutdown()
    }
}

extension GatewayHarness {
    /// `/api/cost` grouped by model, polled until `enough` holds (traces are written a moment after the answer).
    func costReport(until enough: (JSONValue) -> Bool) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(5)
        var report: JSONValue = .null
        repeat {
            report = try await TestHTTP.get(gateway.baseURL + "/api/cost?group_by=model").json ?? .null
            if enough(report) { break }
            try await Task.sleep(for: .milliseconds(50))
        } while ContinuousClock.now < deadline
        return report
    }
}
