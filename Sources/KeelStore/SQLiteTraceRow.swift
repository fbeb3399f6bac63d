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
        row.bind(StoredTime.micros(trace.startedAt))
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
        row.bindJSON { trace.writeAttemptsJSON(into: &$0) }
        row.bind(trace.storedOTelTraceID)
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
        row.bind(trace.promptUseInColumns?.requestedModel)
        row.bindJSON(trace.promptUseInColumns?.variables.map(JSONValue.object))
    }
}

/// Newest-first pagination: the position of the last trace of a page.
public enum TraceCursor {
    static func encode(_ trace: Trace) -> String {
        "\(StoredTime.micros(trace.startedAt))_\(trace.id)"
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

/// A value a condition compares with, bound by each store its own way.
enum SQLValue: Sendable {
    case text(String)
    case integer(Int64)
}

/// The conditions of a trace query, with `?` for each value in order: SQLite binds them as they
/// are, PostgreSQL numbers them. `dialect` names what differs between the two.
struct TraceConditions {
    struct InvalidCursor: Error, CustomStringConvertible {
        var description: String { "invalid cursor" }
    }

    enum Dialect {
        case sqlite, postgres
    }

    var conditions: [String] = []
    var values: [SQLValue] = []

    init(_ query: TraceQuery, dialect: Dialect) throws {
        func equal(_ column: String, _ value: String?) {
            guard let value else { return }
            conditions.append("\(column) = ?")
            values.append(.text(value))
        }
        equal("model", query.model)
        equal("provider", query.provider)
        equal("status", query.status)
        equal(dialect == .postgres ? "\"user\"" : "user", query.user)
        equal("session", query.session)
        if let prompt = query.prompt {
            conditions.append("prompt_name = ?")
            values.append(.text(prompt.name))
            if let version = prompt.version {
                conditions.append("prompt_version = ?")
                values.append(.integer(Int64(version)))
            }
        }
        if let tag = query.tag {
            switch dialect {
            case .sqlite: conditions.append("EXISTS (SELECT 1 FROM json_each(traces.tags) WHERE json_each.value = ?)")
            case .postgres: conditions.append("tags::jsonb @> jsonb_build_array(?::text)")
            }
            values.append(.text(tag))
        }
        if let since = query.since {
            conditions.append("started_at >= ?")
            values.append(.integer(StoredTime.micros(since)))
        }
        if let until = query.until {
            conditions.append("started_at < ?")
            values.append(.integer(StoredTime.micros(until)))
        }
        if let search = query.search, !search.isEmpty {
            let pattern =
                "%"
                + search.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            let like = dialect == .postgres ? "ILIKE" : "LIKE"
            var matches = ["request \(like) ? ESCAPE '\\'", "output \(like) ? ESCAPE '\\'"]
            values += [.text(pattern), .text(pattern)]
            for version in query.searchedVersions {
                guard let number = version.version else { continue }
                matches.append("(prompt_name = ? AND prompt_version = ?)")
                values += [.text(version.name), .integer(Int64(number))]
            }
            conditions.append("(" + matches.joined(separator: " OR ") + ")")
        }
        if let cursor = query.cursor {
            guard let position = TraceCursor.decode(cursor) else { throw InvalidCursor() }
            conditions.append("(started_at < ? OR (started_at = ? AND id < ?))")
            values += [.integer(position.micros), .integer(position.micros), .text(position.id)]
        }
    }

    var whereClause: String {
        conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    }

    /// The values as SQLite binds them.
    var sqliteArguments: StatementArguments {
        StatementArguments(
            values.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .text(let text): return text
                case .integer(let number): return number
                }
            })
    }
}

extension Row: StoredRow {
    func string(_ column: String) -> String? { self[column] }
    func int64(_ column: String) -> Int64? { self[column] }
    func double(_ column: String) -> Double? { self[column] }
    func bool(_ column: String) -> Bool? { self[column] }
}
