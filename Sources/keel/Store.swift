import ArgumentParser
import Foundation
import KeelCore
import KeelStore

/// `keel store migrate`: a laptop's SQLite store into the PostgreSQL database of a fleet.
struct Store: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Move a store: copy a SQLite store into PostgreSQL.", subcommands: [Migrate.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy every trace, key, prompt, rollout, score, eval run, batch and incident of a SQLite store into PostgreSQL.",
            discussion: """
                The destination is migrated first; rows it already has (the same id) are kept, so a copy \
                that stopped can be run again. Stop the gateways writing to the SQLite store first.
                """)

        @Option(help: "The SQLite store: sqlite://PATH.") var from: String
        @Option(help: "The PostgreSQL store: postgres://USER:PASSWORD@HOST:PORT/DATABASE.") var to: String

        func run() async throws {
            guard let path = StorageConfig(url: from).sqlitePath, FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("--from: expected sqlite://PATH of an existing store, found \(PostgresURL.redacting(from))")
            }
            guard PostgresURL.isPostgres(to) else { throw ValidationError("--to: expected postgres://USER:PASSWORD@HOST:PORT/DATABASE") }
            let source = try SQLiteTraceStore(path: path)
            guard let destination = try await StoreFactory.open(StorageConfig(url: to)) as? PostgresStore else { throw ExitCode(2) }
            defer { destination.close() }
            let counts = try await StoreMigration.copy(from: source, to: destination)
            for (table, rows) in counts { print("\(table): \(rows) rows") }
            print("copied \(path) into \(destination.url)")
        }
    }
}
