import Foundation
import KeelCore

/// A row read back from either store, by column name: each record is decoded from rows in one
/// place, whichever database the row came from. Times are microseconds since 1970 in both.
protocol StoredRow {
    func string(_ column: String) -> String?
    func int64(_ column: String) -> Int64?
    func double(_ column: String) -> Double?
    func bool(_ column: String) -> Bool?
}

extension StoredRow {
    func text(_ column: String) -> String { string(column) ?? "" }
    func int(_ column: String) -> Int? { int64(column).map { Int($0) } }
    func date(_ column: String) -> Date { StoredTime.date(int64(column) ?? 0) }
    func optionalDate(_ column: String) -> Date? { int64(column).map(StoredTime.date) }
    func json(_ column: String) -> JSONValue? { string(column).flatMap { try? JSONValue.parse($0) } }
}

/// Both stores keep times as integer microseconds since 1970 (UTC).
enum StoredTime {
    static func micros(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    static func date(_ micros: Int64) -> Date {
        Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }
}

/// The records of the store, each from its row.
enum StoredRecords {
    static func trace(_ row: some StoredRow) -> Trace {
        var trace = Trace(
            id: row.text("id"), operation: row.text("operation"), startedAt: row.date("started_at"), latencyMs: row.double("latency_ms") ?? 0,
            ttftMs: row.double("ttft_ms"), model: row.text("model"), provider: row.string("provider"), upstreamModel: row.string("upstream_model"),
            responseModel: row.string("response_model"), systemFingerprint: row.string("system_fingerprint"), status: row.text("status"),
            httpStatus: row.int("http_status") ?? 0, errorMessage: row.string("error_message"), finishReason: row.string("finish_reason"),
            stream: row.bool("stream") ?? false,
            usage: Trace.Usage(
                promptTokens: row.int("prompt_tokens"), completionTokens: row.int("completion_tokens"), cachedTokens: row.int("cached_tokens"),
                cacheWriteTokens: row.int("cache_write_tokens"), reasoningTokens: row.int("reasoning_tokens")),
            costUSD: row.double("cost_usd"), user: row.string("user"), session: row.string("session"),
            tags: row.json("tags")?.arrayValue?.compactMap(\.stringValue) ?? [], metadata: row.json("metadata"),
            request: row.json("request") ?? [:], output: row.json("output") ?? [:],
            attempts: row.json("attempts")?.arrayValue?.compactMap(Trace.Attempt.init(json:)) ?? [])
        trace.otelTraceID = Trace.otelTraceID(stored: row.string("otel_trace_id"), id: trace.id)
        trace.spanID = row.string("span_id")
        trace.parentSpanID = row.string("parent_span_id")
        trace.guardrails = row.json("guardrails")?.arrayValue ?? []
        trace.apiKey = row.string("api_key")
        trace.apiTeam = row.string("api_team")
        trace.apiKeyID = row.string("api_key_id")
        trace.cache = row.string("cache")
        trace.savedUSD = row.double("saved_usd")
        trace.cacheSavingsUSD = row.double("cache_savings_usd")
        trace.routing = row.json("routing")
        if let name = row.string("prompt_name"), let version = row.int("prompt_version") {
            trace.prompt = Trace.PromptUse(
                name: name, version: version, label: row.string("prompt_label"), requestedModel: row.string("requested_model"),
                variables: row.json("prompt_variables")?.objectValue)
            trace.readCallBack()
        }
        return trace
    }

    static func event(_ row: some StoredRow) -> StoredEvent {
        StoredEvent(
            createdAt: row.date("created_at"), kind: row.text("kind"), provider: row.string("provider"), upstreamModel: row.string("upstream_model"),
            detail: row.json("detail") ?? .null)
    }

    static func span(_ row: some StoredRow) -> Span {
        Span(
            traceID: row.text("trace_id"), spanID: row.text("span_id"), parentSpanID: row.string("parent_span_id"), name: row.text("name"),
            kind: row.int("kind"), service: row.string("service"), startNanos: row.int64("start_ns") ?? 0, endNanos: row.int64("end_ns") ?? 0,
            statusCode: row.int("status_code"), statusMessage: row.string("status_message"), attributes: row.json("attributes")?.objectValue ?? [:])
    }

    static func targetVersion(_ row: some StoredRow) -> TargetVersion {
        TargetVersion(
            provider: row.text("provider"), upstreamModel: row.text("upstream_model"), responseModel: row.string("response_model"),
            systemFingerprint: row.string("system_fingerprint"))
    }

    static func key(_ row: some StoredRow) -> APIKey {
        let budget = row.double("budget_usd").flatMap { usd in
            row.string("budget_period").flatMap(APIKey.Period.init(rawValue:)).map { APIKey.Budget(usd: usd, period: $0) }
        }
        return APIKey(
            id: row.text("id"), name: row.text("name"), team: row.string("team"), hash: row.text("hash"), prefix: row.text("prefix"), budget: budget,
            rpm: row.int("rpm"), tpm: row.int("tpm"), models: row.json("models")?.arrayValue?.compactMap(\.stringValue),
            createdAt: row.date("created_at"), revokedAt: row.optionalDate("revoked_at"))
    }

    static func cachedResponse(_ row: some StoredRow) -> CachedResponse {
        CachedResponse(
            key: row.text("key"), model: row.text("model"), provider: row.string("provider"), upstreamModel: row.string("upstream_model"),
            response: row.json("response") ?? .null, costUSD: row.double("cost_usd"), createdAt: row.date("created_at"),
            expiresAt: row.date("expires_at"))
    }

    static func file(_ row: some StoredRow) -> StoredFile {
        StoredFile(
            id: row.text("id"), purpose: row.text("purpose"), filename: row.text("filename"), bytes: row.int("bytes") ?? 0,
            createdAt: row.date("created_at"), owner: owner(row))
    }

    static func batchResult(_ row: some StoredRow) -> BatchResult {
        BatchResult(
            line: row.int("line") ?? 0, customID: row.text("custom_id"), statusCode: row.int("status_code") ?? 0, body: row.json("body") ?? .null,
            traceID: row.string("trace_id"))
    }

    static func promptVersion(_ row: some StoredRow) -> PromptRecord {
        PromptRecord(
            name: row.text("name"), version: row.int("version") ?? 0, hash: row.text("hash"), source: row.text("source"), author: row.text("author"),
            commitMessage: row.string("commit_message"), createdAt: row.date("created_at"))
    }

    static func promptLabel(_ row: some StoredRow) -> PromptLabelRecord {
        PromptLabelRecord(name: row.text("name"), label: row.text("label"), version: row.int("version") ?? 0, updatedAt: row.date("updated_at"))
    }

    static func rollout(_ row: some StoredRow) -> RolloutRecord {
        RolloutRecord(
            id: row.text("id"), subject: row.text("subject"), spec: row.json("spec") ?? .null, state: row.json("state") ?? .null,
            status: row.string("status").flatMap(RolloutRecord.Status.init(rawValue:)) ?? .aborted, createdAt: row.date("created_at"),
            updatedAt: row.date("updated_at"))
    }

    static func shadowPair(_ row: some StoredRow) -> ShadowPair {
        ShadowPair(
            id: row.text("id"), rolloutID: row.text("rollout_id"), stableTraceID: row.text("trace_id_stable"),
            candidateTraceID: row.text("trace_id_candidate"), similarity: row.double("similarity"), createdAt: row.date("created_at"))
    }

    static func score(_ row: some StoredRow) -> Score {
        Score(
            id: row.text("id"), traceID: row.text("trace_id"), name: row.text("name"), value: row.double("value"),
            stringValue: row.string("string_value"), dataType: row.string("data_type").flatMap(Score.DataType.init(rawValue:)) ?? .numeric,
            source: row.string("source").flatMap(Score.Source.init(rawValue:)) ?? .api, comment: row.string("comment"),
            createdAt: row.date("created_at"), owner: owner(row))
    }

    static func evalRun(_ row: some StoredRow) -> EvalRunRecord {
        EvalRunRecord(
            id: row.text("id"), suite: row.text("suite"), description: row.string("description"), startedAt: row.date("started_at"),
            verdict: row.text("verdict"), candidatePrompt: row.string("candidate_prompt"), candidateVersion: row.int("candidate_version"),
            candidate: row.text("candidate"), baseline: row.string("baseline"), passRate: row.double("pass_rate") ?? 0, origin: row.text("origin"),
            report: row.json("report") ?? .null)
    }

    static func incident(_ row: some StoredRow) -> IncidentRecord {
        IncidentRecord(id: row.text("id"), status: row.text("status"), openedAt: row.date("opened_at"), body: row.json("body") ?? .null)
    }

    private static func owner(_ row: some StoredRow) -> ObjectOwner? {
        row.string("owner_key_id").map { ObjectOwner(keyID: $0, team: row.string("owner_team")) }
    }
}
