import Foundation
import GRDB
import KeelCore

/// How a `Trace` maps to a row of the `traces` table.
enum SQLiteTraceRow {
    static let columns = [
        "id", "operation", "started_at", "latency_ms", "ttft_ms", "model", "provider", "upstream_model", "response_model",
        "system_fingerprint", "status", "http_status", "error_message", "finish_reason", "stream", "prompt_tokens",
        "completion_tokens", "cached_tokens", "cache_write_tokens", "reasoning_tokens", "cost_usd", "user", "session", "tags",
        "metadata", "request", "output", "attempts", "otel_trace_id", "span_id", "parent_span_id", "guardrails", "api_key",
        "api_team", "cache", "saved_usd", "routing", "api_key_id", "cache_savings_usd",
        "prompt_name", "prompt_version", "prompt_label", "requested_model", "prompt_variables",
    ]

    static let insertSQL =
        "INSERT OR REPLACE INTO traces (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"

    /// Binds `trace` to the parameters of `insertSQL`, in the order of `columns`.
    static func bind(_ trace: Trace, to row: inout SQLiteBinder) {
        row.bind(trace.id)
        row.bind(trace.operation)
        row.bind(micros(trace.startedAt))
        row.bind(trace.latencyMs)
        row.bind(trace.ttftMs)
        row.bind(trace.model)
        row.bind(trace.provider)
        row.bind(trace.upstreamModel)
        row.bind(trace.responseModel)
        row.bind(trace.systemFingerprint)
        row.bind(trace.status)
        row.bind(trace.httpStatus)
        row.bind(trace.errorMessage)
        row.bind(trace.finishReason)
        row.bind(trace.stream)
        row.bind(trace.usage.promptTokens)
        row.bind(trace.usage.completionTokens)
        row.bind(trace.usage.cachedTokens)
        row.bind(trace.usage.cacheWriteTokens)
        row.bind(trace.usage.reasoningTokens)
        row.bind(trace.costUSD)
        row.bind(trace.user)
        row.bind(trace.session)
        row.bindJSON(.array(trace.tags.map(JSONValue.string)))
        row.bindJSON(trace.metadata)
        if let requestJSON = trace.requestJSON { row.bind(requestJSON) } else { row.bindJSON(trace.request) }
        row.bindJSON(trace.output)
        row.bindJSON(.array(trace.attempts.map(\.json)))
        row.bind(trace.otelTraceID)
        row.bind(trace.spanID)
        row.bind(trace.parentSpanID)
        row.bindJSON(trace.guardrails.isEmpty ? nil : .array(trace.guardrails))
        row.bind(trace.apiKey)
        row.bind(trace.apiTeam)
        row.bind(trace.cache)
        row.bind(trace.savedUSD)
        row.bindJSON(trace.routing)
        row.bind(trace.apiKeyID)
        row.bind(trace.cacheSavingsUSD)
        row.bind(trace.prompt?.name)
        row.bind(trace.prompt?.version)
        row.bind(trace.prompt?.label)
        row.bind(trace.prompt?.requestedModel)
        row.bind(trace.prompt?.variables.map { JSONValue.object($0).encodedString() })
    }

    static func trace(_ row: Row) -> Trace {
        func json(_ column: String) -> JSONValue? {
            (row[column] as String?).flatMap { try? JSONValue.parse($0) }
        }
        var trace = Trace(
            id: row["id"], operation: row["operation"], startedAt: date(row["started_at"]), latencyMs: row["latency_ms"],
            ttftMs: row["ttft_ms"], model: row["model"], provider: row["provider"], upstreamModel: row["upstream_model"],
            responseModel: row["response_model"], systemFingerprint: row["system_fingerprint"], status: row["status"],
            httpStatus: row["http_status"], errorMessage: row["error_message"], finishReason: row["finish_reason"],
            stream: row["stream"],
            usage: Trace.Usage(
                promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"], cachedTokens: row["cached_tokens"],
                cacheWriteTokens: row["cache_write_tokens"], reasoningTokens: row["reasoning_tokens"]),
            costUSD: row["cost_usd"], user: row["user"], session: row["session"],
            tags: json("tags")?.arrayValue?.compactMap(\.stringValue) ?? [], metadata: json("metadata"),
            request: json("request") ?? [:], output: json("output") ?? [:],
            attempts: json("attempts")?.arrayValue?.compactMap(Trace.Attempt.init(json:)) ?? [])
        trace.otelTraceID = row["otel_trace_id"]
        trace.spanID = row["span_id"]
        trace.parentSpanID = row["parent_span_id"]
        trace.guardrails = json("guardrails")?.arrayValue ?? []
        trace.apiKey = row["api_key"]
        trace.apiTeam = row["api_team"]
        trace.apiKeyID = row["api_key_id"]
        trace.cache = row["cache"]
        trace.savedUSD = row["saved_usd"]
        trace.cacheSavingsUSD = row["cache_savings_usd"]
        trace.routing = json("routing")
        if let name: String = row["prompt_name"], let version: Int = row["prompt_version"] {
            trace.prompt = Trace.PromptUse(
                name: name, version: version, label: row["prompt_label"], requestedModel: row["requested_model"],
                variables: json("prompt_variables")?.objectValue)
        }
        return trace
    }

    static func micros(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    static func date(_ micros: Int64) -> Date {
        Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }
}

/// Newest-first pagination: the position of the last trace of a page.
public enum TraceCursor {
    static func encode(_ trace: Trace) -> String {
        "\(SQLiteTraceRow.micros(trace.startedAt))_\(trace.id)"
    }

    /// The position a cursor names; nil when the text is not a cursor.
    public static func decode(_ cursor: String) -> (micros: Int64, id: String)? {
        // By bytes: a `_` followed by a combining mark is no `_` to a search by characters.
        guard let separator = cursor.utf8.firstIndex(of: UInt8(ascii: "_")), let micros = Int64(String(cursor[..<separator])) else {
            return nil
        }
        return (micros, String(cursor[cursor.utf8.index(after: separator)...]))
    }
}

/// The WHERE clause of a trace query.
struct TraceFilterSQL {
    struct InvalidCursor: Error, CustomStringConvertible {
        var description: String { "invalid cursor" }
    }

    var conditions: [String] = []
    var arguments = StatementArguments()

    init(_ query: TraceQuery) throws {
        func equal(_ column: String, _ value: String?) {
            guard let value else { return }
            conditions.append("\(column) = ?")
            arguments += [value]
        }
        equal("model", query.model)
        equal("provider", query.provider)
        equal("status", query.status)
        equal("user", query.user)
        equal("session", query.session)
        if let prompt = query.prompt {
            conditions.append("prompt_name = ?")
            arguments += [prompt.name]
            if let version = prompt.version {
                conditions.append("prompt_version = ?")
                arguments += [version]
            }
        }
        if let tag = query.tag {
            conditions.append("EXISTS (SELECT 1 FROM json_each(traces.tags) WHERE json_each.value = ?)")
            arguments += [tag]
        }
        if let since = query.since {
            conditions.append("started_at >= ?")
            arguments += [SQLiteTraceRow.micros(since)]
        }
        if let until = query.until {
            conditions.append("started_at < ?")
            arguments += [SQLiteTraceRow.micros(until)]
        }
        if let search = query.search, !search.isEmpty {
            let pattern =
                "%"
                + search.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            conditions.append("(request LIKE ? ESCAPE '\\' OR output LIKE ? ESCAPE '\\')")
            arguments += [pattern, pattern]
        }
        if let cursor = query.cursor {
            guard let position = TraceCursor.decode(cursor) else { throw InvalidCursor() }
            conditions.append("(started_at < ? OR (started_at = ? AND id < ?))")
            arguments += [position.micros, position.micros, position.id]
        }
    }

    var whereClause: String {
        conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    }
}
