import NIOCore

/// Opens an HTTP CONNECT tunnel through a proxy to `authority`: sends the CONNECT request (with
/// the proxy's credentials, if any) as soon as the channel is active, reads the proxy's answer
/// head, and on a 2xx removes itself and fulfils `opened`, leaving the channel a plain byte
/// pipe to the origin, ready for TLS. Any other answer, a close, or no answer within `timeout`
/// fails `opened`.
final class ProxyTunnelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The proxy refused the tunnel or broke off; says which proxy (never its credentials).
    struct Refused: Error, CustomStringConvertible {
        var proxy: String
        var status: Int?
        var description: String {
            guard let status else { return "the proxy \(proxy) closed the connection before opening the tunnel" }
            return "the proxy \(proxy) refused the tunnel with HTTP \(status)"
        }
    }

    /// A proxy answer head larger than this is not a proxy speaking HTTP.
    static let maxAnswerBytes = 16 * 1024

    private let proxy: ProxyServer
    private let authority: String
    private let timeout: TimeAmount
    private let opened: EventLoopPromise<Void>
    private var answer: ByteBuffer?
    private var sent = false
    private var timer: Scheduled<Void>?

    init(proxy: ProxyServer, authority: String, timeout: TimeAmount, opened: EventLoopPromise<Void>) {
        self.proxy = proxy
        self.authority = authority
        self.timeout = timeout
        self.opened = opened
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendConnect(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendConnect(context: context)
        context.fireChannelActive()
    }

    private func sendConnect(context: ChannelHandlerContext) {
        guard !sent else { return }
        sent = true
        var request = "CONNECT \(authority) HTTP/1.1\r\nhost: \(authority)\r\n"
        if let authorization = proxy.authorization { request += "proxy-authorization: \(authorization)\r\n" }
        request += "\r\n"
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: request)), promise: nil)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.opened.fail(ChannelError.connectTimeout(handler.timeout))
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if answer == nil { answer = bytes } else { answer!.writeBuffer(&bytes) }
        guard let view = answer?.readableBytesView, let end = Self.headEnd(in: view) else {
            if (answer?.readableBytes ?? 0) > Self.maxAnswerBytes { refuse(status: nil, context: context) }
            return
        }
        let head = String(decoding: view[view.startIndex..<end], as: UTF8.self)
        let status = Self.status(ofHead: head)
        // Nothing may follow the answer before Keel speaks first (TLS's hello, or the request).
        guard let status, (200..<300).contains(status), end == view.endIndex else {
            refuse(status: status, context: context)
            return
        }
        timer?.cancel()
        answer = nil
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
        opened.succeed()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        opened.fail(Refused(proxy: proxy.description, status: nil))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        timer?.cancel()
        opened.fail(error)
        context.close(promise: nil)
    }

    private func refuse(status: Int?, context: ChannelHandlerContext) {
        timer?.cancel()
        opened.fail(Refused(proxy: proxy.description, status: status))
        context.close(promise: nil)
    }

    /// The index just past the blank line that ends the answer's head.
    static func headEnd(in bytes: ByteBufferView) -> ByteBufferView.Index? {
        var index = bytes.startIndex
        while index + 3 < bytes.endIndex {
            if bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13, bytes[index + 3] == 10 { return index + 4 }
            index += 1
        }
        return nil
    }

    /// The status code of `HTTP/1.x NNN reason`.
    static func status(ofHead head: String) -> Int? {
        let parts = head.prefix { $0 != "\r" }.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1.") else { return nil }
        return Int(parts[1])
    }
}
