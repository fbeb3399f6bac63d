import Foundation
import GRDB
import KeelCore

/// Incidents as the store keeps them: their id, status and opening time to find them by, and
/// the whole incident as JSON (KeelMonitor's `Incident`, which this module does not know).
public struct IncidentRecord: Sendable, Equatable {
    public var id: String
    public var status: String
    public var openedAt: Date
    public var body: JSONValue

    public init(id: String, status: String, openedAt: Date, body: JSONValue) {
        self.id = id
        self.status = status
        self.openedAt = openedAt
        self.body = body
    }
}

public protocol IncidentStore: Sendable {
    func saveIncident(_ incident: IncidentRecord) async throws
    func incident(id: String) async throws -> IncidentRecord?
    /// Newest first; `status` nil for all, `open` for those not resolved.
    func incidents(status: String?, limit: Int) async throws -> [IncidentRecord]
}

extension SQLiteTraceStore: IncidentStore {
    public func saveIncident(_ incident: IncidentRecord) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO incidents (id, status, opened_at, body) VALUES (?, ?, ?, ?)",
                arguments: [incident.id, incident.status, StoredTime.micros(incident.openedAt), incident.body.encodedString()])
        }
    }

    public func incident(id: String) async throws -> IncidentRecord? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM incidents WHERE id = ?", arguments: [id]).map(StoredRecords.incident) }
    }

    public func incidents(status: String?, limit: Int) async throws -> [IncidentRecord] {
        let condition: String
        let arguments: StatementArguments
        switch status {
        case nil: (condition, arguments) = ("", [])
        case "open"?: (condition, arguments) = ("WHERE status != 'resolved'", [])
        case let status?: (condition, arguments) = ("WHERE status = ?", [status])
        }
        let bounded = max(1, min(limit, 1000))
        return try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM incidents \(condition) ORDER BY opened_at DESC LIMIT \(bounded)", arguments: arguments)
                .map(StoredRecords.incident)
        }
    }
}
