import KeelStore
import Metrics

/// Counters and histograms of traffic, derived from each finished trace (swift-metrics, so
/// any backend works; the server exposes them in the Prometheus format).
struct GatewayMetrics: Sendable {
    let factory: any MetricsFactory

    func record(_ trace: Trace) {
        let model = trace.model.isEmpty ? "(none)" : trace.model
        let provider = trace.provider ?? "(none)"
        Counter(label: "keel_requests_total", dimensions: [("model", model), ("provider", provider), ("status", trace.status)], factory: factory)
            .increment()
        let target = [("model", model), ("provider", provider)]
        Timer(label: "keel_request_duration_seconds", dimensions: target, factory: factory)
            .recordNanoseconds(Int64(trace.latencyMs * 1_000_000))
        if let ttft = trace.ttftMs {
            Timer(label: "keel_time_to_first_token_seconds", dimensions: target, factory: factory).recordNanoseconds(Int64(ttft * 1_000_000))
        }
        if let prompt = trace.usage.promptTokens {
            Counter(label: "keel_tokens_total", dimensions: target + [("kind", "prompt")], factory: factory).increment(by: prompt)
        }
        if let completion = trace.usage.completionTokens {
            Counter(label: "keel_tokens_total", dimensions: target + [("kind", "completion")], factory: factory).increment(by: completion)
        }
        if let cost = trace.costUSD {
            FloatingPointCounter(label: "keel_cost_usd_total", dimensions: target, factory: factory).increment(by: cost)
        }
        for attempt in trace.attempts {
            Counter(
                label: "keel_upstream_attempts_total",
                dimensions: [
                    ("provider", attempt.provider), ("upstream_model", attempt.upstreamModel), ("outcome", attempt.outcome.rawValue),
                    ("status", attempt.status.map(String.init) ?? "none"),
                ], factory: factory
            ).increment()
        }
    }
}
