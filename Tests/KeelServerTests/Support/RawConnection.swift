import NIOCore
import NIOPosix

/// A bare TCP connection, for tests that speak HTTP/1.1 byte for byte: pipelining,
/// `Expect: 100-continue`, a client that goes away mid-request.
struct RawConnection {
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// Everything the server sent so far.
    private(set) var received = ""
    /// Whether the server closed the connection.
    private(set) var closed = false

    /// Connects to `port` on loopback, runs `body`, then closes the connection.
    static func session<Result: Sendable>(port: Int, _ body: (inout RawConnection) async throws -> Result) async throws -> Result {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = RawConnection(inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&connection)
        }
    }

    /// Sends `text` on a new connection to `port` and reads until the server closes it.
    static func sendAndReadToEnd(port: Int, _ text: String) async throws -> String {
        try await session(port: port) { connection in
            try await connection.send(text)
            return try await connection.readToEnd()
        }
    }

    mutating func send(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    /// Reads until `enough` holds for what was received or the server closes the connection.
    @discardableResult
    mutating func read(until enough: (String) -> Bool) async throws -> String {
        while !enough(received), !closed {
            if let buffer = try await inbound.next() {
                received += String(buffer: buffer)
            } else {
                closed = true
            }
        }
        return received
    }

    /// Reads until the server closes the connection.
    @discardableResult
    mutating func readToEnd() async throws -> String {
        try await read { _ in false }
    }
}
