import NIOCore
import NIOPosix
import Synchronization

/// A tiny HTTP proxy on a loopback port: a CONNECT opens a tunnel to the authority it names
/// (answered `200`, then bytes relayed both ways); any other request is taken as a forward
/// request in absolute form and relayed, as it came, to the host and port of its target. It
/// records each request line and its `Proxy-Authorization`, and answers `407` to every request
/// when `refuse` is set.
final class TestProxy: Sendable {
    struct Seen: Sendable, Equatable {
        var requestLine: String
        var proxyAuthorization: String?
    }

    final class Log: Sendable {
        let entries = Mutex<[Seen]>([])
    }

    let port: Int
    private let channel: any Channel
    private let log: Log

    var seen: [Seen] { log.entries.withLock { $0 } }

    static func start(refuse: Bool = false) async throws -> TestProxy {
        let log = Log()
        let recorder: @Sendable (Seen) -> Void = { seen in log.entries.withLock { $0.append(seen) } }
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ProxyFrontHandler(refuse: refuse, record: recorder))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TestProxy(port: channel.localAddress!.port!, channel: channel, log: log)
    }

    private init(port: Int, channel: any Channel, log: Log) {
        self.port = port
        self.channel = channel
        self.log = log
    }

    func stop() async {
        try? await channel.close()
    }
}

/// The client's side of one proxied connection.
private final class ProxyFrontHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case readingHead, connecting
        case relaying(any Channel)
    }

    private let refuse: Bool
    private let record: @Sendable (TestProxy.Seen) -> Void
    private var phase = Phase.readingHead
    private var pending: ByteBuffer?

    init(refuse: Bool, record: @escaping @Sendable (TestProxy.Seen) -> Void) {
        self.refuse = refuse
        self.record = record
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if case .relaying(let upstream) = phase {
            upstream.writeAndFlush(bytes, promise: nil)
            return
        }
        if pending == nil { pending = bytes } else { pending!.writeBuffer(&bytes) }
        guard case .readingHead = phase, let text = pending?.getString(at: pending!.readerIndex, length: pending!.readableBytes),
            let headEnd = text.range(of: "\r\n\r\n")
        else { return }
        let lines = text[..<headEnd.lowerBound].components(separatedBy: "\r\n")
        let authorization = lines.dropFirst().first { $0.lowercased().hasPrefix("proxy-authorization:") }
            .map { String($0.dropFirst("proxy-authorization:".count)).trimmingCharacters(in: .whitespaces) }
        record(TestProxy.Seen(requestLine: lines[0], proxyAuthorization: authorization))
        if refuse {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n")))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        let parts = lines[0].split(separator: " ")
        let isConnect = parts[0] == "CONNECT"
        var authority = Substring(parts[1])
        if !isConnect {
            authority = authority.dropFirst("http://".count)
            authority = authority.prefix { $0 != "/" }
        }
        let colon = authority.lastIndex(of: ":")!
        let host = String(authority[..<colon])
        let port = Int(authority[authority.index(after: colon)...])!
        if isConnect { pending!.moveReaderIndex(forwardBy: text.utf8.distance(from: text.utf8.startIndex, to: headEnd.upperBound)) }
        phase = .connecting
        let front = context.channel
        ClientBootstrap(group: context.eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ProxyBackHandler(front: front)) }
            }
            .connect(host: host, port: port)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .failure:
                    context.close(promise: nil)
                case .success(let upstream):
                    if isConnect {
                        context.writeAndFlush(self.wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 200 Connection established\r\n\r\n")), promise: nil)
                    }
                    if let pending = self.pending, pending.readableBytes > 0 { upstream.writeAndFlush(pending, promise: nil) }
                    self.pending = nil
                    self.phase = .relaying(upstream)
                }
            }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .relaying(let upstream) = phase { upstream.close(promise: nil) }
        context.fireChannelInactive()
    }
}

/// The origin's side: relays its bytes back to the client.
private final class ProxyBackHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let front: any Channel

    init(front: any Channel) {
        self.front = front
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        front.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        front.close(promise: nil)
        context.fireChannelInactive()
    }
}
