import Hummingbird
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
