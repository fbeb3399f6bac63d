import KeelCore
import KeelProviders

/// Turns whatever stopped a request into the error the client sees, with no provider key in it.
struct ClientErrorMapper: Sendable {
    /// Every configured provider key, to be scrubbed from upstream messages.
    let secrets: [String]

    func map(_ error: any Error) -> KeelError {
        switch error {
        case let error as KeelError:
            return error
        case let error as UpstreamError:
            let status = error.status
            let type = error.upstreamType.flatMap { Self.openAITypes.contains($0) ? $0 : nil } ?? KeelError.type(forStatus: status)
            return KeelError(
                status: status, type: type, message: scrub(error.message), code: error.upstreamCode ?? Self.code(for: error),
                retryAfter: error.retryAfter)
        case is CancellationError:
            return .cancelled
        default:
            return KeelError.internalError("Internal error: \(scrub(String(describing: error)))")
        }
    }

    /// The same upstream error with every provider key in its message replaced: what the trace's
    /// attempts, the logs and the spans are given.
    func scrubbed(_ error: UpstreamError) -> UpstreamError {
        var error = error
        error.message = scrub(error.message)
        return error
    }

    private func scrub(_ text: String) -> String {
        secrets.reduce(text) { $1.count >= 8 ? $0.replacingOccurrences(of: $1, with: "[REDACTED]") : $0 }
    }

    private static let openAITypes: Set<String> = [
        "invalid_request_error", "authentication_error", "permission_error", "not_found_error", "rate_limit_error",
        "api_error", "server_error", "timeout_error", "service_unavailable_error", "insufficient_quota",
    ]

    private static func code(for error: UpstreamError) -> String? {
        switch error.kind {
        case .timeout: return "upstream_timeout"
        case .connection: return "upstream_unreachable"
        case .invalidResponse: return "upstream_invalid_response"
        case .unsupported: return "unsupported_by_provider"
        case .http: return nil
        }
    }
}
