import Foundation
import KeelCore

extension Trace {
    /// The trace as the HTTP API and `keel traces --json` show it.
    public var json: JSONValue {
        [
            "id": .string(id), "operation": .string(operation), "created_at": .string(Self.format(startedAt)),
            "latency_ms": .double(latencyMs.rounded3), "ttft_ms": ttftMs.map { .double($0.rounded3) } ?? .null,
            "model": .string(model), "provider": provider.json, "upstream_model": upstreamModel.json,
            "response_model": responseModel.json, "system_fingerprint": systemFingerprint.json,
            "status": .string(status), "http_status": .int(Int64(httpStatus)), "error": errorMessage.json,
            "finish_reason": finishReason.json, "stream": .bool(stream),
            "prompt_tokens": usage.promptTokens.json, "completion_tokens": usage.completionTokens.json,
            "cached_tokens": usage.cachedTokens.json, "cache_write_tokens": usage.cacheWriteTokens.json,
            "reasoning_tokens": usage.reasoningTokens.json,
            "cost_usd": costUSD.map(JSONValue.double) ?? .null,
            "user": user.json, "session": session.json, "tags": .array(tags.map(JSONValue.string)), "metadata": metadata ?? .null,
            "request": request, "output": output, "attempts": .array(attempts.map(\.json)),
            "otel_trace_id": otelTraceID.json, "span_id": spanID.json, "parent_span_id": parentSpanID.json,
            "guardrails": .array(guardrails), "api_key": apiKey.json, "api_team": apiTeam.json,
            "cache": cache.json, "saved_usd": savedUSD.map(JSONValue.double) ?? .null, "routing": routing ?? .null,
        ]
    }

    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

extension Trace.Attempt {
    var json: JSONValue {
        [
            "provider": .string(provider), "upstream_model": .string(upstreamModel), "outcome": .string(outcome.rawValue),
            "status": status.json, "error": error.json, "latency_ms": .double(latencyMs.rounded3),
        ]
    }

    init?(json: JSONValue) {
        guard let provider = json["provider"]?.stringValue, let model = json["upstream_model"]?.stringValue,
            let outcome = json["outcome"]?.stringValue.flatMap(Outcome.init(rawValue:))
        else { return nil }
        self.init(
            provider: provider, upstreamModel: model, outcome: outcome, status: json["status"]?.intValue,
            error: json["error"]?.stringValue, latencyMs: json["latency_ms"]?.doubleValue ?? 0)
    }
}

extension Optional where Wrapped == String {
    var json: JSONValue { map(JSONValue.string) ?? .null }
}

extension Optional where Wrapped == Int {
    var json: JSONValue { map { .int(Int64($0)) } ?? .null }
}

extension Double {
    var rounded3: Double { (self * 1000).rounded() / 1000 }
}
