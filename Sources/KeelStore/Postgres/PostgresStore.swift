import Foundation
import KeelCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// The store of a fleet: PostgreSQL through PostgresNIO's pooled client, the same protocols as
/// the embedded SQLite store. Opening it migrates the database (one process at a time, by an
/// advisory lock, so that replicas starting together do not race).
public final class PostgresStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    public let url: PostgresURL
    private let running: Task<Void, Never>
    /// The days whose trace partition exists (days since 1970, UTC).
    let partitions = TracePartitions()

    /// How long opening waits for the server.
    static let startTimeout = Duration.seconds(10)

    struct Unreachable: Error, CustomStringConvertible {
        let timeout: Duration
        var description: String { "no answer within \(timeout.components.seconds) s (is the server up, and the host and port right?)" }
    }

    /// Connects, migrates, and returns the store; throws when the database cannot be reached or migrated.
    public static func open(_ url: PostgresURL, logger: Logger = Logger(label: "keel.postgres")) async throws -> PostgresStore {
        let store = PostgresStore(url: url, logger: logger)
        do {
            // The pool keeps retrying a server it cannot reach: a start gives up after a while.
            try await within(startTimeout) { try await PostgresSchema.migrate(store) }
        } catch {
            store.close()
            throw error
        }
        return store
    }

    private init(url: PostgresURL, logger: Logger) {
        self.url = url
        self.logger = logger
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: Self.tls(url.sslMode))
        configuration.options.maximumConnections = url.poolSize
        configuration.options.connectTimeout = .seconds(5)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        running = Task { await client.run() }
    }

    deinit { running.cancel() }

    /// Closes every connection; the store is unusable after.
    public func close() { running.cancel() }

    private static func tls(_ mode: PostgresURL.SSLMode) -> PostgresClient.Configuration.TLS {
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        switch mode {
        case .disable: return .disable
        case .prefer: return .prefer(unverified)
        case .require: return .require(unverified)
        case .verifyFull: return .require(.makeClientConfiguration())
        }
    }

    /// Every row of `query`.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await Self.collect(try await client.query(query, logger: logger))
    }

    func execute(_ query: PostgresQuery) async throws {
        _ = try await rows(query)
    }

    /// Runs `body` in one transaction on one connection: committed when it returns, rolled back
    /// when it throws (its error thrown as it is).
    func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await client.withConnection { connection in
            _ = try await connection.query("BEGIN", logger: logger)
            do {
                let result = try await body(connection)
                _ = try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// How long a read on the request path (a key, the response cache) waits for the server:
    /// past it the request is answered without (a 503 for a key, a miss for the cache) rather
    /// than held while the pool waits for a database that is down.
    static let requestPathTimeout = Duration.seconds(2)

    /// The rows of `query`, or `Unreachable` once `timeout` has passed.
    func rows(_ query: PostgresQuery, within timeout: Duration) async throws -> [PostgresRandomAccessRow] {
        try await Self.within(timeout) { try await self.rows(query) }
    }

    /// What `work` returns, or `Unreachable` once `timeout` has passed (`work` is then cancelled):
    /// the pool waits for a server that is down, and some callers must not. The caller is
    /// answered at the deadline even when the work does not heed its cancellation (a query on a
    /// connection the server dropped mid-way waited for good, and the trace writer with it).
    /// The deadline is a callback on an event loop (a heap entry), not a second task sleeping
    /// beside the work: on the request path, that task and its timer cost more than the query.
    static func within<Result: Sendable>(_ timeout: Duration, _ work: @escaping @Sendable () async throws -> Result) async throws -> Result {
        // The work runs in a task of its own, which does not inherit this one's cancellation: a
        // caller already cancelled (a client that hung up) must not start a query that the
        // cancellation handler would only reach once it is on the wire.
        try Task.checkCancellation()
        let race = DeadlineRace<Result>()
        let task = Task {
            do { race.settle(.success(try await work())) } catch { race.settle(.failure(error)) }
        }
        let eventLoop = MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton.any()
        let scheduled = try? eventLoop.scheduleCallback(in: TimeAmount(timeout), handler: QueryDeadline(race, task, timeout: timeout))
        defer { scheduled?.cancel() }
        return try await withTaskCancellationHandler {
            try await race.outcome()
        } onCancel: {
            task.cancel()
            race.settle(.failure(CancellationError()))
        }
    }

    static func collect(_ sequence: PostgresRowSequence) async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in sequence { rows.append(row.makeRandomAccess()) }
        return rows
    }
}

extension PostgresConnection {
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await PostgresStore.collect(try await self.query(query, logger: logger))
    }
}

extension PostgresRandomAccessRow: StoredRow {
    func string(_ column: String) -> String? { try? self[column].decode(String?.self) }
    func int64(_ column: String) -> Int64? { try? self[column].decode(Int64?.self) }
    func double(_ column: String) -> Double? { try? self[column].decode(Double?.self) }
    func bool(_ column: String) -> Bool? { try? self[column].decode(Bool?.self) }
}

extension PSQLError {
    /// The SQLSTATE the server answered with (`23505`: a unique constraint).
    var sqlState: String? { serverInfo?[.sqlState] }
}

extension String {
    /// PostgreSQL text cannot hold a NUL character: it becomes U+FFFD.
    var postgresSafe: String {
        contains("\u{0}") ? replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : self
    }
}

extension PostgresStore {
    /// What went wrong, in a sentence: the server's message for an error it sent, else the
    /// kind of failure (PostgresNIO's own descriptions are deliberately terse).
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] { return message }
        switch error.code {
        case .connectionError: return "cannot connect (\(error.underlying.map { "\($0)" } ?? "connection refused"))"
        default: return "\(error.code)"
        }
    }
}

extension PostgresStore: StoreChangeNotifying {
    /// Listens on one connection of the pool, held for as long as it listens.
    public func listen(_ changed: @escaping @Sendable (StoreChange) async -> Void) async throws {
        try await client.withConnection { connection in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for change in StoreChange.allCases {
                    group.addTask {
                        try await connection.listen(on: change.rawValue) { notifications in
                            for try await _ in notifications { await changed(change) }
                        }
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}

extension PostgresStore: StoreLeadership {
    /// A session advisory lock on one pooled connection, held (and checked every second) for as
    /// long as this process leads; another process tries every 2 s.
    public func lead(_ name: String, _ changed: @escaping @Sendable (Bool) async -> Void) async {
        while !Task.isCancelled {
            try? await client.withConnection { connection in
                let held = try await connection.rows("SELECT pg_try_advisory_lock(hashtext(\(name))) AS held", logger: logger).first?.bool("held")
                guard held == true else { return }
                await changed(true)
                while !Task.isCancelled {
                    do {
                        try await Task.sleep(for: .seconds(1))
                        _ = try await connection.query("SELECT 1", logger: logger)
                    } catch {
                        break
                    }
                }
                await changed(false)
                _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext(\(name)))", logger: logger)
            }
            try? await Task.sleep(for: .seconds(2))
        }
    }
}

/// Cancels a query's task when its deadline passes, and answers its caller `Unreachable`.
private final class QueryDeadline<Success: Sendable>: NIOScheduledCallbackHandler, Sendable {
    let race: DeadlineRace<Success>
    let task: Task<Void, Never>
    let timeout: Duration

    init(_ race: DeadlineRace<Success>, _ task: Task<Void, Never>, timeout: Duration) {
        self.race = race
        self.task = task
        self.timeout = timeout
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        // Settled before the work is cancelled: cancelled first, work that stops at once could
        // settle the race with its CancellationError, and the caller would not see the deadline.
        race.settle(.failure(PostgresStore.Unreachable(timeout: timeout)))
        task.cancel()
    }
}

/// The first of the work's outcome and its deadline, handed to the one caller waiting for it.
final class DeadlineRace<Success: Sendable>: Sendable {
    private enum State {
        case open
        case waiting(CheckedContinuation<Success, any Error>)
        case settled(Result<Success, any Error>)
        case answered
    }

    private let state = Mutex<State>(.open)

    /// The first outcome settles the race; later ones are dropped.
    func settle(_ outcome: Result<Success, any Error>) {
        let waiting: CheckedContinuation<Success, any Error>? = state.withLock { state in
            switch state {
            case .open:
                state = .settled(outcome)
                return nil
            case .waiting(let continuation):
                state = .answered
                return continuation
            case .settled, .answered:
                return nil
            }
        }
        waiting?.resume(with: outcome)
    }

    /// The outcome, once there is one.
    func outcome() async throws -> Success {
        try await withCheckedThrowingContinuation { continuation in
            let settled: Result<Success, any Error>? = state.withLock { state in
                guard case .settled(let outcome) = state else {
                    state = .waiting(continuation)
                    return nil
                }
                state = .answered
                return outcome
            }
            if let settled { continuation.resume(with: settled) }
        }
    }
}
