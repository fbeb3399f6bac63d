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
            "guardrails": .array(guardrails), "api_key": apiKey.json, "api_key_id": apiKeyID.json, "api_team": apiTeam.json,
            "cache": cache.json, "saved_usd": savedUSD.map(JSONValue.double) ?? .null, "routing": routing ?? .null,
            "prompt": prompt?.json ?? .null,
            "cache_savings_usd": cacheSavingsUSD.map(JSONValue.double) ?? .null,
        ]
    }

    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

extension Trace {
    /// A JSON object without a field a trace needs.
    public struct IncompleteJSON: Error, CustomStringConvertible {
        public let field: String
        public var description: String { "a trace needs the field \(field)" }
    }

    /// The trace whole, for a file that must give it back unchanged (the dead-letter file): the fields of `json`, with
    /// latencies unrounded, the start in microseconds as the store keeps it (`started_at_us`) and, when Keel kept the
    /// client's own bytes, those bytes (`request_json`).
    public var completeJSON: JSONValue {
        guard case .object(var object) = json else { return json }
        object["started_at_us"] = .int(StoredTime.micros(startedAt))
        object["latency_ms"] = .double(latencyMs)
        object["ttft_ms"] = ttftMs.map(JSONValue.double) ?? .null
        object["attempts"] = .array(
            attempts.map { attempt in
                guard case .object(var fields) = attempt.json else { return attempt.json }
                fields["latency_ms"] = .double(attempt.latencyMs)
                return .object(fields)
            })
        object["request_json"] = requestJSON.json
        if requestIsCall { object["request_is_call"] = true }
        return .object(object)
    }

    /// Reads back `completeJSON`. JSON values inside the trace (request, output, metadata) come back as the store gives
    /// them back: a whole double such as `2.0` as the integer `2`.
    public init(completeJSON json: JSONValue) throws(IncompleteJSON) {
        func required<Value>(_ field: String, _ value: (JSONValue) -> Value?) throws(IncompleteJSON) -> Value {
            guard let found = json[field].flatMap(value) else { throw IncompleteJSON(field: field) }
            return found
        }
        func optional(_ field: String) -> JSONValue? {
            guard let value = json[field], !value.isNull else { return nil }
            return value
        }
        try self.init(
            id: required("id", \.stringValue), operation: required("operation", \.stringValue),
            startedAt: StoredTime.date(Int64(required("started_at_us", \.intValue))), latencyMs: required("latency_ms", \.doubleValue),
            ttftMs: optional("ttft_ms")?.doubleValue, model: required("model", \.stringValue), provider: optional("provider")?.stringValue,
            upstreamModel: optional("upstream_model")?.stringValue, responseModel: optional("response_model")?.stringValue,
            systemFingerprint: optional("system_fingerprint")?.stringValue, status: required("status", \.stringValue),
            httpStatus: required("http_status", \.intValue), errorMessage: optional("error")?.stringValue,
            finishReason: optional("finish_reason")?.stringValue, stream: required("stream", \.boolValue),
            usage: Usage(
                promptTokens: optional("prompt_tokens")?.intValue, completionTokens: optional("completion_tokens")?.intValue,
                cachedTokens: optional("cached_tokens")?.intValue, cacheWriteTokens: optional("cache_write_tokens")?.intValue,
                reasoningTokens: optional("reasoning_tokens")?.intValue),
            costUSD: optional("cost_usd")?.doubleValue, user: optional("user")?.stringValue, session: optional("session")?.stringValue,
            tags: json["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [], metadata: optional("metadata"), request: json["request"] ?? .null,
            output: json["output"] ?? .null, attempts: json["attempts"]?.arrayValue?.compactMap(Attempt.init(json:)) ?? [],
            otelTraceID: optional("otel_trace_id")?.stringValue, spanID: optional("span_id")?.stringValue,
            parentSpanID: optional("parent_span_id")?.stringValue)
        requestJSON = optional("request_json")?.stringValue
        requestIsCall = json["request_is_call"]?.boolValue ?? false
        guardrails = json["guardrails"]?.arrayValue ?? []
        apiKey = optional("api_key")?.stringValue
        apiKeyID = optional("api_key_id")?.stringValue
        apiTeam = optional("api_team")?.stringValue
        cache = optional("cache")?.stringValue
        savedUSD = optional("saved_usd")?.doubleValue
        cacheSavingsUSD = optional("cache_savings_usd")?.doubleValue
        routing = optional("routing")
        prompt = optional("prompt").flatMap(PromptUse.init(json:))
    }
}

extension Trace.PromptUse {
    var json: JSONValue {
        [
            "name": .string(name), "version": .int(Int64(version)), "label": label.json, "requested_model": requestedModel.json,
            "variables": variables.map(JSONValue.object) ?? .null,
        ]
    }

    convenience init?(json: JSONValue) {
        guard let name = json["name"]?.stringValue, let version = json["version"]?.intValue else { return nil }
        self.init(
            name: name, version: version, label: json["label"]?.stringValue, requestedModel: json["requested_model"]?.stringValue,
            variables: json["variables"]?.objectValue)
    }
}

extension Trace {
    /// `attempts` as the JSON array the stores keep, written straight into `output`.
    func writeAttemptsJSON(into output: inout [UInt8]) {
        output.append(UInt8(ascii: "["))
        for (index, attempt) in attempts.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            attempt.writeJSON(into: &output)
        }
        output.append(UInt8(ascii: "]"))
    }
}

extension Trace.Attempt {
    var json: JSONValue {
        [
            "provider": .string(provider), "upstream_model": .string(upstreamModel), "outcome": .string(outcome.rawValue),
            "status": status.json, "error": error.json, "latency_ms": .double(latencyMs.rounded3),
        ]
    }

    /// `json`, encoded straight into `output`: the stores write every trace's attempts, and a
    /// dictionary made per attempt only to be encoded was most of the cost of that column.
    func writeJSON(into output: inout [UInt8]) {
        /// `key`: the member's name quoted, and the colon.
        func member(_ key: String, _ value: JSONValue, first: Bool = false) {
            output.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            output.append(contentsOf: key.utf8)
            value.encode(into: &output)
        }
        member(#""provider":"#, .string(provider), first: true)
        member(#""upstream_model":"#, .string(upstreamModel))
        member(#""outcome":"#, .string(outcome.rawValue))
        member(#""status":"#, status.json)
        member(#""error":"#, error.json)
        member(#""latency_ms":"#, .double(latencyMs.rounded3))
        output.append(UInt8(ascii: "}"))
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
