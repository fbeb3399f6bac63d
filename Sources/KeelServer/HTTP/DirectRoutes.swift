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
/// than the route's own work. Only an exact `METHOD /path` of the normalised target is taken
/// here; every other request goes to the router, which has the same routes. Each route carries
/// its access (`RouteCatalogue` adds them), checked here before the route's handler runs.
struct DirectRoutes: Sendable {
    /// Answers a request through `respond`, once; the handler may go on working after it (a
    /// trace recorded once the answer is written), and the connection's next request waits.
    typealias Handler = @Sendable (DirectRequest, Caller, _ respond: (DirectResponse) async -> Void) async -> Void

    struct Route: Sendable {
        var method: HTTPMethod
        var path: String
        var access: RouteAccess
        var handler: Handler
    }

    private var routes: [Route] = []
    private let authenticator: KeyAuthenticator?

    /// Routes other than `.open` ones need `authenticator`.
    init(authenticator: KeyAuthenticator? = nil) {
        self.authenticator = authenticator
    }

    var all: [Route] { routes }

    mutating func add(_ method: HTTPMethod, _ path: String, access: RouteAccess, _ handler: @escaping Handler) {
        precondition(access == .open || authenticator != nil, "a direct route with access \(access) needs an authenticator")
        routes.append(Route(method: method, path: path, access: access, handler: handler))
    }

    /// A few routes, compared without building a key per request.
    func route(for head: HTTPRequestHead) -> Route? {
        let path = head.uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { head.uri.utf8[..<$0] } ?? head.uri.utf8[...]
        return routes.first { $0.method == head.method && $0.path.utf8.elementsEqual(path) }
    }

    /// Checks the caller against the route's access, then lets the route answer.
    func serve(_ route: Route, _ request: DirectRequest, respond: (DirectResponse) async -> Void) async {
        var caller = Caller.anonymous
        if route.access != .open, let authenticator {
            do {
                caller = try await authenticator.caller(for: route.access, secret: KeyAuthenticator.bearer(request.head.headers))
            } catch {
                return await respond(.error(error))
            }
        }
        await route.handler(request, caller, respond)
    }
}
