import Foundation
import KeelCore
import Logging

/// Opens the store that `storage.url` names.
public enum StoreFactory {
    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func open(_ config: StorageConfig) throws -> any KeelStorage {
        guard let path = config.sqlitePath else {
            throw OpenError(description: "storage.url: unsupported store \"\(config.url)\" (expected sqlite://PATH)")
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
    public static func deadLetterFile(_ config: StorageConfig) -> DeadLetterFile? {
        config.sqlitePath.flatMap(DeadLetterFile.init(besideDatabase:))
    }
}
