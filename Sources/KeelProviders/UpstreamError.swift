import KeelCore

/// Why an attempt on a target failed.
public struct UpstreamError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The upstream answered with this HTTP status.
        case http(status: Int)
        /// The attempt took longer than its timeout (or its first-token timeout).
        case timeout
        /// No connection could be made, or it broke before an answer.
        case connection
        /// The upstream answered with something that is not its protocol.
        case invalidResponse
        /// The request cannot be expressed in the upstream's protocol; trying again cannot help.
        case unsupported
    }

    public var kind: Kind
    public var message: String
    /// Seconds, from the upstream's `Retry-After` (or `retry-after-ms`).
    public var retryAfter: Double?
    /// The upstream's own error `type` and `code`, when it sent an OpenAI- or Anthropic-style body.
    public var upstreamType: String?
    public var upstreamCode: String?

    public init(kind: Kind, message: String, retryAfter: Double? = nil, upstreamType: String? = nil, upstreamCode: String? = nil) {
        self.kind = kind
        self.message = message
        self.retryAfter = retryAfter
        self.upstreamType = upstreamType
        self.upstreamCode = upstreamCode
    }

    /// The status the client sees when this is the last error.
    public var status: Int {
        switch kind {
        case .http(let status): return status
        case .timeout: return 504
        case .connection, .invalidResponse: return 502
        case .unsupported: return 400
        }
    }

    /// 429, 5xx, timeouts and broken connections may succeed on another try; nothing else will.
    public var isRetryable: Bool {
        switch kind {
        case .http(let status): return status == 429 || status == 408 || status >= 500
        case .timeout, .connection: return true
        case .invalidResponse, .unsupported: return false
        }
    }

    public var description: String { "\(status) \(message)" }

    public static func timeout(afterMs ms: Int, what: String = "attempt") -> UpstreamError {
        UpstreamError(kind: .timeout, message: "The upstream \(what) timed out after \(ms) ms.")
    }

    public static func invalidResponse(_ message: String) -> UpstreamError {
        UpstreamError(kind: .invalidResponse, message: message)
    }

    public static func unsupported(_ message: String) -> UpstreamError {
        UpstreamError(kind: .unsupported, message: message)
    }

    /// An error status with the body the upstream sent, in whichever of the common shapes it
    /// uses: OpenAI's and Anthropic's `{"error": {"message", "type"}}`, Gemini's
    /// `{"error": {"message", "status"}}`, a list of those, or plain text.
    public static func from(status: Int, body: String, retryAfter: Double?) -> UpstreamError {
        let parsed = try? JSONValue.parse(body)
        let errorObject = parsed?["error"] ?? parsed?[0]?["error"]
        let message = errorObject?["message"]?.stringValue ?? errorObject?.stringValue ?? parsed?["message"]?.stringValue
        let type = errorObject?["type"]?.stringValue ?? errorObject?["status"]?.stringValue
        let code: String? = errorObject?["code"]?.stringValue ?? errorObject?["code"]?.intValue.map(String.init)
        let fallback = body.isEmpty ? "The upstream answered with HTTP \(status)." : String(body.prefix(500))
        return UpstreamError(
            kind: .http(status: status), message: message ?? fallback, retryAfter: retryAfter,
            upstreamType: type, upstreamCode: code)
    }
}
