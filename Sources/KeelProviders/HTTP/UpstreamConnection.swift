import NIOCore
import NIOHTTP1

/// One keep-alive HTTP/1.1 connection to a provider, carrying one exchange at a time. Its
/// handler delivers the response on the channel's event loop, either whole (`collect`) or as
/// body buffers while they arrive (`stream`).
final class UpstreamConnection: Sendable {
    let channel: any Channel
    let origin: UpstreamOrigin
    private let handler: NIOLoopBound<UpstreamExchangeHandler>

    init(channel: any Channel, origin: UpstreamOrigin, handler: UpstreamExchangeHandler) {
        self.channel = channel
        self.origin = origin
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
    }

    var eventLoop: any EventLoop { channel.eventLoop }

    /// Sends `head` and `body`; the response is delivered as `delivery` says. `onEnd` runs on the
    /// event loop once the exchange is over, saying whether the connection can carry another.
    func send(
        head: HTTPRequestHead, body: ByteBuffer, delivery: UpstreamExchangeHandler.Delivery,
        onEnd: @escaping @Sendable (_ reusable: Bool) -> Void
    ) {
        let handler = self.handler
        let channel = self.channel
        let start: @Sendable () -> Void = {
            handler.value.begin(delivery, onEnd: onEnd)
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        }
        if channel.eventLoop.inEventLoop {
            start()
        } else {
            channel.eventLoop.execute(start)
        }
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// The response side of the exchange in flight.
final class UpstreamExchangeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    enum Delivery: Sendable {
        /// The head and the whole body (up to `limit` bytes), at the end.
        case collect(limit: Int, promise: EventLoopPromise<(HTTPResponseHead, ByteBuffer)>)
        /// The head as soon as it arrives, then each body buffer.
        case stream(head: EventLoopPromise<HTTPResponseHead>, body: AsyncThrowingStream<ByteBuffer, any Error>.Continuation)
    }

    /// Failures of the connection itself; `beforeResponse` says nothing of an answer arrived,
    /// so the request may be sent again on a fresh connection.
    struct ConnectionFailure: Error {
        var beforeResponse: Bool
        var underlying: (any Error)?
    }

    struct ResponseTooLarge: Error {}

    private var delivery: Delivery?
    private var onEnd: (@Sendable (Bool) -> Void)?
    private var head: HTTPResponseHead?
    private var collected: ByteBuffer?
    private var closed = false

    func begin(_ delivery: Delivery, onEnd: @escaping @Sendable (Bool) -> Void) {
        self.delivery = delivery
        self.onEnd = onEnd
        head = nil
        collected = nil
        // The server closed the connection between its lease and this write.
        if closed { fail(ConnectionFailure(beforeResponse: true, underlying: nil)) }
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
                body.yield(buffer)
            }
        case .end:
            guard let head else {
                fail(ConnectionFailure(beforeResponse: true, underlying: nil))
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

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(ConnectionFailure(beforeResponse: head == nil, underlying: error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        fail(ConnectionFailure(beforeResponse: head == nil, underlying: nil))
        context.fireChannelInactive()
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
        let onEnd = self.onEnd
        self.onEnd = nil
        onEnd?(reusable && !closed)
    }
}
