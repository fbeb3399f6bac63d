import Foundation
import KeelCore
import Testing

/// Failover, retries, timeouts, breakers and error propagation, end to end: a real `keel serve`
/// in front of a real `keel mock` on loopback.
@Suite struct FailoverTests {
    @Test func answersThroughAnOpenAICompatibleUpstream() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - {name: chat, targets: [{provider: up, model: echo}]}
                """)
        defer { harness.stop() }
        let reply = try await harness.chat("chat", "hello gateway")
        #expect(reply.status == 200)
        #expect(reply.json?["choices"]?[0]?["message"]?["content"] == "hello gateway")
        #expect(reply.json?["usage"]?["completion_tokens"] == 2)
        #expect(reply.headers.first(name: "x-keel-provider") == "up")
        #expect(reply.headers.first(name: "x-keel-upstream-model") == "echo")
        #expect(reply.headers.first(name: "x-keel-trace-id")?.count == 32)
    }

    @Test func deadPrimaryFailsOverToTheNextTarget() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - name: chat
                    retries: 2
                    targets: [{provider: down, model: gpt-4o}, {provider: up, model: fail-503}, {provider: up, model: echo}]
                """)
        defer { harness.stop() }
        let start = ContinuousClock.now
        let reply = try await harness.chat("chat", "still here")
        #expect(reply.status == 200)
        #expect(reply.json?["choices"]?[0]?["message"]?["content"] == "still here")
        #expect(reply.headers.first(name: "x-keel-provider") == "up")
        #expect(reply.headers.first(name: "x-keel-upstream-model") == "echo")
        // Seconds, not the minutes a long backoff would take, even on a loaded machine.
        #expect(ContinuousClock.now - start < .seconds(6))
    }

    @Test func retriesTheSameTargetOnARetryableError() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - name: chat
                    retries: 1
                    targets: [{provider: up, model: "fail-503+times-1+tag-retry"}, {provider: up, model: echo}]
                """)
        defer { harness.stop() }
        let reply = try await harness.chat("chat")
        #expect(reply.status == 200)
        #expect(reply.headers.first(name: "x-keel-upstream-model") == "fail-503+times-1+tag-retry")
        #expect(try await harness.mockStats()["requests"] == 2)
    }

    @Test func doesNotRetryAClientError() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - name: chat
                    retries: 3
                    targets: [{provider: up, model: fail-400}, {provider: up, model: echo}]
                """)
        defer { harness.stop() }
        let reply = try await harness.chat("chat")
        #expect(reply.status == 400)
        #expect(reply.json?["error"]?["message"]?.stringValue?.contains("Mock failure") == true)
        #expect(try await harness.mockStats()["requests"] == 1)
    }

    @Test func slowTargetTimesOutAndTheNextAnswers() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - name: chat
                    timeout_ms: 300
                    retries: 0
                    targets: [{provider: up, model: slow-15000}, {provider: up, model: echo}]
                """)
        defer { harness.stop() }
        let start = ContinuousClock.now
        let reply = try await harness.chat("chat")
        #expect(reply.status == 200)
        #expect(reply.headers.first(name: "x-keel-upstream-model") == "echo")
        // Far sooner than the slow target's 15 s (with room for a full parallel test run).
        #expect(ContinuousClock.now - start < .seconds(6))
    }

    @Test func everyTargetTimingOutIsA504() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - {name: chat, timeout_ms: 200, retries: 0, targets: [{provider: up, model: hang}]}
                """)
        defer { harness.stop() }
        let reply = try await harness.chat("chat")
        #expect(reply.status == 504)
        #expect(reply.json?["error"]?["code"] == "upstream_timeout")
    }

    @Test func hangingStreamHitsTheFirstTokenTimeoutAndFailsOver() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - name: chat
                    timeout_ms: 10000
                    first_token_timeout_ms: 1000
                    retries: 0
                    targets: [{provider: up, model: hang}, {provider: up, model: echo}]
                """)
        defer { harness.stop() }
        let start = ContinuousClock.now
        let (reply, events) = try await harness.streamChat("chat", "a b c")
        #expect(reply.status == 200)
        #expect(reply.headers.first(name: "x-keel-upstream-model") == "echo")
        #expect(events.last == "[DONE]")
        // Well before the 10 s attempt timeout: the first-token timeout moved on.
        #expect(ContinuousClock.now - start < .seconds(8))
    }

    @Test func streamThatStallsAfterItsFirstChunkEndsWithATimeoutEvent() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - {name: chat, timeout_ms: 300, first_token_timeout_ms: 5000, retries: 0, targets: [{provider: up, model: chunk-delay-3000}]}
                """)
        defer { harness.stop() }
        let start = ContinuousClock.now
        let (reply, events) = try await harness.streamChat("chat", "a b c")
        #expect(reply.status == 200)
        #expect(events.count >= 2)
        #expect(events.last?.contains("upstream_timeout") == true, "\(events)")
        // Well before the 9 s the stalled stream would take to finish on its own.
        #expect(ContinuousClock.now - start < .seconds(6))
    }

    @Test func rateLimitStaysA429WithRetryAfter() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - {name: chat, retries: 1, targets: [{provider: up, model: "fail-429+retry-after-60"}]}
                """)
        defer { harness.stop() }
        let reply = try await harness.chat("chat")
        #expect(reply.status == 429)
        #expect(reply.json?["error"]?["type"] == "rate_limit_error")
        #expect(reply.headers.first(name: "retry-after") == "60")
        // A Retry-After beyond resilience.max_retry_after_ms is not waited for: one attempt only.
        #expect(try await harness.mockStats()["requests"] == 1)
    }

    @Test func openBreakerSkipsTheTarget() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - name: chat
                    retries: 0
                    targets: [{provider: up, model: "fail-500+times-2+tag-breaker"}, {provider: up, model: echo}]
                """,
            resilience: ", breaker_failure_threshold: 2, breaker_cooldown_ms: 60000")
        defer { harness.stop() }
        for _ in 0..<2 {
            let reply = try await harness.chat("chat")
            #expect(reply.headers.first(name: "x-keel-upstream-model") == "echo")
        }
        // The primary would answer now (it fails only twice), but its breaker is open.
        let reply = try await harness.chat("chat")
        #expect(reply.headers.first(name: "x-keel-upstream-model") == "echo")
        #expect(try await harness.mockStats()["requests"] == 5)
        let health = try await TestHTTP.get(harness.gateway.baseURL + "/healthz")
        #expect(health.json?["breakers"]?["up/fail-500+times-2+tag-breaker"] == "open")
    }

    @Test func breakerLetsAProbeThroughAfterCooldown() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - {name: chat, retries: 0, targets: [{provider: up, model: "fail-500+times-1+tag-probe"}, {provider: up, model: echo}]}
                """,
            resilience: ", breaker_failure_threshold: 1, breaker_cooldown_ms: 2000")
        defer { harness.stop() }
        #expect(try await harness.chat("chat").headers.first(name: "x-keel-upstream-model") == "echo")
        #expect(try await harness.chat("chat").headers.first(name: "x-keel-upstream-model") == "echo")
        try await Task.sleep(for: .milliseconds(2100))
        #expect(try await harness.chat("chat").headers.first(name: "x-keel-upstream-model") == "fail-500+times-1+tag-probe")
    }

    @Test func providerKeysNeverReachTheClient() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - {name: chat, retries: 0, targets: [{provider: up, model: fail-401}]}
                """)
        defer { harness.stop() }
        let reply = try await harness.chat("chat")
        #expect(reply.status == 401)
        #expect(!reply.body.contains("sk-test-secret-upstream-key"))
        #expect(!harness.gateway.logs.contains("sk-test-secret-upstream-key"))
    }
}
