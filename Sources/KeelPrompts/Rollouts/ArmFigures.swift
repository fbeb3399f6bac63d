import KeelCore

/// One arm's running figures since the rollout started. Latency, cost and tokens are those of
/// the requests that succeeded: a failure that returns at once would otherwise make a failing
/// candidate look fast and cheap.
public struct ArmFigures: Sendable, Hashable {
    /// Requests counted: succeeded and failed (cancelled ones are kept apart).
    public private(set) var requests = 0
    public private(set) var errors = 0
    public private(set) var cancelled = 0
    public private(set) var latency = LatencyHistogram()
    /// Cost per succeeded request, of those with a price.
    public private(set) var cost = MeanFigures()
    public private(set) var promptTokens = 0
    public private(set) var completionTokens = 0
    public private(set) var quality = MeanFigures()

    public init() {}

    /// A score that came after the answer (an online eval's verdict), in [0, 1].
    public mutating func addQuality(_ score: Double) { quality.add(min(max(score, 0), 1)) }

    public mutating func record(_ outcome: RolloutOutcome) {
        if let score = outcome.qualityScore { quality.add(score) }
        switch outcome.ending {
        case .cancelled:
            cancelled += 1
        case .failed:
            requests += 1
            errors += 1
        case .succeeded:
            requests += 1
            latency.add(outcome.latencyMs)
            if let costUSD = outcome.costUSD { cost.add(costUSD) }
            promptTokens += outcome.promptTokens
            completionTokens += outcome.completionTokens
        }
    }

    public mutating func merge(_ other: ArmFigures) {
        requests += other.requests
        errors += other.errors
        cancelled += other.cancelled
        latency.merge(other.latency)
        cost.merge(other.cost)
        promptTokens += other.promptTokens
        completionTokens += other.completionTokens
        quality.merge(other.quality)
    }

    public var errorRate: Double? { requests > 0 ? Double(errors) / Double(requests) : nil }
    public var p50LatencyMs: Double? { latency.quantile(0.5) }
    public var p95LatencyMs: Double? { latency.quantile(0.95) }
    public var costPerRequestUSD: Double? { cost.mean }

    /// The side-by-side figures for `keel rollouts status` and for events, each with the sample
    /// behind it.
    public var summary: JSONValue {
        func number(_ value: Double?) -> JSONValue { value.map(JSONValue.double) ?? .null }
        return [
            "requests": .int(Int64(requests)), "errors": .int(Int64(errors)), "error_rate": number(errorRate),
            "cancelled": .int(Int64(cancelled)),
            "latency_ms": ["p50": number(p50LatencyMs), "p95": number(p95LatencyMs), "samples": .int(Int64(latency.total))],
            "cost_per_request_usd": ["mean": number(cost.mean), "samples": .int(Int64(cost.count))],
            "tokens": ["prompt": .int(Int64(promptTokens)), "completion": .int(Int64(completionTokens))],
            "quality_score": ["mean": number(quality.mean), "samples": .int(Int64(quality.count))],
        ]
    }

    /// Everything, for the stored state: `init(json:)` reads it back.
    public var json: JSONValue {
        [
            "requests": .int(Int64(requests)), "errors": .int(Int64(errors)), "cancelled": .int(Int64(cancelled)),
            "latency_histogram": latency.json, "cost": cost.json, "prompt_tokens": .int(Int64(promptTokens)),
            "completion_tokens": .int(Int64(completionTokens)), "quality": quality.json,
        ]
    }

    public init(json: JSONValue?) {
        requests = json?["requests"]?.intValue ?? 0
        errors = json?["errors"]?.intValue ?? 0
        cancelled = json?["cancelled"]?.intValue ?? 0
        latency = LatencyHistogram(json: json?["latency_histogram"])
        cost = MeanFigures(json: json?["cost"])
        promptTokens = json?["prompt_tokens"]?.intValue ?? 0
        completionTokens = json?["completion_tokens"]?.intValue ?? 0
        quality = MeanFigures(json: json?["quality"])
    }
}
