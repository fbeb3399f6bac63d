import Foundation
import GRDB
import KeelCore

extension SQLiteTraceStore: ScoreStore {
    public func insertScores(_ scores: [Score]) async throws {
        guard !scores.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO scores (id, trace_id, name, value, string_value, data_type, source, comment, created_at, owner_key_id,
                                        owner_team) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for score in scores {
                try statement.execute(arguments: [
                    score.id, score.traceID, score.name, score.value, score.stringValue, score.dataType.rawValue, score.source.rawValue,
                    score.comment, StoredTime.micros(score.createdAt), score.owner?.keyID, score.owner?.team,
                ])
            }
        }
    }

    public func scores(_ query: ScoreQuery) async throws -> [Score] {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let traceID = query.traceID {
            conditions.append("s.trace_id = ?")
            arguments += [traceID]
        }
        if let name = query.name {
            conditions.append("s.name = ?")
            arguments += [name]
        }
        if let source = query.source {
            conditions.append("s.source = ?")
            arguments += [source.rawValue]
        }
        if let since = query.since {
            conditions.append("s.created_at >= ?")
            arguments += [StoredTime.micros(since)]
        }
        if let keyID = query.traceKeyID {
            conditions.append("EXISTS (SELECT 1 FROM traces WHERE traces.id = s.trace_id AND traces.api_key_id = ?)")
            arguments += [keyID]
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limit = max(1, min(query.limit, 1000))
        return try await pool.read { [arguments] db in
            try Row.fetchAll(
                db, sql: "SELECT s.* FROM scores AS s \(whereClause) ORDER BY s.created_at DESC, s.id DESC LIMIT \(limit)",
                arguments: arguments
            ).map(StoredRecords.score)
        }
    }

    public func scores(traceID: String) async throws -> [Score] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM scores WHERE trace_id = ? ORDER BY created_at, id", arguments: [traceID]).map(
                StoredRecords.score)
        }
    }

    public func scoreAggregates(_ query: StatsQuery) async throws -> [String?: [String: ScoreAggregate]] {
        let keyColumn = query.groupBy.sqlKey
        let since = StoredTime.micros(query.since)
        return try await pool.read { db in
            var groups: [String?: [String: ScoreAggregate]] = [:]
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT \(keyColumn), s.name, s.value, s.string_value
                    FROM scores AS s JOIN traces ON traces.id = s.trace_id WHERE traces.started_at >= ?
                    """, arguments: [since])
            while let row = try cursor.next() {
                let key: String? = row[0]
                let name: String = row[1]
                groups[key, default: [:]][name, default: ScoreAggregate()].add(value: row[2], stringValue: row[3])
            }
            return groups
        }
    }
}

extension SQLiteTraceStore {
    public func reviewQueue(limit: Int) async throws -> [ReviewItem] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: ReviewQueueSQL.select + " ORDER BY priority, latest DESC LIMIT ?", arguments: [max(1, min(limit, 1000))]).map {
                row in
                let reasons: [ReviewItem.Reason] = [.negativeFeedback, .lowScore, .sampled]
                return ReviewItem(traceID: row["trace_id"], reason: reasons[min(max(row["priority"] as Int, 0), 2)])
            }
        }
    }

    public func reviewQueueCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(ReviewQueueSQL.select))") ?? 0 }
    }

    public func judgedAndAnnotated(name: String?) async throws -> [(name: String, judge: Score, annotation: Score)] {
        try await pool.read { db in
            let filter = name == nil ? "" : "AND j.name = ?"
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT j.id AS judge_id, a.id AS annotation_id FROM scores AS j
                    JOIN scores AS a ON a.trace_id = j.trace_id AND a.name = j.name AND a.source = 'annotation'
                    WHERE j.source = 'eval' \(filter)
                    ORDER BY j.name, j.created_at
                    """, arguments: StatementArguments(name.map { [$0] } ?? []))
            var pairs: [(name: String, judge: Score, annotation: Score)] = []
            for row in rows {
                guard let judge = try Row.fetchOne(db, sql: "SELECT * FROM scores WHERE id = ?", arguments: [row["judge_id"] as String]),
                    let annotation = try Row.fetchOne(db, sql: "SELECT * FROM scores WHERE id = ?", arguments: [row["annotation_id"] as String])
                else { continue }
                let judgeScore = StoredRecords.score(judge)
                pairs.append((judgeScore.name, judgeScore, StoredRecords.score(annotation)))
            }
            return pairs
        }
    }
}

/// The traces waiting for review, most urgent first (the same SQL in both stores): negative
/// feedback, then a low eval score, then any other scored trace, none already annotated.
enum ReviewQueueSQL {
    static let select = """
        SELECT s.trace_id AS trace_id,
               MIN(CASE WHEN s.source = 'api' AND s.value < 0.5 THEN 0 WHEN s.source = 'eval' AND s.value < 0.5 THEN 1 ELSE 2 END) AS priority,
               MAX(s.created_at) AS latest
        FROM scores AS s
        WHERE s.source IN ('api', 'eval')
          AND NOT EXISTS (SELECT 1 FROM scores AS a WHERE a.trace_id = s.trace_id AND a.source = 'annotation')
        GROUP BY s.trace_id
        """
}
