/// An error that ends a request, with everything needed to answer the client in the OpenAI
/// format: `{"error": {"message", "type", "param", "code"}}`.
public struct KeelError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var type: String
    public var message: String
    public var param: String?
    public var code: String?
    /// Seconds the client should wait before retrying, sent as `Retry-After`.
    public var retryAfter: Double?

    public init(status: Int, type: String, message: String, param: String? = nil, code: String? = nil, retryAfter: Double? = nil) {
        self.status = status
        self.type = type
        self.message = message
        self.param = param
        self.code = code
        self.retryAfter = retryAfter
    }

    public var description: String { "\(status) \(type): \(message)" }

    public var body: JSONValue {
        [
            "error": [
                "message": .string(message),
                "type": .string(type),
                "param": param.map(JSONValue.string) ?? .null,
                "code": code.map(JSONValue.string) ?? .null,
            ]
        ]
    }
}

extension KeelError {
    public static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> KeelError {
        KeelError(status: 400, type: "invalid_request_error", message: message, param: param, code: code)
    }

    public static func modelNotFound(_ model: String, available: [String]) -> KeelError {
        let list = available.isEmpty ? "none are configured" : "available: \(available.joined(separator: ", "))"
        return KeelError(
            status: 404, type: "invalid_request_error",
            message: "The model '\(model)' does not exist on this gateway (\(list)).",
            param: "model", code: "model_not_found")
    }

    public static func bodyTooLarge(limit: Int) -> KeelError {
        KeelError(
            status: 413, type: "invalid_request_error",
            message: "The request body is larger than the limit of \(limit) bytes (server.max_body_bytes).",
            code: "request_too_large")
    }

    public static func notFound(path: String) -> KeelError {
        KeelError(status: 404, type: "invalid_request_error", message: "Unknown path: \(path)", code: "unknown_url")
    }

    public static func methodNotAllowed(method: String, path: String) -> KeelError {
        KeelError(
            status: 405, type: "invalid_request_error", message: "Method \(method) is not allowed on \(path).",
            code: "method_not_allowed")
    }

    /// The client went away (499, as nginx records it): the request ends, and nothing failed.
    public static let cancelled = KeelError(status: 499, type: "invalid_request_error", message: "The request was cancelled.", code: "cancelled")

    public static func internalError(_ message: String) -> KeelError {
        KeelError(status: 500, type: "api_error", message: message, code: "internal_error")
    }

    /// The default error `type` for an HTTP status, as OpenAI names them.
    public static func type(forStatus status: Int) -> String {
        switch status {
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 404, 400, 405, 409, 413, 415, 422: return "invalid_request_error"
        case 408, 504: return "timeout_error"
        case 429: return "rate_limit_error"
        case 503, 529: return "service_unavailable_error"
        default: return status >= 500 ? "api_error" : "invalid_request_error"
        }
    }
}
