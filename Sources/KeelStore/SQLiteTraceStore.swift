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
            // no percentile function, and one scan beats a sort per group. The columns are read
            // with SQLite's own calls, and a group's key is made a string only once.
            let statement = try db.makeStatement(
                sql: """
                    SELECT \(keyColumn), latency_ms, status = 'ok', prompt_tokens, completion_tokens, cost_usd, status = 'client_cancelled'
                    FROM traces INDEXED BY traces_by_time WHERE started_at >= ?
                    """)
            var groups = StatsGroups()
            try db.forEachRow(of: statement, binding: since) { row in
                groups.add(
                    toKey: row.text(0), latency: row.double(1), ok: row.int(2) == 1, prompt: row.int(3), completion: row.int(4),
                    cost: row.optionalDouble(5), cancelled: row.int(6) == 1)
            }
            return groups.rows().sorted { ($0.requests, $1.key ?? "") > ($1.requests, $0.key ?? "") }
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

/// The accumulators of a stats query's groups, in the order they first came. A window's traces
/// come from a few models, keys or teams, interleaved: a row's group is looked for among the
/// first few by comparing its key's bytes, and its key made a string and hashed only past them.
struct StatsGroups {
    static let compared = 8
    private var keys: [String?] = []
    /// The first few keys' bytes.
    private var keyBytes: [[UInt8]?] = []
    private var accumulators: [StatsAccumulator] = []
    private var indexByKey: [String?: Int] = [:]

    /// `key`: the group's key as the row holds it (UTF-8), valid for the call.
    mutating func add(
        toKey key: UnsafeRawBufferPointer?, latency: Double, ok: Bool, prompt: Int?, completion: Int?, cost: Double?, cancelled: Bool
    ) {
        accumulators[index(of: key)].add(latency: latency, ok: ok, prompt: prompt, completion: completion, cost: cost, cancelled: cancelled)
    }

    private mutating func index(of key: UnsafeRawBufferPointer?) -> Int {
        for index in keyBytes.indices where Self.equal(keyBytes[index], key) { return index }
        let string = key.map { String(decoding: $0, as: UTF8.self) }
        if let index = indexByKey[string] { return index }
        keys.append(string)
        if keyBytes.count < Self.compared { keyBytes.append(key.map { Array($0) }) }
        accumulators.append(StatsAccumulator())
        indexByKey[string] = keys.count - 1
        return keys.count - 1
    }

    private static func equal(_ stored: [UInt8]?, _ key: UnsafeRawBufferPointer?) -> Bool {
        guard let stored, let key else { return stored == nil && key == nil }
        return stored.count == key.count && stored.withUnsafeBytes { $0.elementsEqual(key) }
    }

    mutating func rows() -> [StatsRow] {
        keys.indices.map { accumulators[$0].row(key: keys[$0]) }
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

    /// The group's figures; its latencies are reordered to find the percentiles.
    mutating func row(key: String?) -> StatsRow {
        let percentiles = Percentile.select(&latencies, [0.50, 0.95, 0.99])
        return StatsRow(
            key: key, requests: requests, errors: errors, cancelled: cancelled, p50LatencyMs: percentiles[0], p95LatencyMs: percentiles[1],
            p99LatencyMs: percentiles[2], promptTokens: promptTokens, completionTokens: completionTokens, costUSD: cost,
            unpricedRequests: unpriced)
    }
}

enum Percentile {
    /// Nearest-rank percentile of ascending `sorted` values.
    static func of(_ sorted: [Double], _ fraction: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        return sorted[rank(fraction, of: sorted.count)]
    }

    /// The index of the nearest-rank percentile in `count` ascending values.
    static func rank(_ fraction: Double, of count: Int) -> Int {
        min(count - 1, max(0, Int((fraction * Double(count)).rounded(.up)) - 1))
    }

    /// The nearest-rank percentiles of `values` at each of `fractions`, what `of` gives of the
    /// sorted values, found by selection rather than a sort (linear rather than n log n: a
    /// million latencies in a fifth of the time); `values` is left reordered.
    /// `rounds`: how many partitions a range may take before it is sorted instead.
    static func select(_ values: inout [Double], _ fractions: [Double], rounds: Int = 64) -> [Double?] {
        guard !values.isEmpty else { return fractions.map { _ in nil } }
        let count = values.count
        var found = [Double?](repeating: nil, count: fractions.count)
        values.withUnsafeMutableBufferPointer { buffer in
            // Highest rank first: every value before it is then no greater, so each lower rank
            // is looked for only there.
            var end = count
            for index in fractions.indices.sorted(by: { fractions[$0] > fractions[$1] }) {
                let rank = rank(fractions[index], of: count)
                place(rank, in: buffer, within: 0..<end, rounds: rounds)
                found[index] = buffer[rank]
                end = rank + 1
            }
        }
        return found
    }

    /// Puts at `rank` the value a sort of `range` would put there, every value before it no
    /// greater and every value after it no smaller (quickselect, median of three; a range that
    /// takes too many rounds is sorted instead, so that no order of values makes it quadratic).
    private static func place(_ rank: Int, in values: UnsafeMutableBufferPointer<Double>, within range: Range<Int>, rounds: Int) {
        var low = range.lowerBound
        var high = range.upperBound - 1
        var round = 0
        while high > low {
            round += 1
            if round > rounds {
                var rest = UnsafeMutableBufferPointer(rebasing: values[low...high])
                rest.sort()
                return
            }
            let middle = low + (high - low) / 2
            if values[middle] < values[low] { values.swapAt(middle, low) }
            if values[high] < values[low] { values.swapAt(high, low) }
            if values[high] < values[middle] { values.swapAt(high, middle) }
            let pivot = values[middle]
            var left = low
            var right = high
            while left <= right {
                while values[left] < pivot { left += 1 }
                while pivot < values[right] { right -= 1 }
                if left <= right {
                    values.swapAt(left, right)
                    left += 1
                    right -= 1
                }
            }
            if rank <= right {
                high = right
            } else if rank >= left {
                low = left
            } else {
                return
            }
        }
    }
}
