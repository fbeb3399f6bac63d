import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// A request as NIO parsed it, with its whole body.
struct DirectRequest: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer
}

/// An answer in NIO's own types: a whole body sent in one write, or a streamed one.
struct DirectResponse: Sendable {
    enum Body: Sendable {
        case whole(ByteBuffer)
        case streamed(ResponseBody)
    }

    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: Body

    /// The same answer for a route served through the router.
    var response: Response {
        let fields = HTTPFields(headers, splitCookie: false)
        switch body {
        case .whole(let buffer):
            return Response(status: .init(code: Int(status.code)), headers: fields, body: ResponseBody(byteBuffer: buffer))
        case .streamed(let body):
            return Response(status: .init(code: Int(status.code)), headers: fields, body: body)
        }
    }
}

/// Routes answered from NIO's request types, ahead of the router: the gateway's hot paths,
/// where converting to HTTP types and going through the router and its middleware cost more
/// than the route's own work. Only an exact `METHOD /path` is taken here; every other request,
/// including a near miss such as a trailing slash, goes to the router, which has the same routes.
struct DirectRoutes: Sendable {
    /// Answers a request through `respond`, once; the handler may go on working after it (a
    /// trace recorded once the answer is written), and the connection's next request waits.
    typealias Handler = @Sendable (DirectRequest, _ respond: (DirectResponse) async -> Void) async -> Void

    private var routes: [(method: HTTPMethod, path: String, handler: Handler)] = []

    init() {}

    mutating func post(_ path: String, _ handler: @escaping Handler) {
        routes.append((.POST, path, handler))
    }

    /// A few routes, compared without building a key per request.
    func handler(for head: HTTPRequestHead) -> Handler? {
        let path = head.uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { head.uri.utf8[..<$0] } ?? head.uri.utf8[...]
        return routes.first { $0.method == head.method && $0.path.utf8.elementsEqual(path) }?.handler
    }
}
