import Foundation
import KeelCore
import Testing

/// A provider that echoes its key in its error body (the mock's `echo-key`): the key reaches
/// neither the client, nor the stored trace's attempts, nor the logs, nor the exported spans.
@Suite(.timeLimit(.minutes(2))) struct SecretScrubbingTests {
    static let providerKeys = ["sk-test-secret-upstream-key", "sk-ant-test-key-123456"]

    @Test func anUpstreamErrorThatQuotesTheProviderKeyIsScrubbedEverywhere() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - {name: leaky, targets: [{provider: up, model: "fail-401+echo-key"}, {provider: claude, model: "fail-401+echo-key"}], retries: 0}
                """,
            extra: """
                telemetry: {otlp_endpoint: "${KEEL_TEST_MOCK_URL}/v1/traces", otlp_protocol: http/json, export_interval_ms: 50}
                """)
        defer { harness.stop() }
        let reply = try await harness.chat("leaky")
        #expect(reply.status == 401)
        let traceID = try #require(reply.headers.first(name: "x-keel-trace-id"))
        let trace = try await harness.trace(traceID)
        let attempts = trace["attempts"]?.arrayValue ?? []
        #expect(attempts.count == 2)
        // The provider did quote its key: the test fails if the mock stops echoing it.
        for attempt in attempts {
            #expect(attempt["error"]?.stringValue?.contains("Incorrect API key provided:") == true, "\(attempt)")
            #expect(attempt["error"]?.stringValue?.contains("[REDACTED]") == true, "\(attempt)")
        }

        var spans = ""
        let deadline = ContinuousClock.now + .seconds(10)
        while !spans.contains("[REDACTED]"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            spans = try await TestHTTP.get(harness.mock.baseURL + "/mock/otlp").body
        }
        #expect(spans.contains("[REDACTED]"), "the spans were not exported: \(spans.prefix(300))")

        let places = [
            ("the client's answer", reply.body), ("the stored trace", trace.encodedString()), ("the gateway's log", harness.gateway.logs),
            ("the exported spans", spans),
        ]
        for (place, text) in places {
            for key in Self.providerKeys {
                #expect(!text.contains(key), "\(place) holds the provider key \(key)")
                #expect(!text.contains(String(key.prefix(12))), "\(place) holds the start of the provider key \(key)")
            }
        }
    }
}
