import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real HTTP/1.1 server on a loopback port whose answers depend on the path, for testing the
/// upstream client: `/ok` answers JSON and keeps the connection, `/close` answers and closes,
/// `/drop-idle` answers then closes the idle connection a moment later without saying so,
/// `/slow` answers after 300 ms (`/slower` after 5 s), `/status-503` fails, `/events` streams three events,
/// `/hang-up` reads the whole request and closes without answering, `/flood` streams `floodBytes` of
/// events as fast as the connection takes them (writing only while the channel is writable).
/// A request in absolute form (`POST http://host:port/ok`, as through a forward proxy) is taken by its path.
final class ScriptedHTTPServer: Sendable {
    let port: Int
    private let channel: any Channel
    private let counters: Counters

    final class Counters: Sendable {
        let connections = Atomic<Int>(0)
        let requests = Atomic<Int>(0)
        let open = Atomic<Int>(0)
        let maxOpen = Atomic<Int>(0)
        /// `/flood`: bytes handed to the socket so far, and how often the server had to wait for
        /// its channel to become writable again (its writes held back by the reader).
        let floodWritten = Atomic<Int>(0)
        let floodHeldBack = Atomic<Int>(0)
        let floodDone = Atomic<Bool>(false)
        let children = Mutex<[ObjectIdentifier: any Channel]>([:])
    }

    static let floodBytes = 20 * 1024 * 1024
    /// Each `/flood` event: `data: ` and this many `x`, then a blank line.
    static let floodEventPayload = 1000

    var floodWritten: Int { counters.floodWritten.load(ordering: .relaxed) }
    var floodHeldBack: Int { counters.floodHeldBack.load(ordering: .relaxed) }
    var floodDone: Bool { counters.floodDone.load(ordering: .relaxed) }

    var connections: Int { counters.connections.load(ordering: .relaxed) }
    var requests: Int { counters.requests.load(ordering: .relaxed) }
    /// The most connections that were open at once.
    var maxOpenConnections: Int { counters.maxOpen.load(ordering: .relaxed) }

    static func start() async throws -> ScriptedHTTPServer {
        let counters = Counters()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                counters.connections.add(1, ordering: .relaxed)
                let open = counters.open.add(1, ordering: .relaxed).newValue
                counters.maxOpen.max(open, ordering: .relaxed)
                counters.children.withLock { $0[ObjectIdentifier(channel)] = channel }
                channel.closeFuture.whenComplete { _ in
                    counters.open.subtract(1, ordering: .relaxed)
                    _ = counters.children.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(ScriptedHandler(counters: counters))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ScriptedHTTPServer(port: channel.localAddress!.port!, channel: channel, counters: counters)
    }

    private init(port: Int, channel: any Channel, counters: Counters) {
        self.port = port
        self.channel = channel
        self.counters = counters
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Closes every connection the server has open, without a word to the client.
    func closeConnections() async {
        for channel in counters.children.withLock({ Array($0.values) }) { try? await channel.close() }
    }

    func stop() async {
        try? await channel.close()
    }
}

private final class ScriptedHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let counters: ScriptedHTTPServer.Counters
    private var path = ""
    private var floodLeft = 0

    init(counters: ScriptedHTTPServer.Counters) {
        self.counters = counters
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): path = Self.path(of: head.uri)
        case .body: break
        case .end:
            let count = counters.requests.add(1, ordering: .relaxed).newValue
            respond(context: context, count: count)
        }
    }

    /// `/x` of `/x` or of `http://host:port/x`.
    private static func path(of uri: String) -> String {
        guard uri.hasPrefix("http://") else { return uri }
        let rest = uri.dropFirst(7)
        return rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? "/"
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { flood(context: context) }
        context.fireChannelWritabilityChanged()
    }

    /// Writes events while the channel takes them; waits for writability when it does not.
    private func flood(context: ChannelHandlerContext) {
        guard floodLeft > 0 else { return }
        let event = "data: " + String(repeating: "x", count: ScriptedHTTPServer.floodEventPayload) + "\n\n"
        let eventsPerWrite = 64
        var chunk = context.channel.allocator.buffer(capacity: event.utf8.count * eventsPerWrite)
        for _ in 0..<eventsPerWrite { chunk.writeString(event) }
        let counters = self.counters
        while floodLeft > 0 {
            guard context.channel.isWritable else {
                counters.floodHeldBack.add(1, ordering: .relaxed)
                return
            }
            let size = chunk.readableBytes
            floodLeft -= size
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(chunk))), promise: nil)
            counters.floodWritten.add(size, ordering: .relaxed)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenSuccess { counters.floodDone.store(true, ordering: .relaxed) }
    }

    private func respond(context: ChannelHandlerContext, count: Int) {
        let body = #"{"ok":true,"request":\#(count)}"#
        switch path {
        case "/close":
            send(context: context, status: .ok, body: body, headers: [("connection", "close")]) { context.close(promise: nil) }
        case "/drop-idle":
            send(context: context, status: .ok, body: body) {
                let channel = context.channel
                channel.eventLoop.scheduleTask(in: .milliseconds(50)) { channel.close(promise: nil) }
            }
        case "/slow", "/slower":
            let loop = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(path == "/slow" ? 300 : 5_000)) {
                let (handler, context) = loop.value
                handler.send(context: context, status: .ok, body: body)
            }
        case "/hang-up":
            context.close(promise: nil)
        case "/flood":
            var head = HTTPResponseHead(version: .http1_1, status: .ok)
            head.headers.add(name: "content-type", value: "text/event-stream")
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            floodLeft = ScriptedHTTPServer.floodBytes
            flood(context: context)
        case "/status-503":
            send(context: context, status: .serviceUnavailable, body: #"{"error":{"message":"overloaded"}}"#, headers: [("retry-after", "2")])
        case "/events":
            let text = "data: {\"n\":1}\n\ndata: {\"n\":2}\n\ndata: [DONE]\n\n"
            send(context: context, status: .ok, body: text, headers: [("content-type", "text/event-stream")])
        default:
            send(context: context, status: .ok, body: body)
        }
    }

    private func send(
        context: ChannelHandlerContext, status: HTTPResponseStatus, body: String, headers: [(String, String)] = [],
        then: @escaping () -> Void = {}
    ) {
        var head = HTTPResponseHead(version: .http1_1, status: status)
        head.headers.add(name: "content-type", value: "application/json")
        head.headers.add(name: "content-length", value: String(body.utf8.count))
        for (name, value) in headers { head.headers.replaceOrAdd(name: name, value: value) }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        then()
    }
}
