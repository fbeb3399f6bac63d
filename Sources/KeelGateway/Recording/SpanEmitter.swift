import Foundation
import KeelCore
import KeelStore
import Tracing

/// Emits a finished request as OpenTelemetry spans with the `gen_ai.*` semantic conventions:
/// one for the request (a child of the client's `traceparent`, if it sent one) and one per
/// attempt. The trace takes the exported ids, so `/api/traces` and the collector agree.
struct SpanEmitter: Sendable {
    let tracer: any Tracer
    /// Provider name to kind, for `gen_ai.provider.name`.
    let providerKinds: [String: ProviderKind]

    func emit(_ trace: inout Trace, draft: TraceDraft, attempts: [AttemptRecord]) {
        var parent = ServiceContext.topLevel
        if let traceparent = draft.headers["traceparent"] {
            tracer.extract(["traceparent": traceparent], into: &parent, using: HeaderExtractor())
        }
        let operation = trace.operation == "embeddings" ? "embeddings" : "chat"
        let span = tracer.startSpan(
            "\(operation) \(trace.model)", context: parent, ofKind: .server, at: Self.instant(trace.startedAt))
        span.attributes = requestAttributes(trace, operation: operation)
        if trace.status != "ok" {
            span.setStatus(SpanStatus(code: .error, message: trace.errorMessage))
            span.attributes["error.type"] = trace.status
        }
        var carrier: [String: String] = [:]
        tracer.inject(span.context, into: &carrier, using: HeaderInjector())
        if let ids = carrier["traceparent"].flatMap(TraceParent.init(header:)) {
            trace.otelTraceID = ids.traceID
            trace.spanID = ids.parentSpanID
        }
        for attempt in attempts {
            guard attempt.outcome != .skippedCircuitOpen, attempt.outcome != .resentOnNewConnection else { continue }
            let child = tracer.startSpan(
                "\(operation) \(attempt.upstreamModel)", context: span.context, ofKind: .client, at: Self.instant(attempt.startedAt))
            child.attributes["gen_ai.operation.name"] = operation
            child.attributes["gen_ai.provider.name"] = providerName(attempt.provider)
            child.attributes["gen_ai.request.model"] = attempt.upstreamModel
            child.attributes["keel.provider"] = attempt.provider
            if case .failure(let status, let message) = attempt.outcome {
                child.attributes["error.type"] = String(status)
                child.attributes["http.response.status_code"] = Int64(status)
                child.setStatus(SpanStatus(code: .error, message: message))
            }
            child.end(at: Self.instant(attempt.startedAt.addingTimeInterval(attempt.latencyMs / 1000)))
        }
        span.end(at: Self.instant(trace.startedAt.addingTimeInterval(trace.latencyMs / 1000)))
    }

    private func requestAttributes(_ trace: Trace, operation: String) -> SpanAttributes {
        var attributes = SpanAttributes()
        attributes["gen_ai.operation.name"] = operation
        attributes["gen_ai.request.model"] = trace.model
        if let provider = trace.provider { attributes["gen_ai.provider.name"] = providerName(provider) }
        if let model = trace.responseModel { attributes["gen_ai.response.model"] = model }
        if let reason = trace.finishReason { attributes["gen_ai.response.finish_reasons"] = [reason] }
        if let tokens = trace.usage.promptTokens { attributes["gen_ai.usage.input_tokens"] = Int64(tokens) }
        if let tokens = trace.usage.completionTokens { attributes["gen_ai.usage.output_tokens"] = Int64(tokens) }
        let request = trace.request
        if let value = request["temperature"]?.doubleValue { attributes["gen_ai.request.temperature"] = value }
        if let value = request["top_p"]?.doubleValue { attributes["gen_ai.request.top_p"] = value }
        if let value = (request["max_completion_tokens"] ?? request["max_tokens"])?.intValue {
            attributes["gen_ai.request.max_tokens"] = Int64(value)
        }
        if let upstream = trace.upstreamModel { attributes["keel.upstream_model"] = upstream }
        if let provider = trace.provider { attributes["keel.provider"] = provider }
        if let cost = trace.costUSD { attributes["keel.cost_usd"] = cost }
        if let ttft = trace.ttftMs { attributes["keel.ttft_ms"] = ttft }
        attributes["keel.trace_id"] = trace.id
        attributes["keel.stream"] = trace.stream
        return attributes
    }

    /// The `gen_ai.provider.name` values of the semantic conventions.
    private func providerName(_ provider: String) -> String {
        switch providerKinds[provider] {
        case .anthropic?: return "anthropic"
        case .gemini?: return "gcp.gemini"
        case .openai?: return "openai"
        case .mock?: return "keel.mock"
        case nil: return provider
        }
    }

    static func instant(_ date: Date) -> DefaultTracerClock.Timestamp {
        DefaultTracerClock.Timestamp(nanosecondsSinceEpoch: UInt64(max(0, date.timeIntervalSince1970 * 1_000_000_000)))
    }
}

private struct HeaderExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key.lowercased()] }
}

private struct HeaderInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key.lowercased()] = value }
}
