import KeelStore
import Metrics

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

    /// The values of a handle's labels: a struct, so that a lookup allocates nothing.
    private struct Labels: Hashable, Sendable {
        var first: String
        var second: String
        var third = ""
        var fourth = ""
    }

    private let factory: any MetricsFactory
    /// Keyed by the labels' values; clients choose model names, so the caches are bounded.
    private let targets = BoundedCache<Labels, TargetHandles>(limit: 10_000)
    private let requests = BoundedCache<Labels, Counter>(limit: 10_000)
    private let attempts = BoundedCache<Labels, Counter>(limit: 10_000)

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func record(_ trace: Trace) {
        let model = trace.model.isEmpty ? "(none)" : trace.model
        let provider = trace.provider ?? "(none)"
        requests.value(for: Labels(first: model, second: provider, third: trace.status)) {
            Counter(label: "keel_requests_total", dimensions: [("model", model), ("provider", provider), ("status", trace.status)], factory: factory)
        }.increment()
        let target = handles(model: model, provider: provider)
        target.duration.recordNanoseconds(Int64(trace.latencyMs * 1_000_000))
        if let ttft = trace.ttftMs { target.timeToFirstToken.recordNanoseconds(Int64(ttft * 1_000_000)) }
        if let prompt = trace.usage.promptTokens { target.promptTokens.increment(by: prompt) }
        if let completion = trace.usage.completionTokens { target.completionTokens.increment(by: completion) }
        if let cost = trace.costUSD { target.cost.increment(by: cost) }
        for attempt in trace.attempts {
            let status = attempt.status.map(String.init) ?? "none"
            let labels = Labels(first: attempt.provider, second: attempt.upstreamModel, third: attempt.outcome.rawValue, fourth: status)
            attempts.value(for: labels) {
                Counter(
                    label: "keel_upstream_attempts_total",
                    dimensions: [
                        ("provider", attempt.provider), ("upstream_model", attempt.upstreamModel), ("outcome", attempt.outcome.rawValue),
                        ("status", status),
                    ], factory: factory)
            }.increment()
        }
    }

    private func handles(model: String, provider: String) -> TargetHandles {
        targets.value(for: Labels(first: model, second: provider)) {
            let target = [("model", model), ("provider", provider)]
            return TargetHandles(
                duration: Timer(label: "keel_request_duration_seconds", dimensions: target, factory: factory),
                timeToFirstToken: Timer(label: "keel_time_to_first_token_seconds", dimensions: target, factory: factory),
                promptTokens: Counter(label: "keel_tokens_total", dimensions: target + [("kind", "prompt")], factory: factory),
                completionTokens: Counter(label: "keel_tokens_total", dimensions: target + [("kind", "completion")], factory: factory),
                cost: FloatingPointCounter(label: "keel_cost_usd_total", dimensions: target, factory: factory))
        }
    }
}
