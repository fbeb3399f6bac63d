import Hummingbird
import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// Keel's HTTP/1.1 server: a SwiftNIO pipeline with one `HTTPConnectionHandler` per connection,
/// answering the hot routes directly in NIO's types and the others through a Hummingbird router. Hummingbird's own server bridges every connection
/// into async sequences and back; this one reads and writes on the channel directly, which
/// halves the server's CPU per request (see README, Performance).
///
/// On graceful shutdown it stops accepting, closes idle connections at once and the others
/// after the response in flight; on cancellation (the shutdown grace is over) it closes them all.
struct HTTPServer<Responder: HTTPResponder>: Service
where Responder.Context: RequestContext, Responder.Context.Source == ApplicationRequestContextSource {
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
    var direct = DirectRoutes()
    let logger: Logger
    let onServerRunning: @Sendable (Int) async -> Void

    func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let quiescing = ServerQuiescingHelper(group: group)
        let respond = HTTPConnectionHandler<Responder>.Shared(
            responder: responder, direct: direct, serverName: configuration.serverName, maxBodyBytes: configuration.maxBodyBytes,
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
                    try channel.pipeline.syncOperations.addHandler(HTTPConnectionHandler(shared: respond, eventLoop: channel.eventLoop))
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
