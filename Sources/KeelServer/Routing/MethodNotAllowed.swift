import HTTPTypes
import Hummingbird
import KeelCore
import Synchronization

/// The methods each registered path has, so that a request for a path Keel has, with a method it
/// does not have there, is told 405 and the methods it may use (RFC 9110 §15.5.6) rather than a
/// 404. Filled by `RouteCatalogue` as routes are added, read by `MethodNotAllowedMiddleware`.
final class RouteMethods: Sendable {
    private struct Route {
        /// The path's segments; `nil` for a `{parameter}`, which matches any one segment.
        var segments: [Substring?]
        var method: HTTPRequest.Method
    }

    private let routes = Mutex<[Route]>([])

    func add(_ method: HTTPRequest.Method, path: String) {
        let segments = path.split(separator: "/").map { $0.hasPrefix("{") && $0.hasSuffix("}") ? nil : $0 }
        routes.withLock { $0.append(Route(segments: segments, method: method)) }
    }

    /// The methods of the routes whose path matches `path`, in the order they were added.
    func methods(for path: String) -> [HTTPRequest.Method] {
        // By bytes, as the router matches: a `/` followed by a combining mark is no `/` to a split by characters.
        let segments = path.utf8.split(separator: UInt8(ascii: "/")).map { Substring($0) }
        return routes.withLock { routes in
            var methods: [HTTPRequest.Method] = []
            for route in routes where Self.matches(route.segments, segments) && !methods.contains(route.method) {
                methods.append(route.method)
            }
            return methods
        }
    }

    private static func matches(_ pattern: [Substring?], _ segments: [Substring]) -> Bool {
        pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0 == nil || $0 == $1 }
    }
}

/// Turns the router's "no route" into a 405 with `Allow` when the path has routes for other
/// methods; a path Keel does not have stays a 404.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = routes.methods(for: request.uri.path)
            guard !allowed.isEmpty else { throw error }
            return .error(
                .methodNotAllowed(method: request.method.rawValue, path: request.uri.path),
                headers: [HTTPField.Name("allow")!: allowed.map(\.rawValue).joined(separator: ", ")])
        }
    }
}
