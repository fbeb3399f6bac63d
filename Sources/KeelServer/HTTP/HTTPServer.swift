import Hummingbird
import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOHTTPTypesHTTP1
import NIOPosix
import ServiceLifecycle

/// Keel's HTTP/1.1 server: a SwiftNIO pipeline with one `HTTPConnectionHandler` per connection,
/// answering through a Hummingbird router. Hummingbird's own server bridges every connection
/// into async sequences and back; this one reads and writes on the channel directly, which
/// halves the server's CPU per request (see README, Performance).
///
/// On graceful shutdown it stops accepting, closes idle connections at once and the others
/// after the response in flight; on cancellation (the shutdown grace is over) it closes them all.
struct HTTPServer<Responder: HTTPResponder>: Service where Responder.Context == BasicRequestContext {
    struct Configuration: Sendable {
        var host: String
        var port: Int
        var serverName: String
        /// Larger request bodies are refused with a 413 before they are read whole.
        var maxBodyBytes: Int
        /// A connection with no request in flight for this long is closed.
        var idleTimeout: TimeAmount
    }

    let configuration: Configuration
    let responder: Responder
    let logger: Logger
    let onServerRunning: @Sendable (Int) async -> Void

    func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let quiescing = ServerQuiescingHelper(group: group)
        let respond = HTTPConnectionHandler<Responder>.Shared(
            responder: responder, serverName: configuration.serverName, maxBodyBytes: configuration.maxBodyBytes,
            idleTimeout: configuration.idleTimeout, logger: logger)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandlers([
                        ConnectionCloseMarker(), HTTP1ToHTTPServerCodec(secure: false), HTTPConnectionHandler(shared: respond),
                    ])
                }
            }
            .bind(host: configuration.host, port: configuration.port).get()
        await onServerRunning(channel.localAddress?.port ?? configuration.port)

        // Both paths may start the quiescing: completing `drained` twice is harmless.
        let drained = group.any().makePromise(of: Void.self)
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                try? await drained.futureResult.get()
            } onGracefulShutdown: {
                quiescing.initiateShutdown(promise: drained)
            }
        } onCancel: {
            quiescing.initiateShutdown(promise: drained)
            respond.closeAll()
        }
    }
}

/// An HTTP/1.0 request closes its connection after the response unless it asks to keep it;
/// HTTP types have no version, so the request says so in its `Connection` header instead.
final class ConnectionCloseMarker: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data), !head.isKeepAlive else {
            context.fireChannelRead(data)
            return
        }
        head.headers.replaceOrAdd(name: "connection", value: "close")
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }
}
