import KeelCore
import KeelPrompts
import KeelStore

/// One step of recording a finished request: completing its trace (its price, its span) or
/// acting on it (limits settled, rollouts fed, metrics counted). The recorder hands each
/// finished trace to its observers in order, then to `TraceStorage`; a new concern is one more
/// observer, not a longer function on the request's path.
protocol TraceObserver: Sendable {
    func observe(_ trace: inout Trace, draft: TraceDraft, route: RouteInfo) async
}

/// The latency at least the time to first token, the price (nothing spent on a cache hit, and
/// what the provider would have charged saved), and what the provider's prompt cache saved.
struct TracePricing: TraceObserver {
    let costs: CostCalculator

    func observe(_ trace: inout Trace, draft: TraceDraft, route: RouteInfo) async {
        trace.latencyMs = max(trace.latencyMs, trace.ttftMs ?? 0)
        if trace.costUSD == nil {
            trace.costUSD = costs.cost(provider: trace.provider, model: trace.responseModel, orElse: trace.upstreamModel, usage: trace.usage)
        }
        if draft.cache == "hit" {
            trace.savedUSD = trace.costUSD
            trace.costUSD = 0
        } else {
            trace.cacheSavingsUSD = costs.cacheSavings(
                provider: trace.provider, model: trace.responseModel, orElse: trace.upstreamModel, usage: trace.usage)
        }
    }
}

/// Keel's count of the input tokens against the provider's, so the counter learns its error.
struct TokenReconciliation: TraceObserver {
    let tokens: TokenCounter

    func observe(_ trace: inout Trace, draft: TraceDraft, route: RouteInfo) async {
        guard let counted = draft.countedInputTokens, let reported = trace.usage.promptTokens, draft.cache != "hit" else { return }
        tokens.reconcile(model: trace.model, counted: counted, reported: reported)
    }
}

/// The budgets and rate limits the request held, settled with what it really cost.
struct LimitSettlement: TraceObserver {
    let limits: Limits

    func observe(_ trace: inout Trace, draft: TraceDraft, route: RouteInfo) async {
        await limits.settle(draft.admission, cost: trace.costUSD, tokens: (trace.usage.promptTokens ?? 0) + (trace.usage.completionTokens ?? 0))
    }
}

/// The outcome fed to each rollout arm that served the request; a shadowed arm's copy started.
struct RolloutFeedback: TraceObserver {
    let rollouts: RolloutBoard

    func observe(_ trace: inout Trace, draft: TraceDraft, route: RouteInfo) async {
        for served in draft.rolloutArms {
            if served.shadows, let runShadow = rollouts.shadowRunner.withLock({ $0 }) {
                runShadow(
                    ShadowJob(
                        served: served, stable: RolloutOutcome(of: trace), stableTraceID: trace.id,
                        stableText: trace.output["content"]?.stringValue ?? "",
                        body: draft.rawBody, headers: draft.headers, apiKey: draft.apiKeyRecord))
            } else if !served.shadows {
                rollouts.record(served, outcome: RolloutOutcome(of: trace))
            }
        }
    }
}

/// The OpenTelemetry spans of the request and its attempts (their ids kept on the trace).
struct SpanEmission: TraceObserver {
    let spans: SpanEmitter

    func observe(_ trace: inout Trace, draft: TraceDraft, route: RouteInfo) async {
        spans.emit(&trace, draft: draft, attempts: route.attempts)
    }
}

/// The Prometheus counters and histograms.
struct MetricsObservation: TraceObserver {
    let metrics: GatewayMetrics

    func observe(_ trace: inout Trace, draft: TraceDraft, route: RouteInfo) async {
        metrics.record(trace)
    }
}

/// Last, after every observer: the trace handed to the store (moved, not copied, and without
/// its parsed request, which the store does not need), and the drift it revealed recorded as
/// events.
struct TraceStorage {
    let drift: DriftDetector
    let sink: (any TraceSink)?

    func store(_ trace: consuming Trace) async {
        let events = drift.observe(trace)
        if let sink { await sink.enqueue(trace.droppingParsedRequest()) }
        for event in events { await sink?.record(event) }
    }
}
