import Hummingbird
import KeelCore
import KeelGateway
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1
import Synchronization

/// One connection's requests: gathers each body (up to the limit), answers it in a task of its
/// own (through a direct route or the router) and writes the response to the channel. NIO's pipelining
/// handler in front keeps requests in order: the next is read only after this response ended.
/// A client that goes away cancels the task of its request, and so the upstream call.
final class HTTPConnectionHandler<Responder: HTTPResponder>: ChannelInboundHandler, RemovableChannelHandler
where Responder.Context: RequestContext, Responder.Context.Source == ApplicationRequestContextSource {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        /// The body went over the limit: the 413 is written and the rest is dropped.
        case refusing
    }

    private let shared: Shared
    private let executor: EventLoopTaskExecutor
    private var state = State.idle
    private var inFlight: Task<Void, Never>?
    private let idle = IdleWatch()
    private var idleCheck: Scheduled<Void>?

    init(shared: Shared, eventLoop: any EventLoop) {
        self.shared = shared
        executor = EventLoopTaskExecutor(eventLoop)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        shared.opened(context.channel)
        idle.touch()
        scheduleIdleCheck(context: context, in: shared.idleTimeout)
    }

    func channelInactive(context: ChannelHandlerContext) {
        inFlight?.cancel()
        inFlight = nil
        idleCheck?.cancel()
        shared.closed(context.channel)
        context.fireChannelInactive()
    }

    /// Closes the connection once nothing has been read for the idle timeout, unless a request
    /// is being answered (a stream may be silent for longer; its own timeouts watch it). A request
    /// whose body stopped arriving is closed like an idle connection. One timer per connection,
    /// moved on as it fires: nothing per request.
    private func scheduleIdleCheck(context: ChannelHandlerContext, in delay: TimeAmount) {
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            guard context.channel.isActive else { return }
            let quiet = self.idle.quietFor()
            guard !self.idle.isAnswering, quiet >= self.shared.idleTimeout else {
                self.scheduleIdleCheck(context: context, in: max(self.shared.idleTimeout - quiet, .milliseconds(1)))
                return
            }
            context.close(promise: nil)
        }
    }

    /// A request that cannot be parsed has had its 400 (NIO's protocol error handler); the
    /// connection cannot be read further.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        idle.touch()
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), _):
            if let declared = head.headers.first(name: "content-length").flatMap(Int.init), declared > shared.maxBodyBytes {
                state = .refusing
                refuseOversizedBody(context: context)
                return
            }
            if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
            state = .receiving(head, context.channel.allocator.buffer(capacity: 0))
        case (.body(var part), .receiving(let head, var body)):
            guard body.readableBytes + part.readableBytes <= shared.maxBodyBytes else {
                state = .refusing
                refuseOversizedBody(context: context)
                return
            }
            if body.readableBytes == 0 {
                body = part  // a body in one read is kept as it came
            } else {
                state = .idle  // lets `body` be appended to in place
                body.writeBuffer(&part)
            }
            state = .receiving(head, body)
        case (.end, .receiving(let head, let body)):
            state = .idle
            let request = DirectRequest(head: head, body: body)
            let channel = context.channel
            let shared = shared
            let idle = idle
            idle.requestBegan()
            let previous = inFlight
            inFlight = Task(executorPreference: executor) { [executor] in
                // The last answer may still be recording its trace: this one waits for it, so a
                // slow trace store holds the connection back instead of piling traces up.
                await previous?.value
                await EventLoopTaskExecutor.$current.withValue(executor) {
                    await shared.answer(request, on: channel)
                }
                idle.requestEnded()
            }
        case (.body, _), (.end, _):
            state = .idle
        }
    }

    /// Answers at once, before the rest of the body arrives, then closes the connection.
    private func refuseOversizedBody(context: ChannelHandlerContext) {
        let error = KeelError.bodyTooLarge(limit: shared.maxBodyBytes)
        let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: error.status), headers: ["content-type": "application/json"])
        shared.writeWhole(head, body: ByteBuffer(bytes: error.body.encodedBytes()), to: context.channel, closing: true)
    }
}

extension HTTPConnectionHandler {
    /// What every connection shares: the responder, the response headers Keel adds, and the
    /// open channels (closed all at once when the shutdown grace is over).
    final class Shared: Sendable {
        let responder: Responder
        let direct: DirectRoutes
        let serverName: String
        let maxBodyBytes: Int
        let idleTimeout: TimeAmount
        let logger: Logger
        private let dates = HTTPDateCache()
        private let open = Mutex<[ObjectIdentifier: any Channel]>([:])

        init(responder: Responder, direct: DirectRoutes, serverName: String, maxBodyBytes: Int, idleTimeout: TimeAmount, logger: Logger) {
            self.responder = responder
            self.direct = direct
            self.serverName = serverName
            self.maxBodyBytes = maxBodyBytes
            self.idleTimeout = idleTimeout
            self.logger = logger
        }

        func answer(_ request: DirectRequest, on channel: any Channel) async {
            var request = request
            let closing = !request.head.isKeepAlive
            switch RequestPath.normalise(request.head.uri) {
            case .unchanged: break
            case .normalised(let target): request.head.uri = target
            case .refused(let reason):
                return await write(.error(KeelError.invalidRequest(reason, code: "invalid_path")), to: channel, closing: closing)
            }
            if let route = direct.route(for: request.head) {
                await direct.serve(route, request) { response in await write(response, to: channel, closing: closing) }
                return
            }
            let response = await routed(request, on: channel)
            await write(
                HTTPResponseHead(response.head), contentLength: response.body.contentLength, body: response.body, to: channel,
                closing: closing, headOnly: request.head.method == .HEAD)
        }

        private func write(_ response: DirectResponse, to channel: any Channel, closing: Bool) async {
            let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: response.headers)
            switch response.body {
            case .whole(let body):
                writeWhole(head, body: body, to: channel, closing: closing)
            case .streamed(let body):
                await write(head, contentLength: nil, body: body, to: channel, closing: closing)
            }
        }

        private func routed(_ request: DirectRequest, on channel: any Channel) async -> Response {
            do {
                let head = try HTTPRequest(request.head, secure: false, splitCookie: false)
                let context = Responder.Context(source: .init(channel: channel, logger: logger))
                return try await responder.respond(to: Request(head: head, body: RequestBody(buffer: request.body)), context: context)
            } catch is HTTP1TypeConversionError {
                return .error(KeelError.invalidRequest("The request line or headers are not valid HTTP."))
            } catch {
                logger.error("unexpected error", metadata: ["error": "\(type(of: error))"])
                return .error(KeelError.internalError("The server failed to process the request."))
            }
        }

        /// A whole body goes out with its head in one flush, without waiting for the write; a
        /// closing connection is closed once the answer is written.
        func writeWhole(_ head: HTTPResponseHead, body: ByteBuffer, to channel: any Channel, closing: Bool) {
            channel.write(HTTPServerResponsePart.head(finalHead(head, contentLength: body.readableBytes, closing: closing)), promise: nil)
            channel.write(HTTPServerResponsePart.body(.byteBuffer(body)), promise: nil)
            guard closing else {
                channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
                return
            }
            channel.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in channel.close(promise: nil) }
        }

        /// A body written part by part (`headOnly`: not at all, for a HEAD request); a client gone
        /// or a failed body closes the connection.
        private func write(
            _ head: HTTPResponseHead, contentLength: Int?, body: ResponseBody, to channel: any Channel, closing: Bool, headOnly: Bool = false
        ) async {
            channel.write(HTTPServerResponsePart.head(finalHead(head, contentLength: contentLength, closing: closing)), promise: nil)
            do {
                if headOnly {
                    try await channel.writeAndFlush(HTTPServerResponsePart.end(nil))
                } else {
                    try await body.write(ChannelBodyWriter(channel: channel))
                }
            } catch {
                channel.close(promise: nil)
                return
            }
            if closing { channel.close(promise: nil) }
        }

        private func finalHead(_ head: HTTPResponseHead, contentLength: Int?, closing: Bool) -> HTTPResponseHead {
            var head = head
            if let contentLength { head.headers.set("content-length", to: String(contentLength)) }
            head.headers.add(name: "date", value: dates.now())
            head.headers.add(name: "server", value: serverName)
            if closing { head.headers.set("connection", to: "close") }
            return head
        }

        func opened(_ channel: any Channel) {
            open.withLock { $0[ObjectIdentifier(channel)] = channel }
        }

        func closed(_ channel: any Channel) {
            _ = open.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
        }

        func closeAll() {
            for channel in open.withLock({ Array($0.values) }) { channel.close(promise: nil) }
        }
    }
}

/// When a connection was last active (a read, or the end of an answer) and how many of its
/// requests are being answered (one, and the one before it while its trace is recorded): set on
/// the event loop, and by the tasks answering the requests.
final class IdleWatch: Sendable {
    private let requestsInFlight = Atomic(0)
    private let lastActiveNanos = Atomic<Int64>(0)

    var isAnswering: Bool { requestsInFlight.load(ordering: .relaxed) > 0 }

    func touch() {
        lastActiveNanos.store(Int64(NIODeadline.now().uptimeNanoseconds), ordering: .relaxed)
    }

    func requestBegan() {
        touch()
        requestsInFlight.add(1, ordering: .relaxed)
    }

    func requestEnded() {
        touch()
        requestsInFlight.subtract(1, ordering: .relaxed)
    }

    func quietFor() -> TimeAmount {
        .nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds) - lastActiveNanos.load(ordering: .relaxed))
    }
}

/// Writes a response body to the channel, each part flushed at once (a stream's chunks must
/// not wait). It waits for a write only when the client reads slower than Keel writes; a client
/// that has gone fails the next write, which ends the body.
struct ChannelBodyWriter: ResponseBodyWriter {
    let channel: any Channel

    mutating func write(_ buffer: ByteBuffer) async throws {
        guard channel.isActive else { throw ChannelError.ioOnClosedChannel }
        if channel.isWritable {
            channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
        } else {
            try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)))
        }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await channel.writeAndFlush(HTTPServerResponsePart.end(trailingHeaders.map(HTTPHeaders.init)))
    }
}
