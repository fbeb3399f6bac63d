import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing

@testable import KeelServer

/// A direct route answers through `respond` and may go on working after it (the gateway records
/// a trace once the answer is written): the client has its answer at once, and the connection's
/// next request waits for that work to end.
@Suite(.timeLimit(.minutes(1))) struct DirectRouteTests {
    final class Log: Sendable {
        private let entries = Mutex<[String]>([])
        func add(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    /// Runs an HTTP server with `direct` on a free port while `body` runs.
    static func withServer(_ direct: DirectRoutes, _ body: @Sendable (Int) async throws -> Void) async throws {
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let server = HTTPServer(
            configuration: .init(host: "127.0.0.1", port: 0, serverName: "keel", maxBodyBytes: 1 << 20, idleTimeout: .seconds(30)),
            responder: Router().buildResponder(), direct: direct, logger: Logger(label: "test"),
            onServerRunning: { port in portContinuation.yield(port) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(port)
            group.cancelAll()
        }
    }

    static func post(_ path: String) -> String {
        "POST \(path) HTTP/1.1\r\nHost: keel\r\nContent-Length: 2\r\n\r\n{}"
    }

    @Test func theAnswerArrivesBeforeTheRouteEndsAndTheNextRequestWaitsForIt() async throws {
        let log = Log()
        let count = Atomic(0)
        // The first route's work after its answer lasts until the test has read that answer.
        let (gate, opener) = AsyncStream<Void>.makeStream()
        var direct = DirectRoutes()
        direct.add(.POST, "/work", access: .open) { _, _, respond in
            let number = count.add(1, ordering: .relaxed).newValue
            log.add("request \(number) began")
            await respond(DirectResponse(status: .ok, headers: ["content-type": "text/plain"], body: .whole(ByteBuffer(string: "answer \(number)"))))
            if number == 1 {
                for await _ in gate { break }
            }
            log.add("request \(number) ended")
        }
        try await Self.withServer(direct) { port in
            try await RawConnection.session(port: port) { connection in
                try await connection.send(Self.post("/work") + Self.post("/work"))
                try await connection.read { $0.contains("answer 1") }
                // The first answer is in while its route still works after it, and the second
                // request has not begun.
                #expect(log.all == ["request 1 began"])
                opener.yield()
                let text = try await connection.read { $0.contains("answer 2") }
                #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
            }
        }
        #expect(log.all == ["request 1 began", "request 1 ended", "request 2 began", "request 2 ended"])
    }
}
