import Foundation
import GRDB
import KeelCore

/// Spend over a time range, grouped by any of key, team, model and day (UTC).
public struct CostQuery: Sendable, Equatable {
    public enum Grouping: String, Sendable, CaseIterable {
        case key, team, model, day
    }

    public var since: Date
    public var until: Date
    public var groupBy: [Grouping]

    public init(since: Date, until: Date, groupBy: [Grouping]) {
        self.since = since
        self.until = until
        self.groupBy = groupBy
    }
}

public struct CostRow: Sendable, Equatable {
    /// The group's values, by grouping name (`key`, `team`, `model`, `day`); null for none.
    public var group: [String: String?]
    public var requests: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var costUSD: Double
    public var savedUSD: Double
    public var cacheHits: Int
    /// Input tokens read from the provider's prompt cache.
    public var cachedTokens: Int = 0
    /// What the provider's prompt cache saved (`Trace.cacheSavingsUSD`, summed).
    public var cacheSavingsUSD: Double = 0

    public var json: JSONValue {
        var object: JSONObject = [
            "requests": .int(Int64(requests)), "prompt_tokens": .int(Int64(promptTokens)),
            "completion_tokens": .int(Int64(completionTokens)), "cost_usd": .double(costUSD), "saved_usd": .double(savedUSD),
            "cache_hits": .int(Int64(cacheHits)), "cached_tokens": .int(Int64(cachedTokens)),
            "cache_savings_usd": .double(cacheSavingsUSD),
        ]
        for (name, value) in group { object[name] = value.map(JSONValue.string) ?? .null }
        return .object(object)
    }
}

public protocol CostReporting: Sendable {
    func cost(_ query: CostQuery) async throws -> [CostRow]
}

/// Everything Keel keeps: traces, keys, cached answers, spend, batches, prompts, rollouts.
public typealias KeelStorage = TraceStore & APIKeyStore & ResponseCacheStore & CostReporting & BatchStore & PromptStore & RolloutStore & ScoreStore
    & EvalRunStore & IncidentStore

extension SQLiteTraceStore: CostReporting {
    public func cost(_ query: CostQuery) async throws -> [CostRow] {
        let sql = CostSQL.select(query, dialect: .sqlite)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: [StoredTime.micros(query.since), StoredTime.micros(query.until)]).map {
                CostSQL.row($0, query)
            }
        }
    }
}

/// The cost report as SQL over `traces`, for either store: the time range is `?`, `?`.
enum CostSQL {
    static func select(_ query: CostQuery, dialect: TraceConditions.Dialect) -> String {
        let columns = query.groupBy.map { grouping -> String in
            switch (grouping, dialect) {
            case (.key, _): return "api_key AS \"key\""
            case (.team, _): return "api_team AS team"
            case (.model, _): return "model"
            case (.day, .sqlite): return "strftime('%Y-%m-%d', started_at / 1000000, 'unixepoch') AS day"
            case (.day, .postgres): return "to_char(to_timestamp(started_at / 1000000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day"
            }
        }
        let (integer, real) = dialect == .postgres ? ("::bigint", "::float8") : ("", "")
        let select =
            (columns + [
                "count(*) AS requests", "COALESCE(sum(prompt_tokens), 0)\(integer) AS prompt",
                "COALESCE(sum(completion_tokens), 0)\(integer) AS completion", "COALESCE(sum(cost_usd), 0)\(real) AS cost",
                "COALESCE(sum(saved_usd), 0)\(real) AS saved", "count(CASE WHEN cache = 'hit' THEN 1 END) AS hits",
                "COALESCE(sum(cached_tokens), 0)\(integer) AS cached", "COALESCE(sum(cache_savings_usd), 0)\(real) AS cache_savings",
            ]).joined(separator: ", ")
        let group = query.groupBy.isEmpty ? "" : "GROUP BY " + query.groupBy.indices.map { String($0 + 1) }.joined(separator: ", ")
        return "SELECT \(select) FROM traces WHERE started_at >= ? AND started_at < ? \(group) ORDER BY cost DESC"
    }

    static func row(_ row: some StoredRow, _ query: CostQuery) -> CostRow {
        var values: [String: String?] = [:]
        for grouping in query.groupBy { values[grouping.rawValue] = row.string(grouping.rawValue) }
        return CostRow(
            group: values, requests: row.int("requests") ?? 0, promptTokens: row.int("prompt") ?? 0, completionTokens: row.int("completion") ?? 0,
            costUSD: row.double("cost") ?? 0, savedUSD: row.double("saved") ?? 0, cacheHits: row.int("hits") ?? 0,
            cachedTokens: row.int("cached") ?? 0, cacheSavingsUSD: row.double("cache_savings") ?? 0)
    }
}

extension CostQuery {
    public struct Invalid: Error, Sendable {
        public let parameter: String
        public let message: String
    }

    /// From text as `/api/cost` and `keel cost` take it: times as RFC 3339, unix seconds or a
    /// duration ago (`7d`); the range defaults to the current UTC month; `groupBy` is a
    /// comma-separated list (default `key`, `none` for one total).
    public static func parse(since: String?, until: String?, groupBy: String?, now: Date = Date()) throws(Invalid) -> CostQuery {
        func date(_ text: String, _ parameter: String) throws(Invalid) -> Date {
            guard let date = TimeText.date(text, now: now) else {
                throw Invalid(parameter: parameter, message: "expected an RFC 3339 time, unix seconds or a duration such as 30m or 7d")
            }
            return date
        }
        var groupings: [Grouping] = []
        let names = (groupBy ?? "key").split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        for name in names where name != "none" {
            guard let grouping = Grouping(rawValue: name) else {
                throw Invalid(parameter: "group_by", message: "unknown grouping '\(name)' (expected key, team, model, day or none)")
            }
            if !groupings.contains(grouping) { groupings.append(grouping) }
        }
        return CostQuery(
            since: try since.map { (text) throws(Invalid) in try date(text, "since") } ?? Budget.Period.month.interval(containing: now).start,
            until: try until.map { (text) throws(Invalid) in try date(text, "until") } ?? now.addingTimeInterval(1), groupBy: groupings)
    }
}
