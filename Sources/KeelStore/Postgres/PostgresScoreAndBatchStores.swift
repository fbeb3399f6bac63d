import Foundation
import KeelCore
import PostgresNIO

extension PostgresStore: ScoreStore {
    public func insertScores(_ scores: [Score]) async throws {
        guard !scores.isEmpty else { return }
        try await transaction { connection in
            for score in scores {
                _ = try await connection.query(
                    """
                    INSERT INTO scores (id, trace_id, name, value, string_value, data_type, source, comment, created_at, owner_key_id, owner_team)
                    VALUES (\(score.id.postgresSafe), \(score.traceID.postgresSafe), \(score.name.postgresSafe), \(score.value),
                            \(score.stringValue?.postgresSafe), \(score.dataType.rawValue), \(score.source.rawValue), \(score.comment?.postgresSafe),
                            \(StoredTime.micros(score.createdAt)), \(score.owner?.keyID), \(score.owner?.team?.postgresSafe))
                    """, logger: logger)
            }
        }
    }

    public func scores(_ query: ScoreQuery) async throws -> [Score] {
        var conditions: [String] = []
        var values: [SQLValue] = []
        func equal(_ condition: String, _ value: String?) {
            guard let value else { return }
            conditions.append(condition)
            values.append(.text(value))
        }
        equal("s.trace_id = ?", query.traceID)
        equal("s.name = ?", query.name)
        equal("s.source = ?", query.source?.rawValue)
        if let since = query.since {
            conditions.append("s.created_at >= ?")
            values.append(.integer(StoredTime.micros(since)))
        }
        equal("EXISTS (SELECT 1 FROM traces WHERE traces.id = s.trace_id AND traces.api_key_id = ?)", query.traceKeyID)
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limit = max(1, min(query.limit, 1000))
        return try await rows(Self.query("SELECT s.* FROM scores AS s \(whereClause) ORDER BY s.created_at DESC, s.id DESC LIMIT \(limit)", values))
            .map(StoredRecords.score)
    }

    public func scores(traceID: String) async throws -> [Score] {
        try await rows("SELECT * FROM scores WHERE trace_id = \(traceID.postgresSafe) ORDER BY created_at, id").map(StoredRecords.score)
    }

    public func scoreAggregates(_ query: StatsQuery) async throws -> [String?: [String: ScoreAggregate]] {
        let rows = try await rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.groupKey(query.groupBy)) AS key, s.name AS name, s.value AS value, s.string_value AS string_value
                    FROM scores AS s JOIN traces ON traces.id = s.trace_id WHERE traces.started_at >= $1
                    """, binds: Self.binds(StoredTime.micros(query.since))))
        var groups: [String?: [String: ScoreAggregate]] = [:]
        for row in rows {
            groups[row.string("key"), default: [:]][row.text("name"), default: ScoreAggregate()].add(
                value: row.double("value"), stringValue: row.string("string_value"))
        }
        return groups
    }

    public func reviewQueue(limit: Int) async throws -> [ReviewItem] {
        let reasons: [ReviewItem.Reason] = [.negativeFeedback, .lowScore, .sampled]
        return try await rows(PostgresQuery(unsafeSQL: ReviewQueueSQL.select + " ORDER BY priority, latest DESC LIMIT \(max(1, min(limit, 1000)))"))
            .map { row in ReviewItem(traceID: row.text("trace_id"), reason: reasons[min(max(row.int("priority") ?? 2, 0), 2)]) }
    }

    public func reviewQueueCount() async throws -> Int {
        try await count(PostgresQuery(unsafeSQL: "SELECT count(*) AS n FROM (\(ReviewQueueSQL.select)) AS queue"))
    }

    public func judgedAndAnnotated(name: String?) async throws -> [(name: String, judge: Score, annotation: Score)] {
        let columns = [
            "id", "trace_id", "name", "value", "string_value", "data_type", "source", "comment", "created_at", "owner_key_id", "owner_team",
        ]
        let select = columns.map { "j.\($0) AS \($0), a.\($0) AS a_\($0)" }.joined(separator: ", ")
        let filter = name == nil ? "" : "AND j.name = ?"
        let rows = try await rows(
            Self.query(
                """
                SELECT \(select) FROM scores AS j
                JOIN scores AS a ON a.trace_id = j.trace_id AND a.name = j.name AND a.source = 'annotation'
                WHERE j.source = 'eval' \(filter)
                ORDER BY j.name, j.created_at
                """, name.map { [.text($0)] } ?? []))
        return rows.map { row in
            let judge = StoredRecords.score(row)
            return (judge.name, judge, StoredRecords.score(PrefixedRow(row: row, prefix: "a_")))
        }
    }
}

/// The columns of a row whose names start with `prefix`, by their names without it.
private struct PrefixedRow: StoredRow {
    let row: PostgresRandomAccessRow
    let prefix: String

    func string(_ column: String) -> String? { row.string(prefix + column) }
    func int64(_ column: String) -> Int64? { row.int64(prefix + column) }
    func double(_ column: String) -> Double? { row.double(prefix + column) }
    func bool(_ column: String) -> Bool? { row.bool(prefix + column) }
}

extension PostgresStore: BatchStore {
    public func createFile(_ file: StoredFile, content: Data) async throws {
        try await execute(
            """
            INSERT INTO files (id, purpose, filename, bytes, content, created_at, owner_key_id, owner_team)
            VALUES (\(file.id), \(file.purpose.postgresSafe), \(file.filename.postgresSafe), \(file.bytes), \(ByteBuffer(bytes: content)),
                    \(StoredTime.micros(file.createdAt)), \(file.owner?.keyID), \(file.owner?.team?.postgresSafe))
            """)
    }

    public func file(id: String) async throws -> StoredFile? {
        try await rows(
            PostgresQuery(unsafeSQL: "SELECT \(SQLiteTraceStore.fileColumns) FROM files WHERE id = $1", binds: Self.binds(id.postgresSafe))
        )
        .first.map(StoredRecords.file)
    }

    public func fileContent(id: String) async throws -> Data? {
        guard let row = try await rows("SELECT content FROM files WHERE id = \(id.postgresSafe)").first else { return nil }
        return Data(try row["content"].decode(ByteBuffer.self).readableBytesView)
    }

    public func files(purpose: String?, scope: ObjectScope) async throws -> [StoredFile] {
        let owner = scope.sqlCondition
        let filter = purpose == nil ? owner.sql : "purpose = ? AND \(owner.sql)"
        let values = ((purpose.map { [$0] } ?? []) + owner.arguments).map(SQLValue.text)
        return try await rows(Self.query("SELECT \(SQLiteTraceStore.fileColumns) FROM files WHERE \(filter) ORDER BY created_at DESC", values))
            .map(StoredRecords.file)
    }

    public func deleteFile(id: String) async throws -> Bool {
        try await count("WITH gone AS (DELETE FROM files WHERE id = \(id.postgresSafe) RETURNING 1) SELECT count(*) AS n FROM gone") > 0
    }

    public func saveBatch(_ batch: StoredBatch) async throws {
        try await execute(
            """
            INSERT INTO batches (id, status, created_at, body, owner_key_id, owner_team)
            VALUES (\(batch.id), \(batch.status.rawValue), \(StoredTime.micros(batch.createdAt)), \(StoredBatchBody.encode(batch).encodedString()),
                    \(batch.owner?.keyID), \(batch.owner?.team?.postgresSafe))
            ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, created_at = EXCLUDED.created_at, body = EXCLUDED.body,
                owner_key_id = EXCLUDED.owner_key_id, owner_team = EXCLUDED.owner_team
            """)
    }

    public func batch(id: String) async throws -> StoredBatch? {
        try await rows("SELECT body FROM batches WHERE id = \(id.postgresSafe)").first.flatMap { StoredBatchBody.decode($0.text("body")) }
    }

    public func batches(limit: Int, scope: ObjectScope) async throws -> [StoredBatch] {
        let owner = scope.sqlCondition
        return try await rows(
            Self.query(
                "SELECT body FROM batches WHERE \(owner.sql) ORDER BY created_at DESC LIMIT \(max(0, limit))", owner.arguments.map(SQLValue.text))
        ).compactMap { StoredBatchBody.decode($0.text("body")) }
    }

    public func unfinishedBatches() async throws -> [StoredBatch] {
        try await rows("SELECT body FROM batches WHERE status IN ('validating', 'in_progress', 'finalizing', 'cancelling') ORDER BY created_at")
            .compactMap { StoredBatchBody.decode($0.text("body")) }
    }

    public func saveResult(_ result: BatchResult, batch: String) async throws {
        try await execute(
            """
            INSERT INTO batch_results (batch_id, line, custom_id, status_code, body, trace_id)
            VALUES (\(batch), \(result.line), \(result.customID.postgresSafe), \(result.statusCode), \(result.body.encodedString()), \(result.traceID))
            ON CONFLICT (batch_id, line) DO UPDATE SET custom_id = EXCLUDED.custom_id, status_code = EXCLUDED.status_code, body = EXCLUDED.body,
                trace_id = EXCLUDED.trace_id
            """)
    }

    public func leaseBatch(id: String, holder: String, until: Date, now: Date) async throws -> Bool {
        try await count(
            """
            WITH leased AS (
                UPDATE batches SET lease_holder = \(holder), lease_until = \(StoredTime.micros(until))
                WHERE id = \(id.postgresSafe) AND (lease_holder IS NULL OR lease_holder = \(holder) OR lease_until < \(StoredTime.micros(now)))
                RETURNING 1)
            SELECT count(*) AS n FROM leased
            """) > 0
    }

    public func releaseBatch(id: String, holder: String) async throws {
        try await execute("UPDATE batches SET lease_holder = NULL, lease_until = NULL WHERE id = \(id.postgresSafe) AND lease_holder = \(holder)")
    }

    public func results(batch: String) async throws -> [BatchResult] {
        try await rows("SELECT * FROM batch_results WHERE batch_id = \(batch) ORDER BY line").map(StoredRecords.batchResult)
    }
}
