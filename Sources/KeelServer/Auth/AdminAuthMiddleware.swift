import Hummingbird
import KeelCore

/// The admin surface (`/api/*`, `/metrics`, the OTLP ingest at `/v1/traces`) needs the admin
/// key whenever one is configured or API keys are in use; `/healthz` never does.
struct AdminAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let authenticator: KeyAuthenticator

    static func isAdmin(_ path: String) -> Bool {
        path.hasPrefix("/api/") || path == "/api" || path == "/metrics" || path == "/v1/traces"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.isAdmin(request.uri.path) { try await authenticator.checkAdmin(request.headers) }
        return try await next(request, context)
    }
}
