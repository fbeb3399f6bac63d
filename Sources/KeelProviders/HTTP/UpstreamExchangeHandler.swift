import NIOCore
import NIOHTTP1

/// The exchange in flight on one upstream connection: writes the request, delivers the
/// response, and holds the socket's reads back while a streamed body's consumer is behind.
///
/// Whether a failed request may be sent again: only when none of it went out. `begin` checks,
/// on the event loop and right before writing, that the channel is still open; when it is not
/// (the provider closed an idle connection after the pool handed it out), the exchange fails
/// with `requestWritten == false` and nothing was written. Once the write is issued on an
/// open channel, every failure says `requestWritten == true`: NIO reports a kernel error on
/// the write (a reset, a broken pipe) without saying whether an earlier part of the same flush
/// went out, and a close or a reset after the write may come after the provider read the whole
/// request (and billed it).
final class UpstreamExchangeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    struct Request: Sendable {
        var head: HTTPRequestHead
        var body: ByteBuffer
    }

    enum Delivery: Sendable {
        /// The head and the whole body (up to `limit` bytes), at the end.
        case collect(limit: Int, promise: EventLoopPromise<(HTTPResponseHead, ByteBuffer)>)
        /// The head as soon as it arrives, then each body part, as the consumer reads them.
        case stream(head: EventLoopPromise<HTTPResponseHead>, body: UpstreamBody.Source)
    }

    /// A failure of the connection itself. `requestWritten` says whether any of the request can
    /// have reached the provider (see the type's documentation): when false, it may be sent
    /// again on another connection.
    struct ConnectionFailure: Error {
        var requestWritten: Bool
        var underlying: (any Error)?
    }

    struct ResponseTooLarge: Error {}

    private var context: ChannelHandlerContext?
    private var delivery: Delivery?
    private var onEnd: (@Sendable (Bool) -> Void)?
    private var head: HTTPResponseHead?
    private var collected: ByteBuffer?
    private var closed = false
    private var reads = ReadGate()

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func begin(_ request: Request, delivery: Delivery, onEnd: @escaping @Sendable (Bool) -> Void) {
        self.delivery = delivery
        self.onEnd = onEnd
        head = nil
        collected = nil
        guard let context, !closed, context.channel.isActive else {
            // Closed between its lease and this write: nothing of the request went out.
            fail(ConnectionFailure(requestWritten: false, underlying: nil))
            return
        }
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let delivery else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            if case .stream(let headPromise, _) = delivery { headPromise.succeed(head) }
        case .body(var buffer):
            switch delivery {
            case .collect(let limit, _):
                if collected == nil {
                    collected = buffer
                } else {
                    collected!.writeBuffer(&buffer)
                }
                if collected!.readableBytes > limit {
                    fail(ResponseTooLarge())
                    context.close(promise: nil)
                }
            case .stream(_, let body):
                if !body.yield(buffer) { reads.hold() }
            }
        case .end:
            guard let head else {
                fail(ConnectionFailure(requestWritten: true, underlying: nil))
                context.close(promise: nil)
                return
            }
            let reusable = head.isKeepAlive
            let body = collected ?? context.channel.allocator.buffer(capacity: 0)
            // The connection goes back to the pool before the caller resumes, so that its next
            // request finds it idle.
            finish(reusable: reusable)
            if !reusable { context.close(promise: nil) }
            switch delivery {
            case .collect(_, let promise): promise.succeed((head, body))
            case .stream(_, let stream): stream.finish()
            }
        }
    }

    /// Reads go on unless a streamed body's consumer is behind.
    func read(context: ChannelHandlerContext) {
        if reads.mayRead() { context.read() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(ConnectionFailure(requestWritten: true, underlying: error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        fail(ConnectionFailure(requestWritten: true, underlying: nil))
        context.fireChannelInactive()
    }

    /// The consumer of the body in flight caught up: the socket is read again.
    func resumeReading(for demand: UpstreamBodyDemand) {
        guard case .stream(_, let body) = delivery, body.demand === demand else { return }
        if reads.release() { context?.read() }
    }

    /// The consumer stopped reading the body before its end: the rest is not wanted, and the
    /// connection, in the middle of an answer, cannot carry another exchange.
    func bodyDropped(by demand: UpstreamBodyDemand) {
        guard case .stream(_, let body) = delivery, body.demand === demand else { return }
        context?.close(promise: nil)
    }

    /// Ends the exchange in flight, if any, with `error`.
    private func fail(_ error: any Error) {
        guard let delivery else { return }
        switch delivery {
        case .collect(_, let promise):
            promise.fail(error)
        case .stream(let headPromise, let body):
            headPromise.fail(error)
            body.finish(throwing: error)
        }
        finish(reusable: false)
    }

    private func finish(reusable: Bool) {
        delivery = nil
        collected = nil
        // An idle connection is read, so that its closing by the server is seen.
        if reads.release() { context?.read() }
        let onEnd = self.onEnd
        self.onEnd = nil
        onEnd?(reusable && !closed)
    }
}

/// Whether the socket may be read: held while a streamed body's consumer is behind, with the
/// read NIO asked for in the meantime kept for when it catches up.
struct ReadGate {
    private var held = false
    private var readWaiting = false

    /// Stops reading until `release`.
    mutating func hold() {
        held = true
    }

    /// Whether a read asked for now may go ahead; if not, it waits for `release`.
    mutating func mayRead() -> Bool {
        guard held else { return true }
        readWaiting = true
        return false
    }

    /// Reading may go on; returns whether a read was waiting and must be issued now.
    mutating func release() -> Bool {
        held = false
        defer { readWaiting = false }
        return readWaiting
    }
}
