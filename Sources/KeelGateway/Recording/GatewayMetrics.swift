import KeelStore
import Metrics
import Synchronization

/// Counters and histograms of traffic, derived from each finished trace (swift-metrics, so
/// any backend works; the server exposes them in the Prometheus format). Handles are made once
/// per label set and kept: looking one up in the backend's registry costs a lock and hashing.
final class GatewayMetrics: Sendable {
    private struct TargetHandles: Sendable {
        let duration: Timer
        let timeToFirstToken: Timer
        let promptTokens: Counter
        let completionTokens: Counter
        let cost: FloatingPointCounter
    }

    private struct Labels: Hashable {
        var values: [String]
    }

    /// Clients choose model names, so the caches are bounded.
    private static let maxCachedLabelSets = 10_000
    private let factory: any MetricsFactory
    private let targets = Mutex<[Labels: TargetHandles]>([:])
    private let counters = Mutex<[Labels: Counter]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func record(_ trace: Trace) {
        let model = trace.model.isEmpty ? "(none)" : trace.model
        let provider = trace.provider ?? "(none)"
        counter("keel_requests_total", [("model", model), ("provider", provider), ("status", trace.status)]).increment()
        let target = handles(model: model, provider: provider)
        target.duration.recordNanoseconds(Int64(trace.latencyMs * 1_000_000))
        if let ttft = trace.ttftMs { target.timeToFirstToken.recordNanoseconds(Int64(ttft * 1_000_000)) }
        if let prompt = trace.usage.promptTokens { target.promptTokens.increment(by: prompt) }
        if let completion = trace.usage.completionTokens { target.completionTokens.increment(by: completion) }
        if let cost = trace.costUSD { target.cost.increment(by: cost) }
        for attempt in trace.attempts {
            counter("keel_upstream_attempts_total", [
                ("provider", attempt.provider), ("upstream_model", attempt.upstreamModel), ("outcome", attempt.outcome.rawValue),
                ("status", attempt.status.map(String.init) ?? "none"),
            ]).increment()
        }
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        let key = Labels(values: [label] + dimensions.map(\.1))
        if let known = counters.withLock({ $0[key] }) { return known }
        let made = Counter(label: label, dimensions: dimensions, factory: factory)
        counters.withLock { cache in
            if cache.count >= Self.maxCachedLabelSets { cache.removeAll(keepingCapacity: true) }
            cache[key] = made
        }
        return made
    }

    private func handles(model: String, provider: String) -> TargetHandles {
        let key = Labels(values: [model, provider])
        if let known = targets.withLock({ $0[key] }) { return known }
        let target = [("model", model), ("provider", provider)]
        let made = TargetHandles(
            duration: Timer(label: "keel_request_duration_seconds", dimensions: target, factory: factory),
            timeToFirstToken: Timer(label: "keel_time_to_first_token_seconds", dimensions: target, factory: factory),
            promptTokens: Counter(label: "keel_tokens_total", dimensions: target + [("kind", "prompt")], factory: factory),
            completionTokens: Counter(label: "keel_tokens_total", dimensions: target + [("kind", "completion")], factory: factory),
            cost: FloatingPointCounter(label: "keel_cost_usd_total", dimensions: target, factory: factory))
        targets.withLock { cache in
            if cache.count >= Self.maxCachedLabelSets { cache.removeAll(keepingCapacity: true) }
            cache[key] = made
        }
        return made
    }
}
