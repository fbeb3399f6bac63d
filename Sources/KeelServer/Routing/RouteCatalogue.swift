import HTTPTypes
import Hummingbird
import NIOHTTP1

/// Every route of the gateway's server, each added with the access it needs into the router
/// group whose middleware checks that access: the route that answers a request decides who may
/// call it, never a prefix of the raw path. Route types are handed a group, not the router, so
/// a route cannot be added without an access; the catalogue lists them all for the tests.
final class RouteCatalogue {
    struct Entry: Sendable, Hashable, CustomStringConvertible {
        var method: HTTPRequest.Method
        /// As registered, with `{parameter}` placeholders.
        var path: String
        var access: RouteAccess

        var description: String { "\(method.rawValue) \(path) (\(access.rawValue))" }
    }

    let router: Router<KeelRequestContext>
    let authenticator: KeyAuthenticator
    private(set) var entries: [Entry] = []
    /// The methods of each path, for the 405 of a method a path does not have.
    private let methods = RouteMethods()
    /// The direct routes, each checked by the access it was registered with.
    private(set) var direct: DirectRoutes

    init(authenticator: KeyAuthenticator) {
        self.authenticator = authenticator
        direct = DirectRoutes(authenticator: authenticator)
        router = Router(context: KeelRequestContext.self)
        router.add(middleware: OpenAIErrorMiddleware())
        router.add(middleware: MethodNotAllowedMiddleware(routes: methods))
    }

    func group(_ access: RouteAccess) -> AccessGroup {
        AccessGroup(
            access: access, catalogue: self,
            group: router.group().add(middleware: AccessMiddleware(access: access, authenticator: authenticator)))
    }

    fileprivate func record(_ entry: Entry) {
        entries.append(entry)
        methods.add(entry.method, path: entry.path)
    }

    fileprivate func addDirect(_ method: NIOHTTP1.HTTPMethod, _ path: String, access: RouteAccess, _ handler: @escaping DirectRoutes.Handler) {
        direct.add(method, path, access: access, handler)
    }
}

/// The routes of one access level: what route types register on. Each route is recorded in the
/// catalogue and added to the group that carries the access check.
struct AccessGroup: RouterMethods {
    let access: RouteAccess
    fileprivate let catalogue: RouteCatalogue
    fileprivate let group: RouterGroup<KeelRequestContext>

    @discardableResult
    func on<Responder: HTTPResponder>(_ path: RouterPath, method: HTTPRequest.Method, responder: Responder) -> Self
    where Responder.Context == KeelRequestContext {
        catalogue.record(.init(method: method, path: path.description, access: access))
        group.on(path, method: method, responder: responder)
        return self
    }

    @discardableResult
    func add(middleware: any MiddlewareProtocol<Request, Response, KeelRequestContext>) -> Self {
        group.add(middleware: middleware)
        return self
    }

    /// A hot route answered from NIO's types ahead of the router, with this group's access. The
    /// router must have the same route too (`on`), for the requests the direct match misses.
    func direct(_ method: NIOHTTP1.HTTPMethod, _ path: String, _ handler: @escaping DirectRoutes.Handler) {
        catalogue.addDirect(method, path, access: access, handler)
    }
}
