import NIOCore
import NIOHTTP1

/// One keep-alive HTTP/1.1 connection to a provider, carrying one exchange at a time. Its
/// handler writes the request and delivers the response on the channel's event loop, either
/// whole (`collect`) or as body parts read as the consumer takes them (`stream`).
final class UpstreamConnection: Sendable {
    let channel: any Channel
    let route: UpstreamRoute
    private let handler: NIOLoopBound<UpstreamExchangeHandler>

    init(channel: any Channel, route: UpstreamRoute, handler: UpstreamExchangeHandler) {
        self.channel = channel
        self.route = route
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
    }

    var eventLoop: any EventLoop { channel.eventLoop }

    /// Sends `head` and `body`; the response is delivered as `delivery` says. `onEnd` runs on the
    /// event loop once the exchange is over, saying whether the connection can carry another.
    func send(
        head: HTTPRequestHead, body: ByteBuffer, delivery: UpstreamExchangeHandler.Delivery,
        onEnd: @escaping @Sendable (_ reusable: Bool) -> Void
    ) {
        onEventLoop { handler in handler.begin(UpstreamExchangeHandler.Request(head: head, body: body), delivery: delivery, onEnd: onEnd) }
    }

    /// Runs `work` with the handler on the connection's event loop: at once when called there.
    func onEventLoop(_ work: @escaping @Sendable (UpstreamExchangeHandler) -> Void) {
        if channel.eventLoop.inEventLoop {
            work(handler.value)
        } else {
            let handler = self.handler
            channel.eventLoop.execute { work(handler.value) }
        }
    }

    func close() {
        channel.close(promise: nil)
    }
}
