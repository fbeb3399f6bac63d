import Foundation
import Hummingbird
import KeelCore
import KeelStore

/// Who may call a route. Every route is registered with one (`RouteCatalogue`), into the
/// router group whose middleware checks it.
enum RouteAccess: String, Sendable, CaseIterable {
    /// Anyone: `/healthz`.
    case open
    /// A Keel API key once keys exist (or `auth.required` is set). The admin key is accepted
    /// too, and sees every key's files and batches.
    case apiKey = "api_key"
    /// The admin key, whenever one is configured or API keys exist.
    case admin
}

/// Who is calling, as the access check of the route that answers found.
enum Caller: Sendable, Equatable {
    /// No one in particular: an open route, or an API-key route while no key exists.
    case anonymous
    case key(APIKey)
    case admin

    var apiKey: APIKey? {
        if case .key(let key) = self { return key }
        return nil
    }

    /// The files and batches this caller sees: its key's and its team's, or all of them for the
    /// admin key and while no key exists.
    var scope: ObjectScope {
        guard case .key(let key) = self else { return .all }
        return .owner(ObjectOwner(key))
    }
}

/// The request context of Keel's router: Hummingbird's, with the caller the route's access
/// check found.
struct KeelRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var caller = Caller.anonymous

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}

extension KeelRequestContext {
    /// A `{name}` of the route's path as the client meant it: percent-decoded (`a%20b` is the key
    /// `a b`); a 400 when its bytes are not UTF-8. `RequestPath` has refused an encoded `/`, `\\`,
    /// `.` or NUL before routing, so a value never holds those.
    func pathParameter(_ name: String) throws(KeelError) -> String {
        guard let raw = parameters.get(name) else {
            throw KeelError.invalidRequest("Missing path parameter '\(name)'.", param: name, code: "missing_required_parameter")
        }
        guard let value = raw.removingPercentEncoding else {
            throw KeelError.invalidRequest("The path parameter '\(name)' is not percent-encoded UTF-8.", param: name, code: "invalid_path")
        }
        return value
    }
}

/// Checks the caller against the access of the routes of its group, and hands the caller on.
struct AccessMiddleware: RouterMiddleware {
    let access: RouteAccess
    let authenticator: KeyAuthenticator

    func handle(
        _ request: Request, context: KeelRequestContext, next: (Request, KeelRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.caller = try await authenticator.caller(for: access, secret: KeyAuthenticator.bearer(request.headers))
        return try await next(request, context)
    }
}
