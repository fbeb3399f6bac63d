import Foundation
import KeelCore
import Logging

/// Opens the store that `storage.url` names.
public enum StoreFactory {
    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The store `storage.url` names: SQLite (`sqlite://PATH`, the default) or PostgreSQL
    /// (`postgres://...`), migrated. Errors never carry the database password.
    public static func open(_ config: StorageConfig, logger: Logger = Logger(label: "keel.store")) async throws -> any KeelStorage {
        if PostgresURL.isPostgres(config.url) {
            let url: PostgresURL
            do {
                url = try PostgresURL(config.url)
            } catch {
                throw OpenError(description: "storage.url: \(error.description)")
            }
            do {
                return try await PostgresStore.open(url, logger: logger)
            } catch {
                throw OpenError(description: "storage.url: cannot open the PostgreSQL database \(url): \(PostgresStore.describe(error))")
            }
        }
        guard let path = config.sqlitePath else {
            throw OpenError(
                description:
                    "storage.url: unsupported store \"\(PostgresURL.redacting(config.url))\" (expected sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE)"
            )
        }
        do {
            return try SQLiteTraceStore(path: path)
        } catch {
            throw OpenError(description: "storage.url: cannot open the SQLite database at \(path): \(error)")
        }
    }

    public static func writer(for store: any TraceStore, config: StorageConfig, logger: Logger) -> TraceWriter {
        let retention = TraceWriter.Retention(maxAge: config.retentionDays.map { .seconds($0 * 86_400) }, maxCount: config.maxTraces)
        return TraceWriter(
            store: store, capacity: config.queueCapacity, batchSize: config.batchSize, flushInterval: .milliseconds(config.flushIntervalMs),
            retention: retention, deadLetter: deadLetterFile(config), logger: logger)
    }

    /// Where the traces the store keeps refusing wait: beside the SQLite database; none for an in-memory one.
    /// For PostgreSQL, `keel.deadletter.jsonl` in the working directory (a replica's own disk).
    public static func deadLetterFile(_ config: StorageConfig) -> DeadLetterFile? {
        if PostgresURL.isPostgres(config.url) { return DeadLetterFile(path: "keel.deadletter.jsonl") }
        return config.sqlitePath.flatMap(DeadLetterFile.init(besideDatabase:))
    }
}
