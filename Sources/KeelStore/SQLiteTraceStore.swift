import Foundation
import GRDB
import KeelCore

/// The embedded default store: SQLite in WAL mode through GRDB.
public final class SQLiteTraceStore: TraceStore {
    let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and migrates it.
    public init(path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        // Readers serve the admin API only; two keep its memory bounded.
        configuration.maximumReaderCount = 2
        // WAL with NORMAL sync cannot corrupt the database; a power cut may lose the last
        // transactions, which is the trade every embedded trace store makes for its write rate.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // 16 MiB of page cache per connection (the default is 2 MiB): the hot end of the
            // indexes stays in memory, and random trace ids rarely cost a read.
            try db.execute(sql: "PRAGMA cache_size = -16384")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try SQLiteSchema.migrator.migrate(pool)
    }

    public func insert(_ traces: [Trace]) async throws {
        guard !traces.isEmpty else { return }
        try await pool.write { db in
            try db.executeEach(db.cachedStatement(sql: SQLiteTraceRow.insertSQL), for: traces, bind: SQLiteTraceRow.bind)
        }
    }

    public func trace(id: String) async throws -> Trace? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM traces WHERE id = ?", arguments: [id]).map(StoredRecords.trace)
        }
    }

    public func traces(_ query: TraceQuery) async throws -> TracePage {
        let filter = try TraceConditions(query, dialect: .sqlite)
        let limit = max(1, min(query.limit, 1000))
        let rows = try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM traces \(filter.whereClause) ORDER BY started_at DESC, id DESC LIMIT \(limit + 1)",
                arguments: filter.sqliteArguments
            ).map(StoredRecords.trace)
        }
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map(TraceCursor.encode) : nil
        return TracePage(traces: page, nextCursor: next)
    }

    public func stats(_ query: StatsQuery) async throws -> [StatsRow] {
        let scores = try await scoreAggregates(query)
        return try await traceStats(query).map { row in
            var row = row
            row.scores = scores[row.key] ?? [:]
            return row
        }
    }

    private func traceStats(_ query: StatsQuery) async throws -> [StatsRow] {
        let keyColumn = query.groupBy.sqlKey
        let since = StoredTime.micros(query.since)
        return try await pool.read { db in
            // One pass over the covering index `traces_by_time`, aggregated here: SQLite has
            // no percentile function, and one scan beats a sort per group.
            var groups: [String?: StatsAccumulator] = [:]
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT \(keyColumn), latency_ms, status = 'ok', prompt_tokens, completion_tokens, cost_usd, status = 'client_cancelled'
                    FROM traces INDEXED BY traces_by_time WHERE started_at >= ?
                    """, arguments: [since])
            while let row = try cursor.next() {
                let key: String? = row[0]
                groups[key, default: StatsAccumulator()].add(
                    latency: row[1], ok: row[2], prompt: row[3], completion: row[4], cost: row[5], cancelled: row[6])
            }
            return groups.map { $0.value.row(key: $0.key) }.sorted { ($0.requests, $1.key ?? "") > ($1.requests, $0.key ?? "") }
        }
    }

    public func applyRetention(olderThan date: Date?, maxCount: Int?) async throws -> Int {
        try await pool.write { db in
            var deleted = 0
            if let date {
                try db.execute(sql: "DELETE FROM traces WHERE started_at < ?", arguments: [StoredTime.micros(date)])
                deleted += db.changesCount
            }
            if let maxCount {
                try db.execute(
                    sql: "DELETE FROM traces WHERE started_at < (SELECT started_at FROM traces ORDER BY started_at DESC LIMIT 1 OFFSET ?)",
                    arguments: [max(0, maxCount - 1)])
                deleted += db.changesCount
            }
            if deleted > 0 {
                // A score goes with its trace.
                try db.execute(sql: "DELETE FROM scores WHERE NOT EXISTS (SELECT 1 FROM traces WHERE traces.id = scores.trace_id)")
            }
            return deleted
        }
    }

    public func recordEvent(_ event: StoredEvent) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO events (created_at, kind, provider, upstream_model, detail) VALUES (?, ?, ?, ?, ?)",
                arguments: [StoredTime.micros(event.createdAt), event.kind, event.provider, event.upstreamModel, event.detail.encodedString()])
        }
    }

    public func events(since: Date?, limit: Int) async throws -> [StoredEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM events WHERE created_at >= ? ORDER BY created_at DESC, id DESC LIMIT ?",
                arguments: [since.map(StoredTime.micros) ?? 0, max(1, min(limit, 1000))]
            ).map(StoredRecords.event)
        }
    }
}

extension SQLiteTraceStore {
    public func insertSpans(_ spans: [Span]) async throws {
        guard !spans.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO spans (trace_id, span_id, parent_span_id, name, kind, service, start_ns, end_ns, status_code,
                                                  status_message, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for span in spans {
                try statement.execute(arguments: [
                    span.traceID, span.spanID, span.parentSpanID, span.name, span.kind, span.service, span.startNanos, span.endNanos,
                    span.statusCode, span.statusMessage, JSONValue.object(span.attributes).encodedString(),
                ])
            }
        }
    }

    public func spans(otelTraceID: String) async throws -> [Span] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM spans WHERE trace_id = ? ORDER BY start_ns", arguments: [otelTraceID]).map(StoredRecords.span)
        }
    }

    public func traces(otelTraceID: String) async throws -> [Trace] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM traces WHERE otel_trace_id = ? OR (id = ? AND otel_trace_id = '') ORDER BY started_at",
                arguments: [otelTraceID, otelTraceID]
            )
            .map(StoredRecords.trace)
        }
    }

    public func latestTargetVersions() async throws -> [TargetVersion] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT provider, upstream_model, response_model, system_fingerprint FROM traces AS latest
                    WHERE status = 'ok' AND provider IS NOT NULL AND upstream_model IS NOT NULL AND started_at = (
                        SELECT MAX(started_at) FROM traces
                        WHERE provider = latest.provider AND upstream_model = latest.upstream_model AND status = 'ok')
                    GROUP BY provider, upstream_model
                    """
            ).map(StoredRecords.targetVersion)
        }
    }
}

/// A group's figures. A request the client gave up on (`client_cancelled`) is counted apart:
/// it is neither an error of the model or provider nor a latency they took.
struct StatsAccumulator {
    var latencies: [Double] = []
    var requests = 0
    var cancelled = 0
    var errors = 0
    var promptTokens = 0
    var completionTokens = 0
    var cost = 0.0
    var unpriced = 0

    mutating func add(latency: Double, ok: Bool, prompt: Int?, completion: Int?, cost: Double?, cancelled: Bool = false) {
        requests += 1
        if cancelled {
            self.cancelled += 1
        } else {
            latencies.append(latency)
            if !ok { errors += 1 }
        }
        promptTokens += prompt ?? 0
        completionTokens += completion ?? 0
        if let cost { self.cost += cost } else if ok { unpriced += 1 }
    }

    func row(key: String?) -> StatsRow {
        let sorted = latencies.sorted()
        return StatsRow(
            key: key, requests: requests, errors: errors, cancelled: cancelled, p50LatencyMs: Percentile.of(sorted, 0.50),
            p95LatencyMs: Percentile.of(sorted, 0.95), p99LatencyMs: Percentile.of(sorted, 0.99), promptTokens: promptTokens,
            completionTokens: completionTokens, costUSD: cost, unpricedRequests: unpriced)
    }
}

enum Percentile {
    /// Nearest-rank percentile of ascending `sorted` values.
    static func of(_ sorted: [Double], _ fraction: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }
}
