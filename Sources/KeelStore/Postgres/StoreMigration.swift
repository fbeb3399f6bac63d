import Foundation
import GRDB
import KeelCore
import NIOCore
import PostgresNIO

/// Copies a SQLite store into a PostgreSQL one (`keel store migrate`): every table, row for row,
/// traces through the PostgreSQL store's own batched copy (and so into their day partitions).
/// Rows already in the destination (same key) are kept, so a copy that stopped half-way can
/// simply be run again.
public enum StoreMigration {
    /// Tables besides `traces`, in an order where nothing refers to a row not yet copied, with
    /// the columns PostgreSQL types apart from integers, reals and text.
    static let tables: [(name: String, booleans: Set<String>, bytes: Set<String>)] = [
        ("api_keys", [], []), ("events", [], []), ("spans", [], []), ("response_cache", [], []), ("files", [], ["content"]),
        ("batches", [], []), ("batch_results", [], []), ("prompt_versions", [], []), ("prompt_labels", [], []),
        ("prompt_label_moves", ["reverted"], []), ("rollouts", [], []), ("rollout_shadow_pairs", [], []), ("scores", [], []),
        ("eval_runs", [], []), ("incidents", [], []),
    ]

    /// How many rows of each table were read (copied, or already there).
    public static func copy(
        from source: SQLiteTraceStore, to destination: PostgresStore, batchSize: Int = 1_000, progress: (String, Int) -> Void = { _, _ in }
    ) async throws -> [(table: String, rows: Int)] {
        var counts: [(table: String, rows: Int)] = []
        counts.append(("traces", try await copyTraces(from: source, to: destination, batchSize: batchSize, progress: progress)))
        for table in tables {
            counts.append((table.name, try await copy(table, from: source, to: destination, batchSize: batchSize, progress: progress)))
        }
        for table in ["events", "prompt_label_moves"] {
            try await destination.execute(
                PostgresQuery(unsafeSQL: "SELECT setval(pg_get_serial_sequence('\(table)', 'id'), GREATEST((SELECT max(id) FROM \(table)), 1))"))
        }
        return counts
    }

    private static func copyTraces(
        from source: SQLiteTraceStore, to destination: PostgresStore, batchSize: Int, progress: (String, Int) -> Void
    ) async throws -> Int {
        var copied = 0
        var after: (micros: Int64, id: String)?
        while true {
            let position = after
            let traces = try await source.pool.read { db in
                let rows =
                    if let position {
                        try Row.fetchAll(
                            db, sql: "SELECT * FROM traces WHERE (started_at, id) > (?, ?) ORDER BY started_at, id LIMIT ?",
                            arguments: [position.micros, position.id, batchSize])
                    } else {
                        try Row.fetchAll(db, sql: "SELECT * FROM traces ORDER BY started_at, id LIMIT ?", arguments: [batchSize])
                    }
                return rows.map(StoredRecords.trace)
            }
            guard let last = traces.last else { return copied }
            try await destination.insert(traces)
            copied += traces.count
            progress("traces", copied)
            after = (StoredTime.micros(last.startedAt), last.id)
        }
    }

    private static func copy(
        _ table: (name: String, booleans: Set<String>, bytes: Set<String>), from source: SQLiteTraceStore, to destination: PostgresStore,
        batchSize: Int, progress: (String, Int) -> Void
    ) async throws -> Int {
        var copied = 0
        while true {
            let offset = copied
            let rows = try source.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM \(table.name) ORDER BY rowid LIMIT ? OFFSET ?", arguments: [batchSize, offset])
            }
            guard let first = rows.first else { return copied }
            let columns = Array(first.columnNames)
            // PostgreSQL takes at most 65,535 parameters a statement.
            for chunk in stride(from: 0, to: rows.count, by: max(1, 60_000 / columns.count)) {
                let slice = rows[chunk..<min(rows.count, chunk + max(1, 60_000 / columns.count))]
                var binds = PostgresBindings(capacity: slice.count * columns.count)
                var tuples: [String] = []
                for row in slice {
                    var marks: [String] = []
                    for column in columns {
                        bind(row[column] as DatabaseValue, boolean: table.booleans.contains(column), bytes: table.bytes.contains(column), to: &binds)
                        marks.append("$\(binds.count)")
                    }
                    tuples.append("(" + marks.joined(separator: ", ") + ")")
                }
                let names = columns.map { "\"\($0)\"" }.joined(separator: ", ")
                try await destination.execute(
                    PostgresQuery(
                        unsafeSQL: "INSERT INTO \(table.name) (\(names)) VALUES \(tuples.joined(separator: ", ")) ON CONFLICT DO NOTHING",
                        binds: binds))
            }
            copied += rows.count
            progress(table.name, copied)
        }
    }

    private static func bind(_ value: DatabaseValue, boolean: Bool, bytes: Bool, to binds: inout PostgresBindings) {
        switch value.storage {
        case .null: binds.appendNull()
        case .int64(let number): if boolean { binds.append(number != 0) } else { binds.append(number) }
        case .double(let number): binds.append(number)
        case .string(let text): binds.append(text.postgresSafe)
        case .blob(let data):
            if bytes { binds.append(ByteBuffer(bytes: data)) } else { binds.append(String(decoding: data, as: UTF8.self).postgresSafe) }
        }
    }
}
