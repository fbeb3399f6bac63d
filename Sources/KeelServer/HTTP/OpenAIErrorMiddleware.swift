import Hummingbird
import KeelCore
import Logging
import NIOCore

/// Answers every error, including Hummingbird's own (unknown path, body too large), in the
/// OpenAI error format; an unexpected error is logged and becomes a 500 that names no secret.
struct OpenAIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as KeelError {
            return .error(error)
        } catch let error as HTTPError {
            return .error(Self.map(error, request: request))
        } catch is NIOTooManyBytesError {
            return .error(KeelError.bodyTooLarge(limit: context.maxUploadSize))
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(type(of: error))"])
            return .error(KeelError.internalError("The server failed to process the request."))
        }
    }

    static func map(_ error: HTTPError, request: Request) -> KeelError {
        switch error.status {
        case .notFound: return .notFound(path: request.uri.path)
        case .methodNotAllowed: return .methodNotAllowed(method: request.method.rawValue, path: request.uri.path)
        case .contentTooLarge:
            return KeelError(
                status: 413, type: "invalid_request_error", message: error.body ?? "The request body is too large.", code: "request_too_large")
        default:
            let status = Int(error.status.code)
            return KeelError(status: status, type: KeelError.type(forStatus: status), message: error.body ?? error.status.reasonPhrase)
        }
    }
}
