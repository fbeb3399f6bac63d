import Foundation
import GRDB
import KeelCore

/// A file of the Files API: batch input, or the output and errors Keel writes for a batch.
public struct StoredFile: Sendable, Equatable {
    public var id: String
    public var purpose: String
    public var filename: String
    public var bytes: Int
    public var createdAt: Date
    /// The key that uploaded it, or whose batch wrote it; nil when made with no key.
    public var owner: ObjectOwner?

    public init(id: String, purpose: String, filename: String, bytes: Int, createdAt: Date, owner: ObjectOwner? = nil) {
        self.id = id
        self.purpose = purpose
        self.filename = filename
        self.bytes = bytes
        self.createdAt = createdAt
        self.owner = owner
    }

    public var json: JSONValue {
        [
            "id": .string(id), "object": "file", "bytes": .int(Int64(bytes)), "created_at": .int(Int64(createdAt.timeIntervalSince1970)),
            "filename": .string(filename), "purpose": .string(purpose), "status": "processed",
        ]
    }
}

/// A batch as the Batches API shows it, and what Keel needs to run it.
public struct StoredBatch: Sendable, Equatable {
    public enum Status: String, Sendable {
        case validating, failed
        case inProgress = "in_progress"
        case finalizing, completed, expired, cancelling, cancelled

        public var isFinished: Bool { [.failed, .completed, .expired, .cancelled].contains(self) }
    }

    public var id: String
    public var endpoint: String
    public var inputFileID: String
    public var completionWindow: String
    public var status: Status
    public var outputFileID: String?
    public var errorFileID: String?
    /// Validation errors: `[{code, message, line}]`.
    public var errors: [JSONValue] = []
    public var metadata: JSONValue?
    /// The Keel API key that made it: its lines run under that key (by id, not by name), and
    /// revoking the key cancels the batch.
    public var owner: ObjectOwner?
    public var total = 0
    public var completed = 0
    public var failed = 0
    public var createdAt: Date
    /// When each status was reached.
    public var timestamps: [String: Date] = [:]
    public var expiresAt: Date

    public init(id: String, endpoint: String, inputFileID: String, completionWindow: String, status: Status, createdAt: Date, expiresAt: Date) {
        self.id = id
        self.endpoint = endpoint
        self.inputFileID = inputFileID
        self.completionWindow = completionWindow
        self.status = status
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    public var json: JSONValue {
        func time(_ name: String) -> JSONValue { timestamps[name].map { .int(Int64($0.timeIntervalSince1970)) } ?? .null }
        return [
            "id": .string(id), "object": "batch", "endpoint": .string(endpoint),
            "errors": errors.isEmpty ? .null : ["object": "list", "data": .array(errors)],
            "input_file_id": .string(inputFileID), "completion_window": .string(completionWindow), "status": .string(status.rawValue),
            "output_file_id": outputFileID.map(JSONValue.string) ?? .null, "error_file_id": errorFileID.map(JSONValue.string) ?? .null,
            "created_at": .int(Int64(createdAt.timeIntervalSince1970)), "in_progress_at": time("in_progress"),
            "expires_at": .int(Int64(expiresAt.timeIntervalSince1970)), "finalizing_at": time("finalizing"),
            "completed_at": time("completed"), "failed_at": time("failed"), "expired_at": time("expired"),
            "cancelling_at": time("cancelling"), "cancelled_at": time("cancelled"),
            "request_counts": ["total": .int(Int64(total)), "completed": .int(Int64(completed)), "failed": .int(Int64(failed))],
            "metadata": metadata ?? .null,
        ]
    }
}

/// One line's outcome, kept as it finishes so that a restart resumes where the batch was; and,
/// before that, the mark that the line was started (`started`), so that a line cut off by a
/// crash is known and never sent twice.
public struct BatchResult: Sendable, Equatable {
    public var line: Int
    public var customID: String
    /// The HTTP status of the line's answer; 0 for a line never sent, whose `body` is the error.
    public var statusCode: Int
    public var body: JSONValue
    public var traceID: String?

    public init(line: Int, customID: String, statusCode: Int, body: JSONValue, traceID: String?) {
        self.line = line
        self.customID = customID
        self.statusCode = statusCode
        self.body = body
        self.traceID = traceID
    }

    static let startedStatus = -1

    /// The mark of a line sent and not yet answered.
    public static func started(line: Int, customID: String) -> BatchResult {
        BatchResult(line: line, customID: customID, statusCode: startedStatus, body: .null, traceID: nil)
    }

    /// A line that was not sent (or is not sent again), with `error` saying why.
    public static func notRun(line: Int, customID: String, error: JSONValue) -> BatchResult {
        BatchResult(line: line, customID: customID, statusCode: 0, body: error, traceID: nil)
    }

    public var isStarted: Bool { statusCode == Self.startedStatus }
    /// Whether the line reached a provider and has its answer.
    public var wasSent: Bool { statusCode > 0 }
}

public protocol BatchStore: Sendable {
    func createFile(_ file: StoredFile, content: Data) async throws
    func file(id: String) async throws -> StoredFile?
    func fileContent(id: String) async throws -> Data?
    func files(purpose: String?, scope: ObjectScope) async throws -> [StoredFile]
    func deleteFile(id: String) async throws -> Bool
    func saveBatch(_ batch: StoredBatch) async throws
    func batch(id: String) async throws -> StoredBatch?
    func batches(limit: Int, scope: ObjectScope) async throws -> [StoredBatch]
    func unfinishedBatches() async throws -> [StoredBatch]
    func saveResult(_ result: BatchResult, batch: String) async throws
    func results(batch: String) async throws -> [BatchResult]
    /// Takes the lease of batch `id` for `holder` until `until`, or renews it: only when no
    /// other holder's lease runs past `now`. Whether `holder` holds it now. One process of a
    /// fleet runs a batch; another takes it over when the lease runs out.
    func leaseBatch(id: String, holder: String, until: Date, now: Date) async throws -> Bool
    /// Gives the lease up (a replica that stops), so that another takes the batch over at once.
    func releaseBatch(id: String, holder: String) async throws
}

extension SQLiteTraceStore: BatchStore {
    public func createFile(_ file: StoredFile, content: Data) async throws {
        try await pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO files (id, purpose, filename, bytes, content, created_at, owner_key_id, owner_team) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    file.id, file.purpose, file.filename, file.bytes, content, StoredTime.micros(file.createdAt), file.owner?.keyID,
                    file.owner?.team,
                ])
        }
    }

    public func file(id: String) async throws -> StoredFile? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.fileColumns) FROM files WHERE id = ?", arguments: [id]).map(StoredRecords.file)
        }
    }

    public func fileContent(id: String) async throws -> Data? {
        try await pool.read { db in try Data.fetchOne(db, sql: "SELECT content FROM files WHERE id = ?", arguments: [id]) }
    }

    public func files(purpose: String?, scope: ObjectScope) async throws -> [StoredFile] {
        try await pool.read { db in
            let owner = scope.sqlCondition
            let filter = purpose == nil ? owner.sql : "purpose = ? AND \(owner.sql)"
            let arguments = StatementArguments((purpose.map { [$0] } ?? []) + owner.arguments)
            return try Row.fetchAll(db, sql: "SELECT \(Self.fileColumns) FROM files WHERE \(filter) ORDER BY created_at DESC", arguments: arguments)
                .map(StoredRecords.file)
        }
    }

    public func deleteFile(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM files WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    public func saveBatch(_ batch: StoredBatch) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO batches (id, status, created_at, body, owner_key_id, owner_team) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET status = excluded.status, created_at = excluded.created_at, body = excluded.body,
                        owner_key_id = excluded.owner_key_id, owner_team = excluded.owner_team
                    """,
                arguments: [
                    batch.id, batch.status.rawValue, StoredTime.micros(batch.createdAt), StoredBatchBody.encode(batch).encodedString(),
                    batch.owner?.keyID,
                    batch.owner?.team,
                ])
        }
    }

    public func leaseBatch(id: String, holder: String, until: Date, now: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE batches SET lease_holder = ?, lease_until = ?
                    WHERE id = ? AND (lease_holder IS NULL OR lease_holder = ? OR lease_until < ?)
                    """, arguments: [holder, StoredTime.micros(until), id, holder, StoredTime.micros(now)])
            return db.changesCount > 0
        }
    }

    public func releaseBatch(id: String, holder: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE batches SET lease_holder = NULL, lease_until = NULL WHERE id = ? AND lease_holder = ?", arguments: [id, holder])
        }
    }

    public func batch(id: String) async throws -> StoredBatch? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM batches WHERE id = ?", arguments: [id]).flatMap(StoredBatchBody.decode)
        }
    }

    public func batches(limit: Int, scope: ObjectScope) async throws -> [StoredBatch] {
        try await pool.read { db in
            let owner = scope.sqlCondition
            return try String.fetchAll(
                db, sql: "SELECT body FROM batches WHERE \(owner.sql) ORDER BY created_at DESC LIMIT ?",
                arguments: StatementArguments(owner.arguments) + [limit]
            ).compactMap(StoredBatchBody.decode)
        }
    }

    public func unfinishedBatches() async throws -> [StoredBatch] {
        try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT body FROM batches WHERE status IN ('validating', 'in_progress', 'finalizing', 'cancelling') ORDER BY created_at"
            )
            .compactMap(StoredBatchBody.decode)
        }
    }

    public func saveResult(_ result: BatchResult, batch: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO batch_results (batch_id, line, custom_id, status_code, body, trace_id) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [batch, result.line, result.customID, result.statusCode, result.body.encodedString(), result.traceID])
        }
    }

    public func results(batch: String) async throws -> [BatchResult] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM batch_results WHERE batch_id = ? ORDER BY line", arguments: [batch]).map(
                StoredRecords.batchResult)
        }
    }

    static let fileColumns = "id, purpose, filename, bytes, created_at, owner_key_id, owner_team"
}

/// A batch is stored whole as JSON (its public shape plus what Keel keeps), in both stores.
enum StoredBatchBody {
    static func encode(_ batch: StoredBatch) -> JSONValue {
        var object = batch.json.objectValue ?? [:]
        object["owner_key_id"] = batch.owner.map { .string($0.keyID) } ?? .null
        object["owner_team"] = batch.owner?.team.map(JSONValue.string) ?? .null
        object["created_at_micros"] = .int(StoredTime.micros(batch.createdAt))
        object["timestamps_micros"] = .object(batch.timestamps.mapValues { .int(StoredTime.micros($0)) })
        object["expires_at_micros"] = .int(StoredTime.micros(batch.expiresAt))
        return .object(object)
    }

    static func decode(_ text: String) -> StoredBatch? {
        guard let object = (try? JSONValue.parse(text))?.objectValue, let id = object["id"]?.stringValue,
            let status = object["status"]?.stringValue.flatMap(StoredBatch.Status.init(rawValue:))
        else { return nil }
        var batch = StoredBatch(
            id: id, endpoint: object["endpoint"]?.stringValue ?? "", inputFileID: object["input_file_id"]?.stringValue ?? "",
            completionWindow: object["completion_window"]?.stringValue ?? "24h", status: status,
            createdAt: StoredTime.date(Int64(object["created_at_micros"]?.intValue ?? 0)),
            expiresAt: StoredTime.date(Int64(object["expires_at_micros"]?.intValue ?? 0)))
        batch.outputFileID = object["output_file_id"]?.stringValue
        batch.errorFileID = object["error_file_id"]?.stringValue
        batch.errors = object["errors"]?["data"]?.arrayValue ?? []
        batch.metadata = object["metadata"].flatMap { $0.isNull ? nil : $0 }
        batch.owner = object["owner_key_id"]?.stringValue.map { ObjectOwner(keyID: $0, team: object["owner_team"]?.stringValue) }
        let counts = object["request_counts"]
        batch.total = counts?["total"]?.intValue ?? 0
        batch.completed = counts?["completed"]?.intValue ?? 0
        batch.failed = counts?["failed"]?.intValue ?? 0
        batch.timestamps = (object["timestamps_micros"]?.objectValue ?? [:]).compactMapValues { $0.intValue.map { StoredTime.date(Int64($0)) } }
        return batch
    }
}
