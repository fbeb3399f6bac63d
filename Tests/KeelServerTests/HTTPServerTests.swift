import Foundation
import KeelCore
import NIOCore
import Testing

@testable import KeelServer

/// Keel's own HTTP/1.1 server, byte for byte: keep-alive and pipelining, `Connection: close`,
/// `Expect: 100-continue`, an oversized body refused before it is sent, a client that leaves.
@Suite(.timeLimit(.minutes(1))) struct HTTPServerTests {
    static let models = """
          - {name: chat, targets: [{provider: up, model: echo}]}
          - {name: slow, targets: [{provider: up, model: slow-15000}]}
          - {name: slowish, targets: [{provider: up, model: slow-800}]}
        """

    /// The head of a chat completion request declaring a body of `length` bytes.
    static func chatHead(length: Int, extra: String = "") -> String {
        "POST /v1/chat/completions HTTP/1.1\r\nHost: keel\r\nContent-Type: application/json\r\nContent-Length: \(length)\r\n\(extra)\r\n"
    }

    @Test func pipelinedRequestsAreAnsweredInOrderOnOneConnection() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let text = try await RawConnection.session(port: harness.gateway.port) { connection in
            try await connection.send("GET /healthz HTTP/1.1\r\nHost: keel\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: keel\r\n\r\n")
            return try await connection.read { $0.contains(#""id":"slow""#) }
        }
        let responses = text.components(separatedBy: "HTTP/1.1 200 OK\r\n").dropFirst()
        #expect(responses.count == 2)
        let health = try #require(responses.first).lowercased()
        #expect(health.contains(#""status":"ok""#))
        #expect(health.contains("server: keel\r\n"))
        #expect(health.contains("date: "))
        #expect(health.contains("content-length: "))
        #expect(try #require(responses.last).contains(#""object":"list""#))
    }

    @Test func connectionCloseIsHonouredAfterTheAnswer() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let body = GatewayHarness.chatBody("chat", "close after this").encodedString()
        let text = try await RawConnection.sendAndReadToEnd(
            port: harness.gateway.port, Self.chatHead(length: body.utf8.count, extra: "Connection: close\r\n") + body)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.lowercased().contains("connection: close\r\n"))
        #expect(text.contains(#""object":"chat.completion""#))
    }

    @Test func aLargeAnswerIsWrittenWholeBeforeAConnectionCloses() async throws {
        // More than the loopback socket buffers hold, read late: the answer is still being
        // written when the connection is to close.
        let harness = try await GatewayHarness.start(models: Self.models, server: ", max_body_bytes: 16777216")
        defer { harness.stop() }
        let words = String(repeating: "many words here ", count: 550_000)
        let body = GatewayHarness.chatBody("chat", words, extra: ["max_tokens": 10_000_000]).encodedString()
        let text = try await RawConnection.session(port: harness.gateway.port) { connection in
            try await connection.send(Self.chatHead(length: body.utf8.count, extra: "Connection: close\r\n") + body)
            try await Task.sleep(for: .milliseconds(500))
            return try await connection.readToEnd()
        }
        let parts = text.components(separatedBy: "\r\n\r\n")
        let length = try #require(parts.first?.lowercased().components(separatedBy: "content-length: ").last?.prefix { $0.isNumber })
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(parts.dropFirst().joined(separator: "\r\n\r\n").utf8.count == Int(length))
        #expect(text.contains("many words here"))
    }

    /// Runs `exchange` again when its first write met a connection the server had already closed
    /// as idle: a test starved by a full parallel run can take longer than a short idle timeout
    /// to send. A connection closed while waiting for its answer fails otherwise, and still fails.
    static func retryingAnIdleClose<T>(_ exchange: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await exchange()
            } catch ChannelError.ioOnClosedChannel where attempt < 3 {
                attempt += 1
            }
        }
    }

    @Test func anIdleConnectionIsClosedButNotOneWaitingForItsAnswer() async throws {
        let harness = try await GatewayHarness.start(models: Self.models, server: ", idle_timeout_ms: 300")
        defer { harness.stop() }
        let port = harness.gateway.port
        // An answer slower than the idle timeout still arrives: the connection is not idle.
        #expect(try await Self.retryingAnIdleClose { try await harness.chat("slowish", "take your time") }.status == 200)
        let started = ContinuousClock.now
        let text = try await Self.retryingAnIdleClose {
            try await RawConnection.sendAndReadToEnd(port: port, "GET /healthz HTTP/1.1\r\nHost: keel\r\n\r\n")
        }
        #expect(text.contains(#""status":"ok""#))
        #expect(ContinuousClock.now - started < .seconds(5))
        // A request whose body stops arriving is closed as well.
        let stalled = ContinuousClock.now
        let unanswered = try await Self.retryingAnIdleClose {
            try await RawConnection.sendAndReadToEnd(port: port, Self.chatHead(length: 100) + "{")
        }
        #expect(unanswered.isEmpty)
        #expect(ContinuousClock.now - stalled < .seconds(5))
    }

    @Test func anHTTP10RequestIsAnsweredThenClosed() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let text = try await RawConnection.sendAndReadToEnd(port: harness.gateway.port, "GET /healthz HTTP/1.0\r\n\r\n")
        #expect(text.contains(" 200 OK\r\n"))
        #expect(text.lowercased().contains("connection: close\r\n"))
        #expect(text.contains(#""status":"ok""#))
    }

    @Test func anUnparsableRequestGetsA400AndTheConnectionCloses() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let text = try await RawConnection.sendAndReadToEnd(port: harness.gateway.port, "GARBAGE / HTTP/1.1\r\n\r\n")
        #expect(text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(try await harness.chat("chat", "still up").status == 200)
    }

    @Test func aDeclaredOversizedBodyIsRefusedBeforeItIsSent() async throws {
        let harness = try await GatewayHarness.start(models: Self.models, server: ", max_body_bytes: 65536")
        defer { harness.stop() }
        let text = try await RawConnection.sendAndReadToEnd(
            port: harness.gateway.port, Self.chatHead(length: 10_000_000, extra: "Expect: 100-continue\r\n"))
        // Refused at once: no "100 Continue" invites the body first.
        #expect(text.hasPrefix("HTTP/1.1 413 "))
        let body = try #require(text.components(separatedBy: "\r\n\r\n").last)
        let error = try JSONValue.parse(body)["error"]
        #expect(error?["code"] == "request_too_large")
        #expect(error?["message"]?.stringValue?.contains("65536") == true)
        #expect(try await harness.chat("chat", "still up").status == 200)
    }

    @Test func expectContinueGetsA100ThenTheAnswer() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let body = GatewayHarness.chatBody("chat", "continue please").encodedString()
        let text = try await RawConnection.session(port: harness.gateway.port) { connection in
            try await connection.send(
                Self.chatHead(length: body.utf8.count, extra: "Expect: 100-continue\r\n"))
            try await connection.read { $0.contains("\r\n\r\n") }
            #expect(connection.received.hasPrefix("HTTP/1.1 100 Continue\r\n"))
            try await connection.send(body)
            return try await connection.read { $0.contains(#""object":"chat.completion""#) }
        }
        #expect(text.contains("HTTP/1.1 200 OK\r\n"))
    }

    @Test func aClientThatLeavesCancelsItsRequest() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let body = GatewayHarness.chatBody("slow", "I will not wait").encodedString()
        let started = ContinuousClock.now
        try await RawConnection.session(port: harness.gateway.port) { connection in
            try await connection.send(
                Self.chatHead(length: body.utf8.count) + body)
            try await Task.sleep(for: .milliseconds(300))
        }
        // The upstream would answer after 15 s; the trace says the client left, well before that
        // (the bound leaves room for a full parallel test run on two cores).
        let traces = try await harness.traces("limit=10") { $0.contains { $0["http_status"] == 499 } }
        let cancelled = try #require(traces.first { $0["http_status"] == 499 })
        #expect(cancelled["model"] == "slow")
        #expect(cancelled["status"] == "client_cancelled")
        #expect(ContinuousClock.now - started < .seconds(6))
    }

    @Test func dateHeaderIsAnIMFFixdate() {
        // RFC 9110's own example.
        #expect(HTTPDateCache.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDateCache.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }
}
