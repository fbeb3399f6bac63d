import KeelCore
import Testing

@testable import KeelProviders

@Suite struct UpstreamOriginTests {
    @Test(arguments: [
        ("https://api.openai.com/v1/chat/completions", true, "api.openai.com", 443, "/v1/chat/completions", "api.openai.com"),
        ("http://127.0.0.1:8080/v1", false, "127.0.0.1", 8080, "/v1", "127.0.0.1:8080"),
        ("http://[::1]:9000/x?y=1", false, "::1", 9000, "/x?y=1", "[::1]:9000"),
        ("https://host", true, "host", 443, "/", "host"),
        ("http://user:pw@host:81?q", false, "host", 81, "/?q", "host:81"),
    ])
    func splitsAURL(url: String, tls: Bool, host: String, port: Int, target: String, hostHeader: String) throws {
        let (origin, path) = try UpstreamOrigin.parse(url)
        #expect(origin == UpstreamOrigin(tls: tls, host: host, port: port))
        #expect(path == target)
        #expect(origin.hostHeader == hostHeader)
    }

    @Test(arguments: ["ftp://x", "http://", "http://host:0/", "http://host:99999", "http://[::1/", "api.openai.com"])
    func rejectsWhatIsNotAnHTTPURL(url: String) {
        #expect(throws: UpstreamOrigin.InvalidURL.self) { try UpstreamOrigin.parse(url) }
    }
}

@Suite struct UpstreamHTTPClientTests {
    private func client(maxConnections: Int = 8) -> UpstreamHTTPClient {
        UpstreamHTTPClient(pool: UpstreamConnectionPool(configuration: .init(maxConnectionsPerOrigin: maxConnections)))
    }

    @Test func sequentialRequestsShareOneKeepAliveConnection() async throws {
        let server = try await ScriptedHTTPServer.start()
        let http = client()
        for index in 1...5 {
            let answer = try await http.postJSON(url: server.baseURL + "/ok", headers: [], body: ["n": .int(Int64(index))])
            #expect(answer["request"]?.intValue == index)
        }
        #expect(server.connections == 1)
        await http.pool.shutdown()
        await server.stop()
    }

    @Test func aConnectionTheServerClosesIsNotReused() async throws {
        let server = try await ScriptedHTTPServer.start()
        let http = client()
        for _ in 1...3 {
            _ = try await http.postJSON(url: server.baseURL + "/close", headers: [], body: [:])
        }
        #expect(server.connections == 3)
        await http.pool.shutdown()
        await server.stop()
    }

    @Test func anIdleConnectionDroppedByTheServerIsReplacedWithoutAnError() async throws {
        let server = try await ScriptedHTTPServer.start()
        let http = client()
        for _ in 1...3 {
            _ = try await http.postJSON(url: server.baseURL + "/drop-idle", headers: [], body: [:])
            try await Task.sleep(for: .milliseconds(150))
        }
        #expect(server.requests == 3)
        #expect(server.connections == 3)
        await http.pool.shutdown()
        await server.stop()
    }

    @Test func requestsBeyondTheLimitWaitForAConnection() async throws {
        let server = try await ScriptedHTTPServer.start()
        let http = client(maxConnections: 2)
        try await withThrowingTaskGroup(of: JSONValue.self) { group in
            for _ in 0..<6 {
                group.addTask { try await http.postJSON(url: server.baseURL + "/slow", headers: [], body: [:]) }
            }
            for try await answer in group { #expect(answer["ok"] == true) }
        }
        #expect(server.requests == 6)
        #expect(server.maxOpenConnections <= 2)
        await http.pool.shutdown()
        await server.stop()
    }

    @Test func cancellingTheCallerAbandonsTheExchange() async throws {
        let server = try await ScriptedHTTPServer.start()
        let http = client()
        let call = Task { try await http.postJSON(url: server.baseURL + "/slower", headers: [], body: [:]) }
        try await Task.sleep(for: .milliseconds(50))
        let cancelled = ContinuousClock.now
        call.cancel()
        await #expect(throws: CancellationError.self) { try await call.value }
        // Well before the 5 s the server takes to answer, however loaded the machine.
        #expect(ContinuousClock.now - cancelled < .seconds(4.5))
        // The pool is still usable afterwards.
        #expect(try await http.postJSON(url: server.baseURL + "/ok", headers: [], body: [:])["ok"] == true)
        await http.pool.shutdown()
        await server.stop()
    }

    @Test func anErrorStatusBecomesAnUpstreamErrorWithItsRetryAfter() async throws {
        let server = try await ScriptedHTTPServer.start()
        let http = client()
        let error = await #expect(throws: UpstreamError.self) {
            try await http.postJSON(url: server.baseURL + "/status-503", headers: [], body: [:])
        }
        #expect(error?.status == 503)
        #expect(error?.retryAfter == 2)
        #expect(error?.message.contains("overloaded") == true)
        await http.pool.shutdown()
        await server.stop()
    }

    @Test func aRefusedConnectionIsAConnectionError() async throws {
        let server = try await ScriptedHTTPServer.start()
        let url = server.baseURL + "/ok"
        await server.stop()
        let http = client()
        let error = await #expect(throws: UpstreamError.self) { try await http.postJSON(url: url, headers: [], body: [:]) }
        #expect(error?.kind == .connection)
        await http.pool.shutdown()
    }

    @Test func eventStreamsArriveAsEvents() async throws {
        let server = try await ScriptedHTTPServer.start()
        let http = client()
        var data: [String] = []
        for try await event in try await http.postEventStream(url: server.baseURL + "/events", headers: [], body: [:]) {
            data.append(event.data)
        }
        #expect(data == [#"{"n":1}"#, #"{"n":2}"#, "[DONE]"])
        await http.pool.shutdown()
        await server.stop()
    }

    @Test func encodedBodiesAreSentAsGiven() async throws {
        let server = try await ScriptedHTTPServer.start()
        let http = client()
        let (answer, bytes) = try await http.postJSONKeepingBytes(
            to: UpstreamTarget(url: server.baseURL + "/ok", headers: []), body: [:], encoded: .init(string: #"{"model":"x"}"#))
        #expect(answer["ok"] == true)
        #expect(String(buffer: bytes).hasPrefix(#"{"ok":true"#))
        await http.pool.shutdown()
        await server.stop()
    }

    @Test func aRequestTheServerReadBeforeClosingIsNotSentAgain() async throws {
        let server = try await ScriptedHTTPServer.start()
        let http = client(maxConnections: 1)
        _ = try await http.postJSON(url: server.baseURL + "/ok", headers: [], body: [:])
        // On the reused connection the server reads the whole request, then closes without a word:
        // it may have acted on it (and billed it), so the client must not send it again.
        let error = await #expect(throws: UpstreamError.self) {
            try await http.postJSON(url: server.baseURL + "/hang-up", headers: [], body: [:])
        }
        #expect(error?.kind == .connection)
        #expect(server.requests == 2, "one /ok, then exactly one /hang-up")
        await http.pool.shutdown()
        await server.stop()
    }

    @Test func aPooledConnectionFoundClosedBeforeTheWriteIsReplacedAndTheResendCounted() async throws {
        let server = try await ScriptedHTTPServer.start()
        let http = client(maxConnections: 1)
        _ = try await http.postJSON(url: server.baseURL + "/ok", headers: [], body: [:])
        // The race this covers: the pool hands the idle connection out before it has seen the
        // server close it.
        let target = try UpstreamTarget(url: server.baseURL + "/ok", headers: [])
        let lease = try await http.pool.lease(target.route)
        #expect(lease.reused)
        await server.closeConnections()
        try await lease.connection.channel.closeFuture.get()
        http.pool.release(lease.connection, reusable: true)

        let resends = UpstreamResends()
        let answer = try await UpstreamResends.$counter.withValue(resends) {
            try await http.postJSON(to: target, body: [:])
        }
        #expect(answer["ok"] == true)
        #expect(resends.take() == 1, "sent again once, on a new connection")
        #expect(server.requests == 2, "the first request, then the second exactly once")
        #expect(server.connections == 2)
        await http.pool.shutdown()
        await server.stop()
    }

    @Test func aSlowReaderHoldsAStreamingUpstreamBack() async throws {
        let server = try await ScriptedHTTPServer.start()
        let http = client()
        let events = try await http.postEventStream(url: server.baseURL + "/flood", headers: [], body: [:])
        var iterator = events.makeAsyncIterator()
        var received = 0
        for _ in 0..<100 {
            _ = try await iterator.next()
            received += 1
        }
        // The consumer stops reading for a while: Keel must not read the rest of the 20 MB meanwhile.
        try await Task.sleep(for: .milliseconds(500))
        let mostBuffered = try #require(events.keelBody).buffered.mostAtOnce
        #expect(mostBuffered <= 1024 * 1024, "Keel held \(mostBuffered) bytes of the body at once")
        #expect(!server.floodDone, "the upstream could not write its whole answer while nobody read it")
        #expect(server.floodWritten < ScriptedHTTPServer.floodBytes / 2, "the upstream handed over \(server.floodWritten) bytes")
        #expect(server.floodHeldBack > 0, "the upstream's channel became unwritable")
        // Reading on takes the whole answer, every event intact.
        while let event = try await iterator.next() {
            #expect(event.data.utf8.count == ScriptedHTTPServer.floodEventPayload)
            received += 1
        }
        let eventBytes = ScriptedHTTPServer.floodEventPayload + 8
        #expect(received == (ScriptedHTTPServer.floodBytes + 64 * eventBytes - 1) / (64 * eventBytes) * 64)
        #expect(try #require(events.keelBody).buffered.mostAtOnce <= 1024 * 1024)
        await http.pool.shutdown()
        await server.stop()
    }
}
