import KeelCore

/// The figures of one scope over a stretch of time: what happened to its requests, how long
/// they took, what they cost, and their scores. Figures of two stretches add up.
public struct SignalFigures: Sendable, Equatable {
    public var requests = 0
    public var succeeded = 0
    public var failed = 0
    public var cancelled = 0
    public var rejected = 0
    /// Answers that declined (among the succeeded ones).
    public var refused = 0
    /// Attempts on a target, and those that failed or were skipped by its open breaker.
    public var attempts = 0
    public var failedAttempts = 0
    public var latency = SparseLatencies()
    public var timeToFirstToken = SparseLatencies()
    public var tokens = 0
    public var tokenRequests = 0
    public var costUSD = 0.0
    public var pricedRequests = 0
    /// Per score name: count and sum.
    public var scores: [String: ScoreSum] = [:]

    public struct ScoreSum: Sendable, Equatable {
        public var count = 0
        public var sum = 0.0

        public var mean: Double? { count == 0 ? nil : sum / Double(count) }
    }

    public init() {}

    public mutating func add(_ request: RequestSignal) {
        requests += 1
        switch request.outcome {
        case .succeeded: succeeded += 1
        case .failed: failed += 1
        case .cancelled: cancelled += 1
        case .rejected: rejected += 1
        }
        if request.refused { refused += 1 }
        // A cancelled or rejected request's time is the client's patience or Keel's refusal, not the model's.
        guard request.outcome == .succeeded || request.outcome == .failed else { return }
        latency.add(request.latencyMs)
        if let ttft = request.ttftMs { timeToFirstToken.add(ttft) }
        if let count = request.tokens {
            tokens += count
            tokenRequests += 1
        }
        if let cost = request.costUSD {
            costUSD += cost
            pricedRequests += 1
        }
    }

    public mutating func addAttempt(failed: Bool) {
        attempts += 1
        if failed { failedAttempts += 1 }
    }

    public mutating func addScore(_ name: String, _ value: Double) {
        scores[name, default: ScoreSum()].count += 1
        scores[name, default: ScoreSum()].sum += value
    }

    public mutating func merge(_ other: SignalFigures) {
        requests += other.requests
        succeeded += other.succeeded
        failed += other.failed
        cancelled += other.cancelled
        rejected += other.rejected
        refused += other.refused
        attempts += other.attempts
        failedAttempts += other.failedAttempts
        latency.merge(other.latency)
        timeToFirstToken.merge(other.timeToFirstToken)
        tokens += other.tokens
        tokenRequests += other.tokenRequests
        costUSD += other.costUSD
        pricedRequests += other.pricedRequests
        for (name, sum) in other.scores {
            scores[name, default: ScoreSum()].count += sum.count
            scores[name, default: ScoreSum()].sum += sum.sum
        }
    }

    /// Requests the model or provider answered for: neither cancelled nor rejected.
    public var served: Int { succeeded + failed }
    /// Failed over served; nil with none served.
    public var errorRate: Double? { served == 0 ? nil : Double(failed) / Double(served) }
    public var refusalRate: Double? { succeeded == 0 ? nil : Double(refused) / Double(succeeded) }
    /// Failed attempts over attempts (a target's health, failovers included); nil without attempts.
    public var attemptErrorRate: Double? { attempts == 0 ? nil : Double(failedAttempts) / Double(attempts) }
    public var tokensPerRequest: Double? { tokenRequests == 0 ? nil : Double(tokens) / Double(tokenRequests) }
    public var costPerRequest: Double? { pricedRequests == 0 ? nil : costUSD / Double(pricedRequests) }

    public var json: JSONValue {
        func number(_ value: Double?) -> JSONValue { value.map { .double(($0 * 1000).rounded() / 1000) } ?? .null }
        func rate(_ value: Double?) -> JSONValue { value.map(JSONValue.double) ?? .null }
        return [
            "requests": .int(Int64(requests)), "succeeded": .int(Int64(succeeded)), "failed": .int(Int64(failed)),
            "cancelled": .int(Int64(cancelled)), "rejected": .int(Int64(rejected)), "error_rate": rate(errorRate),
            "refusal_rate": rate(refusalRate), "attempts": .int(Int64(attempts)), "failed_attempts": .int(Int64(failedAttempts)),
            "attempt_error_rate": rate(attemptErrorRate), "p50_latency_ms": number(latency.quantile(0.50)),
            "p95_latency_ms": number(latency.quantile(0.95)), "p99_latency_ms": number(latency.quantile(0.99)),
            "p50_ttft_ms": number(timeToFirstToken.quantile(0.50)), "p95_ttft_ms": number(timeToFirstToken.quantile(0.95)),
            "tokens_per_request": number(tokensPerRequest), "cost_per_request_usd": rate(costPerRequest), "cost_usd": .double(costUSD),
            "scores": .object(scores.mapValues { ["mean": rate($0.mean), "count": .int(Int64($0.count))] }),
        ]
    }
}
