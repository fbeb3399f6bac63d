import Foundation
import KeelGuardrails
import KeelStore

/// One finished request as the monitor counts it, read from its trace.
public struct RequestSignal: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        /// The model answered.
        case succeeded
        /// A provider error, or an answer that broke its guard: the model's or provider's failure.
        case failed
        /// The client went away: nobody's failure.
        case cancelled
        /// Refused by Keel before any model was called (a bad request, a rate limit, a budget):
        /// not the model's or provider's doing.
        case rejected
    }

    public var time: Date
    /// The request's value for each dimension it has (`none` always).
    public var scopes: [SignalDimension: String]
    public var outcome: Outcome
    /// The model declined (finish reason `content_filter`, or an answer that reads as a refusal).
    public var refused: Bool
    public var latencyMs: Double
    public var ttftMs: Double?
    public var tokens: Int?
    public var costUSD: Double?

    public init(
        time: Date, scopes: [SignalDimension: String], outcome: Outcome, refused: Bool = false, latencyMs: Double, ttftMs: Double? = nil,
        tokens: Int? = nil, costUSD: Double? = nil
    ) {
        self.time = time
        self.scopes = scopes
        self.outcome = outcome
        self.refused = refused
        self.latencyMs = latencyMs
        self.ttftMs = ttftMs
        self.tokens = tokens
        self.costUSD = costUSD
    }

    /// What a trace says: its outcome by status (a trace that reached no target and was refused
    /// with a 4xx is `rejected`), its scopes, and whether the answer was a refusal.
    /// The trace's value for each dimension it has (what a later score of it counts under too).
    public static func scopes(of trace: Trace) -> [SignalDimension: String] {
        var scopes: [SignalDimension: String] = [:]
        // Room for every dimension: growing the table midway would allocate it twice.
        scopes.reserveCapacity(SignalDimension.allCases.count)
        scopes[.none] = "all"
        scopes[.model] = trace.model
        if let provider = trace.provider, let upstream = trace.upstreamModel { scopes[.target] = "\(provider)/\(upstream)" }
        if let prompt = trace.prompt { scopes[.prompt] = prompt.reference }
        if let key = trace.apiKeyID { scopes[.key] = key }
        if let team = trace.apiTeam { scopes[.team] = team }
        return scopes
    }

    public init(trace: Trace) {
        let outcome: Outcome
        if trace.status == "ok" {
            outcome = .succeeded
        } else if trace.status == "client_cancelled" {
            outcome = .cancelled
        } else if trace.attempts.isEmpty && (400..<500).contains(trace.httpStatus) {
            outcome = .rejected
        } else {
            outcome = .failed
        }
        let answer = trace.output["content"]?.stringValue ?? ""
        let refused = outcome == .succeeded && (trace.finishReason == "content_filter" || RefusalDetector().isRefusal(answer))
        let tokens = trace.usage.promptTokens.map { $0 + (trace.usage.completionTokens ?? 0) } ?? trace.usage.completionTokens
        self.init(
            time: trace.startedAt.addingTimeInterval(trace.latencyMs / 1000), scopes: Self.scopes(of: trace), outcome: outcome, refused: refused,
            latencyMs: trace.latencyMs, ttftMs: trace.ttftMs, tokens: tokens, costUSD: trace.costUSD)
    }
}

/// One attempt on a target: a failure even when a failover answered the client, and a request
/// its open breaker sent elsewhere counts as the target's failure too.
public struct AttemptSignal: Sendable, Equatable {
    public var time: Date
    public var target: String
    public var failed: Bool

    public init(time: Date, target: String, failed: Bool) {
        self.time = time
        self.target = target
        self.failed = failed
    }

    public static func attempts(of trace: Trace) -> [AttemptSignal] {
        let time = trace.startedAt.addingTimeInterval(trace.latencyMs / 1000)
        return trace.attempts.map { attempt in
            AttemptSignal(
                time: time, target: "\(attempt.provider)/\(attempt.upstreamModel)", failed: attempt.outcome == .error || attempt.outcome == .skipped)
        }
    }
}
