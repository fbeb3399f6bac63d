import AsyncHTTPClient
import Foundation
import KeelCore
import NIOCore
import Testing

/// Streams end to end: chunks, usage, failures after the first byte, client cancellation.
@Suite struct StreamingTests {
    static let models = """
          - {name: chat, targets: [{provider: up, model: echo}]}
          - {name: breaks, retries: 3, targets: [{provider: up, model: stream-fail-after-3}, {provider: up, model: echo}]}
          - {name: trickle, targets: [{provider: up, model: chunk-delay-200}]}
          - {name: stalls, timeout_ms: 300, first_token_timeout_ms: 5000, targets: [{provider: up, model: "chunk-delay-2000"}]}
        """

    @Test func streamsChunksAndHidesTheUsageChunkKeelAskedFor() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let (reply, events) = try await harness.streamChat("chat", "one two three")
        #expect(reply.status == 200)
        #expect(reply.headers.first(name: "content-type") == "text/event-stream")
        #expect(reply.headers.first(name: "x-keel-provider") == "up")
        #expect(events.last == "[DONE]")
        let chunks = events.dropLast().compactMap { try? JSONValue.parse($0) }
        #expect(chunks.count == events.count - 1)
        let text = chunks.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined()
        #expect(text == "one two three")
        #expect(chunks.allSatisfy { $0["usage"] == nil })
        #expect(chunks.last?["choices"]?[0]?["finish_reason"] == "stop")
    }

    @Test func forwardsTheUsageChunkToAClientThatAskedForIt() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let (_, events) = try await harness.streamChat("chat", "one two three", extra: ["stream_options": ["include_usage": true]])
        let chunks = events.dropLast().compactMap { try? JSONValue.parse($0) }
        let usage = chunks.last?["usage"]
        #expect(chunks.last?["choices"] == [])
        #expect(usage?["completion_tokens"] == 3)
        #expect(usage?["total_tokens"]?.intValue ?? 0 > 3)
    }

    @Test func failureAfterTheFirstByteEndsWithAnErrorEventAndNoRetry() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let (reply, events) = try await harness.streamChat("breaks", "a b c d e f g h")
        #expect(reply.status == 200)
        #expect(reply.headers.first(name: "x-keel-upstream-model") == "stream-fail-after-3")
        let last = try JSONValue.parse(try #require(events.last))
        #expect(last["error"]?["message"] != nil)
        #expect(!events.contains("[DONE]"))
        #expect(try await harness.mockStats()["requests"] == 1)
    }

    @Test func silentStreamTimesOutWithAnErrorEvent() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let start = ContinuousClock.now
        let (_, events) = try await harness.streamChat("stalls", "a b c d")
        // Well before the 6 s the stream would take with its 2 s silences.
        #expect(ContinuousClock.now - start < .seconds(5))
        let last = try JSONValue.parse(try #require(events.last))
        #expect(last["error"]?["code"] == "upstream_timeout")
    }

    @Test func clientDisconnectCancelsTheUpstreamStream() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let words = (1...40).map { "w\($0)" }.joined(separator: " ")
        var request = HTTPClientRequest(url: harness.v1 + "/chat/completions")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: GatewayHarness.chatBody("trickle", words, stream: true).encodedString()))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var received = 0
        for try await buffer in response.body {
            received += buffer.readableBytes
            if String(buffer: buffer).contains("w2") { break }
        }
        #expect(received > 0)
        // The upstream stream would take 8 s more; it must stop as soon as the client is gone.
        var stats = try await harness.mockStats()
        let deadline = ContinuousClock.now + .seconds(3)
        while stats["active_streams"] != 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            stats = try await harness.mockStats()
        }
        #expect(stats["active_streams"] == 0)
        #expect(stats["cancelled_streams"] == 1)
    }
}
