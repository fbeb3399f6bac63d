import Foundation
import GRDB
import KeelCore

extension SQLiteTraceStore: PromptStore {
    public func pushPrompt(_ record: NewPromptRecord) async throws -> PushOutcome {
        try await pool.write { db in
            let latest = try Row.fetchOne(
                db, sql: "SELECT version, hash FROM prompt_versions WHERE name = ? ORDER BY version DESC LIMIT 1", arguments: [record.name])
            let previous: Int? = latest?["version"]
            if let previous, latest?["hash"] == record.hash { return .unchanged(previous) }
            let version = (previous ?? 0) + 1
            try db.execute(
                sql: """
                    INSERT INTO prompt_versions (name, version, hash, source, author, commit_message, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.name, version, record.hash, record.source, record.author, record.commitMessage, StoredTime.micros(record.createdAt),
                ])
            try Self.move(db, name: record.name, label: "latest", to: version, author: record.author, at: record.createdAt)
            if version == 1 { try Self.move(db, name: record.name, label: "production", to: version, author: record.author, at: record.createdAt) }
            return .created(version)
        }
    }

    public func promptVersions(name: String?) async throws -> [PromptRecord] {
        try await pool.read { db in
            let rows =
                if let name {
                    try Row.fetchAll(db, sql: "SELECT * FROM prompt_versions WHERE name = ? ORDER BY version", arguments: [name])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM prompt_versions ORDER BY name, version")
                }
            return rows.map(StoredRecords.promptVersion)
        }
    }

    public func promptLabels() async throws -> [PromptLabelRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM prompt_labels ORDER BY name, label").map(StoredRecords.promptLabel)
        }
    }

    public func movePromptLabel(name: String, label: String, version: Int, author: String) async throws {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM prompt_versions WHERE name = ? LIMIT 1", arguments: [name]) == true else {
                throw PromptStoreError.promptNotFound(name)
            }
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM prompt_versions WHERE name = ? AND version = ?", arguments: [name, version]) == true
            else {
                throw PromptStoreError.versionNotFound(name: name, version: version)
            }
            try Self.move(db, name: name, label: label, to: version, author: author, at: Date())
        }
    }

    public func rollbackPromptLabel(name: String, label: String, author: String) async throws -> (from: Int, to: Int) {
        try await pool.write { db in
            guard let current = try Int.fetchOne(db, sql: "SELECT version FROM prompt_labels WHERE name = ? AND label = ?", arguments: [name, label])
            else {
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM prompt_versions WHERE name = ? LIMIT 1", arguments: [name]) == true else {
                    throw PromptStoreError.promptNotFound(name)
                }
                throw PromptStoreError.labelNotFound(name: name, label: label)
            }
            guard
                let undone = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT id, from_version FROM prompt_label_moves
                        WHERE name = ? AND label = ? AND reverted = 0 AND rollback_of IS NULL AND from_version IS NOT NULL
                        ORDER BY id DESC LIMIT 1
                        """, arguments: [name, label])
            else {
                throw PromptStoreError.nothingToRollBack(name: name, label: label)
            }
            let target: Int = undone["from_version"]
            let moveID: Int64 = undone["id"]
            let now = Date()
            try db.execute(sql: "UPDATE prompt_label_moves SET reverted = 1 WHERE id = ?", arguments: [moveID])
            try db.execute(
                sql: "UPDATE prompt_labels SET version = ?, updated_at = ? WHERE name = ? AND label = ?",
                arguments: [target, StoredTime.micros(now), name, label])
            try db.execute(
                sql: """
                    INSERT INTO prompt_label_moves (name, label, from_version, to_version, moved_at, author, rollback_of)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [name, label, current, target, StoredTime.micros(now), author, moveID])
            try Self.recordMove(db, name: name, label: label, from: current, to: target, author: author, at: now)
            return (current, target)
        }
    }

    public func promptRevision() async throws -> Int64 {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT revision FROM prompt_revision WHERE id = 1") ?? 0
        }
    }

    /// Points the label at `version` and records the move; a move to where it already is records nothing.
    private static func move(_ db: Database, name: String, label: String, to version: Int, author: String, at date: Date) throws {
        let current = try Int.fetchOne(db, sql: "SELECT version FROM prompt_labels WHERE name = ? AND label = ?", arguments: [name, label])
        guard current != version else { return }
        try db.execute(
            sql: """
                INSERT INTO prompt_labels (name, label, version, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (name, label) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at
                """,
            arguments: [name, label, version, StoredTime.micros(date)])
        try db.execute(
            sql: "INSERT INTO prompt_label_moves (name, label, from_version, to_version, moved_at, author) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [name, label, current, version, StoredTime.micros(date), author])
        try recordMove(db, name: name, label: label, from: current, to: version, author: author, at: date)
    }

    /// A `prompt_label_moved` event, which the monitor's correlation reads as a change.
    private static func recordMove(_ db: Database, name: String, label: String, from: Int?, to: Int, author: String, at date: Date) throws {
        var detail: JSONObject = ["name": .string(name), "label": .string(label), "to": .int(Int64(to)), "author": .string(author)]
        if let from { detail["from"] = .int(Int64(from)) }
        try db.execute(
            sql: "INSERT INTO events (created_at, kind, provider, upstream_model, detail) VALUES (?, ?, NULL, NULL, ?)",
            arguments: [StoredTime.micros(date), "prompt_label_moved", JSONValue.object(detail).encodedString()])
    }
}
