import Foundation
import GRDB
import KeelCore

/// A rollout as stored: its spec and state are JSON that `KeelPrompts` writes and reads (the
/// store knows neither type); `subject` and `status` are columns so that the one active
/// rollout of a subject is found, and kept unique, without reading the JSON.
public struct RolloutRecord: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case active, promoted, aborted
    }

    public var id: String
    /// What the rollout changes: "prompt:support-reply:production", "model:smart".
    public var subject: String
    public var spec: JSONValue
    public var state: JSONValue
    public var status: Status
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, subject: String, spec: JSONValue, state: JSONValue, status: Status, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.subject = subject
        self.spec = spec
        self.state = state
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A shadow rollout's two answers to one request, linked by their traces.
public struct ShadowPair: Sendable, Equatable {
    public var id: String
    public var rolloutID: String
    /// The trace of the answer the client got.
    public var stableTraceID: String
    /// The trace of the candidate's answer to the copy, never returned.
    public var candidateTraceID: String
    /// `OutputSimilarity`'s score; nil when either failed.
    public var similarity: Double?
    public var createdAt: Date

    public init(
        id: String = "sp_" + IdentifierRandom.hex(bytes: 8), rolloutID: String, stableTraceID: String, candidateTraceID: String,
        similarity: Double?, createdAt: Date
    ) {
        self.id = id
        self.rolloutID = rolloutID
        self.stableTraceID = stableTraceID
        self.candidateTraceID = candidateTraceID
        self.similarity = similarity
        self.createdAt = createdAt
    }
}

public enum RolloutStoreError: Error, Equatable, CustomStringConvertible {
    case activeRolloutExists(subject: String, id: String)
    case rolloutNotFound(id: String)

    public var description: String {
        switch self {
        case .activeRolloutExists(let subject, let id):
            return "\(subject) already has an active rollout (\(id)): promote or abort it first"
        case .rolloutNotFound(let id): return "no rollout \(id)"
        }
    }
}

/// Rollouts and their shadow pairs. Every gateway process reads the active rollouts and polls
/// `rolloutRevision()` (once a second) to see another process's step, abort or promotion.
public protocol RolloutStore: Sendable {
    /// Throws `RolloutStoreError.activeRolloutExists` when `record`'s subject has one already.
    func createRollout(_ record: RolloutRecord) async throws
    /// Writes a rollout's state and status. A rollout that has ended (promoted or aborted) is
    /// final: the write is refused and the answer is false, so a process that has not yet seen
    /// another's abort cannot bring the rollout back. Throws `rolloutNotFound` for an unknown id.
    @discardableResult
    func updateRollout(id: String, state: JSONValue, status: RolloutRecord.Status, updatedAt: Date) async throws -> Bool
    /// Newest first; every status when `status` is nil.
    func rollouts(status: RolloutRecord.Status?) async throws -> [RolloutRecord]
    func rollout(id: String) async throws -> RolloutRecord?
    func activeRollout(subject: String) async throws -> RolloutRecord?
    func recordShadowPair(_ pair: ShadowPair) async throws
    /// Newest first.
    func shadowPairs(rolloutID: String, limit: Int) async throws -> [ShadowPair]
    /// A number that changes whenever a rollout is created, updated or deleted, in any process.
    func rolloutRevision() async throws -> Int64
}

extension SQLiteTraceStore: RolloutStore {
    public func createRollout(_ record: RolloutRecord) async throws {
        try await pool.write { db in
            if record.status == .active,
                let existing = try String.fetchOne(
                    db, sql: "SELECT id FROM rollouts WHERE subject = ? AND status = 'active'", arguments: [record.subject])
            {
                throw RolloutStoreError.activeRolloutExists(subject: record.subject, id: existing)
            }
            try db.execute(
                sql: "INSERT INTO rollouts (id, subject, spec, state, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    record.id, record.subject, record.spec.encodedString(), record.state.encodedString(), record.status.rawValue,
                    StoredTime.micros(record.createdAt), StoredTime.micros(record.updatedAt),
                ])
        }
    }

    @discardableResult
    public func updateRollout(id: String, state: JSONValue, status: RolloutRecord.Status, updatedAt: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE rollouts SET state = ?, status = ?, updated_at = ? WHERE id = ? AND status = 'active'",
                arguments: [state.encodedString(), status.rawValue, StoredTime.micros(updatedAt), id])
            if db.changesCount > 0 { return true }
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM rollouts WHERE id = ?", arguments: [id]) == true else {
                throw RolloutStoreError.rolloutNotFound(id: id)
            }
            return false
        }
    }

    public func rollouts(status: RolloutRecord.Status?) async throws -> [RolloutRecord] {
        try await pool.read { db in
            let filter = status == nil ? "" : "WHERE status = ?"
            return try Row.fetchAll(
                db, sql: "SELECT * FROM rollouts \(filter) ORDER BY created_at DESC, id DESC",
                arguments: StatementArguments(status.map { [$0.rawValue] } ?? [])
            ).map(StoredRecords.rollout)
        }
    }

    public func rollout(id: String) async throws -> RolloutRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM rollouts WHERE id = ?", arguments: [id]).map(StoredRecords.rollout)
        }
    }

    public func activeRollout(subject: String) async throws -> RolloutRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM rollouts WHERE subject = ? AND status = 'active'", arguments: [subject])
                .map(StoredRecords.rollout)
        }
    }

    public func recordShadowPair(_ pair: ShadowPair) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO rollout_shadow_pairs (id, rollout_id, trace_id_stable, trace_id_candidate, similarity, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    pair.id, pair.rolloutID, pair.stableTraceID, pair.candidateTraceID, pair.similarity, StoredTime.micros(pair.createdAt),
                ])
        }
    }

    public func shadowPairs(rolloutID: String, limit: Int) async throws -> [ShadowPair] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM rollout_shadow_pairs WHERE rollout_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
                arguments: [rolloutID, max(1, min(limit, 1000))]
            ).map(StoredRecords.shadowPair)
        }
    }

    public func rolloutRevision() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT revision FROM rollout_revision WHERE id = 1") ?? 0 }
    }
}
