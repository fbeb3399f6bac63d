// The gateway benchmark's second floor: the leanest reverse proxy SwiftNIO makes, with none of
// Keel in it. One upstream connection per client connection, on the client connection's event
// loop; request and response parts are passed on as they come, with no task, no future
// awaited and no body parsed. Beside nginx it shows what the Swift stack itself costs per hop,
// and so how much of Keel's added latency is Keel.
//   keel-nio-floor --port 19194 --upstream-port 19190
import NIOCore
import NIOHTTP1
import NIOPosix

func option(_ name: String, default value: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let number = Int(arguments[index + 1]) else { return value }
    return number
}

let port = option("--port", default: 19194)
let upstreamPort = option("--upstream-port", default: 19190)

/// Relays the upstream's response parts to the client connection.
final class UpstreamRelay: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    let client: ChannelHandlerContext

    init(client: ChannelHandlerContext) {
        self.client = client
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            var forwarded = HTTPResponseHead(version: .http1_1, status: head.status, headers: head.headers)
            forwarded.headers.remove(name: "connection")
            client.write(NIOAny(HTTPServerResponsePart.head(forwarded)), promise: nil)
        case .body(let part):
            client.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(part))), promise: nil)
        case .end:
            client.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.close(promise: nil)
    }
}

/// Passes each request of a client connection to its upstream connection, opened on first use.
final class ClientProxy: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    private var upstream: Channel?
    private var pending: [HTTPClientRequestPart] = []
    private var connecting = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part: HTTPClientRequestPart
        switch unwrapInboundIn(data) {
        case .head(var head):
            head.headers.replaceOrAdd(name: "host", value: "127.0.0.1:\(upstreamPort)")
            part = .head(head)
        case .body(let body):
            part = .body(.byteBuffer(body))
        case .end:
            part = .end(nil)
        }
        if let upstream {
            if case .end = part { upstream.writeAndFlush(part, promise: nil) } else { upstream.write(part, promise: nil) }
            return
        }
        pending.append(part)
        guard !connecting else { return }
        connecting = true
        let loop = context.eventLoop
        // The upstream connection lives on this same event loop, so the context may go there.
        let client = NIOLoopBound(context, eventLoop: loop)
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                loop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(UpstreamRelay(client: client.value))
                }
            }
            .connect(host: "127.0.0.1", port: upstreamPort)
            .assumeIsolatedUnsafeUnchecked()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    self.upstream = channel
                    for part in self.pending { channel.write(part, promise: nil) }
                    channel.flush()
                    self.pending = []
                case .failure:
                    context.close(promise: nil)
                }
            }
    }

    func channelInactive(context: ChannelHandlerContext) {
        upstream?.close(promise: nil)
    }
}

let server = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline()
            try channel.pipeline.syncOperations.addHandler(ClientProxy())
        }
    }
    .bind(host: "127.0.0.1", port: port).wait()
try server.closeFuture.wait()
