import Foundation
import GRDB
import KeelCore

extension SQLiteTraceStore: APIKeyStore {
    public func createKey(_ key: APIKey) async throws {
        try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM api_keys WHERE name = ? AND revoked_at IS NULL", arguments: [key.name]) == true {
                throw APIKeyNameTaken(name: key.name)
            }
            try db.execute(
                sql: """
                    INSERT INTO api_keys (id, name, team, hash, prefix, budget_usd, budget_period, rpm, tpm, models, created_at, revoked_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key.id, key.name, key.team, key.hash, key.prefix, key.budget?.usd, key.budget?.period.rawValue, key.rpm, key.tpm,
                    key.models.map { JSONValue.array($0.map(JSONValue.string)).encodedString() },
                    StoredTime.micros(key.createdAt), key.revokedAt.map(StoredTime.micros),
                ])
        }
    }

    public func keys(includingRevoked: Bool) async throws -> [APIKey] {
        try await pool.read { db in
            let filter = includingRevoked ? "" : "WHERE revoked_at IS NULL"
            return try Row.fetchAll(db, sql: "SELECT * FROM api_keys \(filter) ORDER BY created_at, id").map(StoredRecords.key)
        }
    }

    public func revokeKey(_ idOrName: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = ? WHERE (id = ? OR name = ?) AND revoked_at IS NULL",
                arguments: [StoredTime.micros(Date()), idOrName, idOrName])
            return db.changesCount > 0
        }
    }

    public func key(hash: String) async throws -> APIKey? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE hash = ?", arguments: [hash]).map(StoredRecords.key)
        }
    }

    public func key(id: String) async throws -> APIKey? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id]).map(StoredRecords.key)
        }
    }

    public func hasKeys() async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM api_keys)") ?? false
        }
    }

    public func spend(apiKeyIDs: [String], since date: Date) async throws -> Double {
        guard !apiKeyIDs.isEmpty else { return 0 }
        return try await pool.read { db in
            let marks = apiKeyIDs.map { _ in "?" }.joined(separator: ", ")
            let values: [(any DatabaseValueConvertible)?] = apiKeyIDs.map { $0 } + [StoredTime.micros(date)]
            let arguments = StatementArguments(values)
            return try Double.fetchOne(
                db, sql: "SELECT COALESCE(SUM(cost_usd), 0) FROM traces WHERE api_key_id IN (\(marks)) AND started_at >= ?", arguments: arguments)
                ?? 0
        }
    }
}
