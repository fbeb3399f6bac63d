import Foundation
import KeelCore
import Logging
import PostgresNIO

extension PostgresStore: PromptStore {
    /// Pushes and label moves of one prompt take its advisory lock first: two replicas pushing
    /// the same prompt at once make two versions in order, never one version twice.
    private func lockPrompt(_ name: String, on connection: PostgresConnection) async throws {
        _ = try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("prompt:" + name.postgresSafe)))", logger: logger)
    }

    public func pushPrompt(_ record: NewPromptRecord) async throws -> PushOutcome {
        let name = record.name.postgresSafe
        return try await transaction { connection in
            try await lockPrompt(name, on: connection)
            let latest = try await connection.rows(
                "SELECT version, hash FROM prompt_versions WHERE name = \(name) ORDER BY version DESC LIMIT 1", logger: logger
            ).first
            let previous = latest?.int("version")
            if let previous, latest?.string("hash") == record.hash { return .unchanged(previous) }
            let version = (previous ?? 0) + 1
            _ = try await connection.query(
                """
                INSERT INTO prompt_versions (name, version, hash, source, author, commit_message, created_at)
                VALUES (\(name), \(version), \(record.hash), \(record.source.postgresSafe), \(record.author.postgresSafe),
                        \(record.commitMessage?.postgresSafe), \(StoredTime.micros(record.createdAt)))
                """, logger: logger)
            try await move(name, label: "latest", to: version, author: record.author, at: record.createdAt, on: connection)
            if version == 1 { try await move(name, label: "production", to: version, author: record.author, at: record.createdAt, on: connection) }
            return .created(version)
        }
    }

    public func promptVersions(name: String?) async throws -> [PromptRecord] {
        let query: PostgresQuery =
            if let name {
                "SELECT * FROM prompt_versions WHERE name = \(name.postgresSafe) ORDER BY version"
            } else {
                "SELECT * FROM prompt_versions ORDER BY name, version"
            }
        return try await rows(query).map(StoredRecords.promptVersion)
    }

    public func promptLabels() async throws -> [PromptLabelRecord] {
        try await rows("SELECT * FROM prompt_labels ORDER BY name, label").map(StoredRecords.promptLabel)
    }

    public func movePromptLabel(name: String, label: String, version: Int, author: String) async throws {
        let name = name.postgresSafe
        try await transaction { connection in
            try await lockPrompt(name, on: connection)
            guard try await !connection.rows("SELECT 1 FROM prompt_versions WHERE name = \(name) LIMIT 1", logger: logger).isEmpty else {
                throw PromptStoreError.promptNotFound(name)
            }
            guard
                try await !connection.rows("SELECT 1 FROM prompt_versions WHERE name = \(name) AND version = \(version)", logger: logger).isEmpty
            else { throw PromptStoreError.versionNotFound(name: name, version: version) }
            try await move(name, label: label.postgresSafe, to: version, author: author, at: Date(), on: connection)
        }
    }

    public func rollbackPromptLabel(name: String, label: String, author: String) async throws -> (from: Int, to: Int) {
        let (name, label) = (name.postgresSafe, label.postgresSafe)
        let moved = try await transaction { connection -> [Int] in
            try await lockPrompt(name, on: connection)
            guard
                let current = try await connection.rows(
                    "SELECT version FROM prompt_labels WHERE name = \(name) AND label = \(label)", logger: logger
                ).first?.int("version")
            else {
                guard try await !connection.rows("SELECT 1 FROM prompt_versions WHERE name = \(name) LIMIT 1", logger: logger).isEmpty else {
                    throw PromptStoreError.promptNotFound(name)
                }
                throw PromptStoreError.labelNotFound(name: name, label: label)
            }
            guard
                let undone = try await connection.rows(
                    """
                    SELECT id, from_version FROM prompt_label_moves
                    WHERE name = \(name) AND label = \(label) AND NOT reverted AND rollback_of IS NULL AND from_version IS NOT NULL
                    ORDER BY id DESC LIMIT 1
                    """, logger: logger
                ).first, let target = undone.int("from_version"), let moveID = undone.int64("id")
            else { throw PromptStoreError.nothingToRollBack(name: name, label: label) }
            let now = StoredTime.micros(Date())
            _ = try await connection.query("UPDATE prompt_label_moves SET reverted = TRUE WHERE id = \(moveID)", logger: logger)
            _ = try await connection.query(
                "UPDATE prompt_labels SET version = \(target), updated_at = \(now) WHERE name = \(name) AND label = \(label)", logger: logger)
            _ = try await connection.query(
                """
                INSERT INTO prompt_label_moves (name, label, from_version, to_version, moved_at, author, rollback_of)
                VALUES (\(name), \(label), \(current), \(target), \(now), \(author.postgresSafe), \(moveID))
                """, logger: logger)
            try await recordMove(name, label: label, from: current, to: target, author: author, at: now, on: connection)
            return [current, target]
        }
        return (moved[0], moved[1])
    }

    public func promptRevision() async throws -> Int64 {
        try await rows("SELECT revision FROM prompt_revision WHERE id = 1").first?.int64("revision") ?? 0
    }

    /// Points the label at `version` and records the move; a move to where it already is records nothing.
    private func move(_ name: String, label: String, to version: Int, author: String, at date: Date, on connection: PostgresConnection) async throws {
        let current = try await connection.rows("SELECT version FROM prompt_labels WHERE name = \(name) AND label = \(label)", logger: logger)
            .first?.int("version")
        guard current != version else { return }
        let now = StoredTime.micros(date)
        _ = try await connection.query(
            """
            INSERT INTO prompt_labels (name, label, version, updated_at) VALUES (\(name), \(label), \(version), \(now))
            ON CONFLICT (name, label) DO UPDATE SET version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
            """, logger: logger)
        _ = try await connection.query(
            """
            INSERT INTO prompt_label_moves (name, label, from_version, to_version, moved_at, author)
            VALUES (\(name), \(label), \(current), \(version), \(now), \(author.postgresSafe))
            """, logger: logger)
        try await recordMove(name, label: label, from: current, to: version, author: author, at: now, on: connection)
    }

    /// A `prompt_label_moved` event in the move's transaction, which the monitor's correlation reads as a change.
    private func recordMove(
        _ name: String, label: String, from: Int?, to: Int, author: String, at micros: Int64, on connection: PostgresConnection
    ) async throws {
        var detail: JSONObject = ["name": .string(name), "label": .string(label), "to": .int(Int64(to)), "author": .string(author)]
        if let from { detail["from"] = .int(Int64(from)) }
        _ = try await connection.query(
            """
            INSERT INTO events (created_at, kind, provider, upstream_model, detail)
            VALUES (\(micros), 'prompt_label_moved', NULL, NULL, \(JSONValue.object(detail).encodedString()))
            """, logger: logger)
    }
}

extension PostgresStore: RolloutStore {
    public func createRollout(_ record: RolloutRecord) async throws {
        do {
            try await execute(
                """
                INSERT INTO rollouts (id, subject, spec, state, status, created_at, updated_at)
                VALUES (\(record.id.postgresSafe), \(record.subject.postgresSafe), \(record.spec.encodedString()), \(record.state.encodedString()),
                        \(record.status.rawValue), \(StoredTime.micros(record.createdAt)), \(StoredTime.micros(record.updatedAt)))
                """)
        } catch let error as PSQLError where error.sqlState == "23505" {
            let existing = try await activeRollout(subject: record.subject)
            throw RolloutStoreError.activeRolloutExists(subject: record.subject, id: existing?.id ?? record.id)
        }
    }

    @discardableResult
    public func updateRollout(id: String, state: JSONValue, status: RolloutRecord.Status, updatedAt: Date) async throws -> Bool {
        let updated = try await count(
            """
            WITH updated AS (
                UPDATE rollouts SET state = \(state.encodedString()), status = \(status.rawValue), updated_at = \(StoredTime.micros(updatedAt))
                WHERE id = \(id.postgresSafe) AND status = 'active' RETURNING 1)
            SELECT count(*) AS n FROM updated
            """)
        if updated > 0 { return true }
        guard try await rollout(id: id) != nil else { throw RolloutStoreError.rolloutNotFound(id: id) }
        return false
    }

    public func rollouts(status: RolloutRecord.Status?) async throws -> [RolloutRecord] {
        let query: PostgresQuery =
            if let status {
                "SELECT * FROM rollouts WHERE status = \(status.rawValue) ORDER BY created_at DESC, id DESC"
            } else {
                "SELECT * FROM rollouts ORDER BY created_at DESC, id DESC"
            }
        return try await rows(query).map(StoredRecords.rollout)
    }

    public func rollout(id: String) async throws -> RolloutRecord? {
        try await rows("SELECT * FROM rollouts WHERE id = \(id.postgresSafe)").first.map(StoredRecords.rollout)
    }

    public func activeRollout(subject: String) async throws -> RolloutRecord? {
        try await rows("SELECT * FROM rollouts WHERE subject = \(subject.postgresSafe) AND status = 'active'").first.map(StoredRecords.rollout)
    }

    public func recordShadowPair(_ pair: ShadowPair) async throws {
        try await execute(
            """
            INSERT INTO rollout_shadow_pairs (id, rollout_id, trace_id_stable, trace_id_candidate, similarity, created_at)
            VALUES (\(pair.id.postgresSafe), \(pair.rolloutID.postgresSafe), \(pair.stableTraceID.postgresSafe),
                    \(pair.candidateTraceID.postgresSafe), \(pair.similarity), \(StoredTime.micros(pair.createdAt)))
            """)
    }

    public func shadowPairs(rolloutID: String, limit: Int) async throws -> [ShadowPair] {
        try await rows(
            """
            SELECT * FROM rollout_shadow_pairs WHERE rollout_id = \(rolloutID.postgresSafe)
            ORDER BY created_at DESC, id DESC LIMIT \(max(1, min(limit, 1000)))
            """
        ).map(StoredRecords.shadowPair)
    }

    public func rolloutRevision() async throws -> Int64 {
        try await rows("SELECT revision FROM rollout_revision WHERE id = 1").first?.int64("revision") ?? 0
    }
}
