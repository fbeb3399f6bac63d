import Foundation

/// One try of one target, as the trace will show it.
public struct AttemptRecord: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case success
        case failure(status: Int, message: String)
        /// Not tried: the target's circuit breaker is open.
        case skippedCircuitOpen
        /// Sent again by the upstream client on a new connection, because the connection it had
        /// been given was closed before any of the request was written (so nothing was billed).
        case resentOnNewConnection
    }

    public var provider: String
    public var upstreamModel: String
    public var outcome: Outcome
    public var startedAt: Date
    public var latencyMs: Double

    public init(provider: String, upstreamModel: String, outcome: Outcome, startedAt: Date = Date(), latencyMs: Double) {
        self.provider = provider
        self.upstreamModel = upstreamModel
        self.outcome = outcome
        self.startedAt = startedAt
        self.latencyMs = latencyMs
    }
}

/// Which target answered, and every attempt it took to get there.
public struct RouteInfo: Sendable {
    public var provider: String?
    public var upstreamModel: String?
    public var attempts: [AttemptRecord]

    public init(provider: String? = nil, upstreamModel: String? = nil, attempts: [AttemptRecord] = []) {
        self.provider = provider
        self.upstreamModel = upstreamModel
        self.attempts = attempts
    }
}
