import Foundation
import KeelCore
import NIOCore
import PostgresNIO

extension PostgresStore: TraceStore {
    /// How long a batch's insert may take before it counts as failed: a connection that the
    /// server dropped mid-batch (a restart) could leave it waiting for good, holding the writer
    /// while every later trace queued behind it. Tried again, it replaces what it wrote.
    static let traceInsertTimeout = Duration.seconds(15)

    /// A batch is copied (`COPY ... FROM STDIN`) into a session table and moved into `traces`
    /// in one statement that replaces a trace written before under the same id, as SQLite's
    /// `INSERT OR REPLACE` does; the days' partitions are made first.
    public func insert(_ traces: [Trace]) async throws {
        guard !traces.isEmpty else { return }
        try await Self.within(Self.traceInsertTimeout) { try await self.insertWithoutDeadline(traces) }
    }

    private func insertWithoutDeadline(_ traces: [Trace]) async throws {
        try await ensurePartitions(for: Set(traces.map { TracePartitions.day(StoredTime.micros($0.startedAt)) }))
        var copy = PostgresTraceCopy(capacity: traces.count * 2048)
        for trace in traces { copy.append(trace) }
        let buffer = ByteBuffer(bytes: copy.bytes)
        let columns = PostgresSchema.traceColumns.map { "\"\($0)\"" }.joined(separator: ", ")
        let updates = PostgresSchema.traceColumns.filter { $0 != "id" && $0 != "started_at" }.map { "\"\($0)\" = EXCLUDED.\"\($0)\"" }
        try await transaction { connection in
            _ = try await connection.query(
                "CREATE TEMP TABLE IF NOT EXISTS traces_incoming (LIKE traces INCLUDING DEFAULTS) ON COMMIT DELETE ROWS", logger: logger)
            try await connection.copyFrom(table: "traces_incoming", columns: PostgresSchema.traceColumns, logger: logger) { writer in
                try await writer.write(buffer)
            }
            _ = try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO traces (\(columns)) SELECT DISTINCT ON (id, started_at) \(columns) FROM traces_incoming
                        ON CONFLICT (id, started_at) DO UPDATE SET \(updates.joined(separator: ", "))
                        """), logger: logger)
        }
    }

    /// Makes the day partitions of `days` that this process has not seen yet (another replica
    /// may make the same at once: the advisory lock orders them).
    func ensurePartitions(for days: Set<Int64>) async throws {
        let missing = partitions.missing(days)
        guard !missing.isEmpty else { return }
        try await transaction { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock + 1))", logger: logger)
            for day in missing.sorted() {
                let from = day * TracePartitions.microsPerDay
                let sql = """
                    CREATE TABLE IF NOT EXISTS \(TracePartitions.name(day: day)) PARTITION OF traces
                    FOR VALUES FROM (\(from)) TO (\(from + TracePartitions.microsPerDay))
                    """
                _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            }
        }
        partitions.created(missing)
    }

    public func trace(id: String) async throws -> Trace? {
        try await rows("SELECT * FROM traces WHERE id = \(id.postgresSafe) LIMIT 1").first.map(StoredRecords.trace)
    }

    public func traces(_ query: TraceQuery) async throws -> TracePage {
        let filter = try TraceConditions(query, dialect: .postgres)
        let limit = max(1, min(query.limit, 1000))
        let rows = try await rows(
            Self.query("SELECT * FROM traces \(filter.whereClause) ORDER BY started_at DESC, id DESC LIMIT \(limit + 1)", filter.values)
        ).map(StoredRecords.trace)
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map(TraceCursor.encode) : nil
        return TracePage(traces: page, nextCursor: next)
    }

    /// `sql` with its `?` numbered as PostgreSQL wants (`$1`, `$2`...) and `values` bound to them.
    static func query(_ sql: String, _ values: [SQLValue]) -> PostgresQuery {
        var numbered = ""
        var binds = PostgresBindings(capacity: values.count)
        var index = 0
        for character in sql {
            guard character == "?" else {
                numbered.append(character)
                continue
            }
            index += 1
            numbered += "$\(index)"
        }
        for value in values {
            switch value {
            case .text(let text): binds.append(text.postgresSafe)
            case .integer(let number): binds.append(number)
            }
        }
        return PostgresQuery(unsafeSQL: numbered, binds: binds)
    }

    public func stats(_ query: StatsQuery) async throws -> [StatsRow] {
        let scores = try await scoreAggregates(query)
        let rows = try await rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.groupKey(query.groupBy)) AS key, count(*) AS requests,
                        count(*) FILTER (WHERE status = 'client_cancelled') AS cancelled,
                        count(*) FILTER (WHERE status <> 'ok' AND status <> 'client_cancelled') AS errors,
                        percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY latency_ms)
                            FILTER (WHERE status <> 'client_cancelled') AS latencies,
                        COALESCE(sum(prompt_tokens), 0)::bigint AS prompt, COALESCE(sum(completion_tokens), 0)::bigint AS completion,
                        COALESCE(sum(cost_usd), 0)::float8 AS cost, count(*) FILTER (WHERE cost_usd IS NULL AND status = 'ok') AS unpriced
                    FROM traces WHERE started_at >= $1 GROUP BY 1
                    """, binds: Self.binds(StoredTime.micros(query.since))))
        return try rows.map { row in
            let latencies = try row["latencies"].decode([Double]?.self) ?? []
            var stats = StatsRow(
                key: row.string("key"), requests: row.int("requests") ?? 0, errors: row.int("errors") ?? 0, cancelled: row.int("cancelled") ?? 0,
                p50LatencyMs: latencies.first, p95LatencyMs: latencies.dropFirst().first, p99LatencyMs: latencies.dropFirst(2).first,
                promptTokens: row.int("prompt") ?? 0, completionTokens: row.int("completion") ?? 0, costUSD: row.double("cost") ?? 0,
                unpricedRequests: row.int("unpriced") ?? 0)
            stats.scores = scores[stats.key] ?? [:]
            return stats
        }.sorted { ($0.requests, $1.key ?? "") > ($1.requests, $0.key ?? "") }
    }

    /// The stats group's key as SQL over `traces` (`user` is a reserved word here).
    static func groupKey(_ grouping: StatsQuery.Grouping) -> String {
        switch grouping {
        case .none: return "NULL::text"
        case .model, .provider: return grouping.rawValue
        case .user: return "\"user\""
        case .prompt: return "prompt_name || '@' || prompt_version"
        }
    }

    static func binds(_ values: any PostgresDynamicTypeEncodable...) -> PostgresBindings {
        var binds = PostgresBindings(capacity: values.count)
        for value in values { binds.append(value) }
        return binds
    }

    /// Whole day partitions older than `date` are dropped, the rest deleted row by row.
    public func applyRetention(olderThan date: Date?, maxCount: Int?) async throws -> Int {
        var deleted = 0
        if let date {
            let cutoff = StoredTime.micros(date)
            for (name, day) in try await tracePartitions() where (day + 1) * TracePartitions.microsPerDay <= cutoff {
                deleted += try await rows(PostgresQuery(unsafeSQL: "SELECT count(*) AS n FROM \(name)")).first?.int("n") ?? 0
                try await execute(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(name)"))
                partitions.dropped(day)
            }
            deleted += try await count("WITH gone AS (DELETE FROM traces WHERE started_at < \(cutoff) RETURNING 1) SELECT count(*) AS n FROM gone")
        }
        if let maxCount {
            deleted += try await count(
                """
                WITH gone AS (
                    DELETE FROM traces WHERE started_at < (SELECT started_at FROM traces ORDER BY started_at DESC LIMIT 1 OFFSET \(max(0, maxCount - 1)))
                    RETURNING 1)
                SELECT count(*) AS n FROM gone
                """)
        }
        if deleted > 0 {
            try await execute("DELETE FROM scores WHERE NOT EXISTS (SELECT 1 FROM traces WHERE traces.id = scores.trace_id)")
        }
        return deleted
    }

    func count(_ query: PostgresQuery) async throws -> Int {
        try await rows(query).first?.int("n") ?? 0
    }

    /// The day partitions of `traces`, by name and day.
    func tracePartitions() async throws -> [(name: String, day: Int64)] {
        let rows = try await rows(
            "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'traces'::regclass")
        return rows.compactMap { row in
            let name = row.text("name")
            guard name.hasPrefix("traces_"), let stamp = Int(name.dropFirst("traces_".count)), stamp > 0 else { return nil }
            var components = DateComponents()
            (components.year, components.month, components.day) = (stamp / 10_000, stamp / 100 % 100, stamp % 100)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            guard let date = calendar.date(from: components) else { return nil }
            return (name, TracePartitions.day(StoredTime.micros(date)))
        }
    }

    public func recordEvent(_ event: StoredEvent) async throws {
        try await execute(
            """
            INSERT INTO events (created_at, kind, provider, upstream_model, detail) VALUES (
                \(StoredTime.micros(event.createdAt)), \(event.kind.postgresSafe), \(event.provider?.postgresSafe),
                \(event.upstreamModel?.postgresSafe), \(event.detail.encodedString()))
            """)
    }

    public func events(since: Date?, limit: Int) async throws -> [StoredEvent] {
        try await rows(
            """
            SELECT * FROM events WHERE created_at >= \(since.map(StoredTime.micros) ?? 0)
            ORDER BY created_at DESC, id DESC LIMIT \(max(1, min(limit, 1000)))
            """
        ).map(StoredRecords.event)
    }

    public func insertSpans(_ spans: [Span]) async throws {
        guard !spans.isEmpty else { return }
        try await transaction { connection in
            for span in spans {
                _ = try await connection.query(
                    """
                    INSERT INTO spans (trace_id, span_id, parent_span_id, name, kind, service, start_ns, end_ns, status_code, status_message,
                                       attributes)
                    VALUES (\(span.traceID.postgresSafe), \(span.spanID.postgresSafe), \(span.parentSpanID?.postgresSafe), \(span.name.postgresSafe),
                            \(span.kind), \(span.service?.postgresSafe), \(span.startNanos), \(span.endNanos), \(span.statusCode),
                            \(span.statusMessage?.postgresSafe), \(JSONValue.object(span.attributes).encodedString()))
                    ON CONFLICT (trace_id, span_id) DO UPDATE SET parent_span_id = EXCLUDED.parent_span_id, name = EXCLUDED.name,
                        kind = EXCLUDED.kind, service = EXCLUDED.service, start_ns = EXCLUDED.start_ns, end_ns = EXCLUDED.end_ns,
                        status_code = EXCLUDED.status_code, status_message = EXCLUDED.status_message, attributes = EXCLUDED.attributes
                    """, logger: logger)
            }
        }
    }

    public func spans(otelTraceID: String) async throws -> [Span] {
        try await rows("SELECT * FROM spans WHERE trace_id = \(otelTraceID.postgresSafe) ORDER BY start_ns").map(StoredRecords.span)
    }

    public func traces(otelTraceID: String) async throws -> [Trace] {
        let id = otelTraceID.postgresSafe
        return try await rows("SELECT * FROM traces WHERE otel_trace_id = \(id) OR (id = \(id) AND otel_trace_id = '') ORDER BY started_at")
            .map(StoredRecords.trace)
    }

    public func latestTargetVersions() async throws -> [TargetVersion] {
        try await rows(
            """
            SELECT DISTINCT ON (provider, upstream_model) provider, upstream_model, response_model, system_fingerprint FROM traces
            WHERE status = 'ok' AND provider IS NOT NULL AND upstream_model IS NOT NULL
            ORDER BY provider, upstream_model, started_at DESC
            """
        ).map(StoredRecords.targetVersion)
    }
}

extension PostgresStore {
    /// The names of the day partitions of `traces`, oldest first.
    public func partitionNames() async throws -> [String] {
        try await tracePartitions().sorted { $0.day < $1.day }.map(\.name)
    }
}

/// Each trace row records the transaction that wrote it (`written_xid`, migration v6). Every
/// transaction below the oldest one still running (the snapshot's xmin) has ended, so reading
/// the rows of transactions in [position, xmin) reads each committed trace once, in whatever
/// order the replicas' writers committed them.
extension PostgresStore: CommittedTraceFeed {
    public func traceFeedPosition() async throws -> TraceFeedPosition {
        let row = try await rows("SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon").first
        return TraceFeedPosition(UInt64(row?.string("horizon") ?? "") ?? 0)
    }

    public func traces(committedSince position: TraceFeedPosition) async throws -> (traces: [Trace], next: TraceFeedPosition) {
        let next = try await traceFeedPosition()
        guard next > position else { return ([], position) }
        let traces = try await rows(
            """
            SELECT * FROM traces WHERE written_xid >= \(String(position.value))::xid8 AND written_xid < \(String(next.value))::xid8
            """
        ).map(StoredRecords.trace)
        return (traces, next)
    }
}
