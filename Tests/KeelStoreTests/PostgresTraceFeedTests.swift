import Foundation
import KeelCore
import KeelTestSupport
import PostgresNIO
import Testing

@testable import KeelStore

/// The fleet's trace feed: every replica's traces read once each, in the order the database
/// makes them visible, with none skipped behind a transaction that commits late.
@Suite struct PostgresTraceFeedTests {
    static func trace(_ id: String) -> Trace { Trace(id: id, startedAt: Date(), latencyMs: 1, model: "smart") }

    /// What the feed reads from `position` until `count` traces have come (other tests' long
    /// transactions on the same server hold it back for a while), and where it stands then.
    static func read(_ feed: PostgresStore, from position: TraceFeedPosition, count: Int) async throws -> ([String], TraceFeedPosition) {
        var ids: [String] = []
        var position = position
        let deadline = ContinuousClock.now + .seconds(15)
        while ids.count < count && ContinuousClock.now < deadline {
            let (traces, next) = try await feed.traces(committedSince: position)
            ids += traces.map(\.id)
            position = next
            if ids.count < count { try await Task.sleep(for: .milliseconds(50)) }
        }
        return (ids, position)
    }

    @Test func everyReplicasTracesAreReadOnceEvenWhenATransactionCommitsLate() async throws {
        let url = try await TestPostgres.shared.database()
        let first = try await PostgresStore.open(try PostgresURL(url))
        let second = try await PostgresStore.open(try PostgresURL(url))
        defer {
            first.close()
            second.close()
        }
        let start = try await first.traceFeedPosition()
        try await first.insert([Self.trace("a1"), Self.trace("a2")])
        try await second.insert([Self.trace("b1")])
        let (read, afterRead) = try await Self.read(first, from: start, count: 3)
        #expect(read.sorted() == ["a1", "a2", "b1"])
        #expect(try await first.traces(committedSince: afterRead).traces.isEmpty)

        // A writer whose transaction is still open when a later one commits: the later trace
        // waits with it, and both are read once it commits.
        let late = try await second.transaction { connection in
            let now = StoredTime.micros(Date())
            _ = try await connection.query(
                """
                INSERT INTO traces (id, operation, started_at, latency_ms, model, status, http_status, stream, tags, request, output, attempts)
                VALUES ('slow', 'chat', \(now), 1, 'smart', 'ok', 200, false, '[]', '{}', '{}', '[]')
                """, logger: second.logger)
            try await first.insert([Self.trace("quick")])
            return try await first.traces(committedSince: afterRead)
        }
        #expect(late.traces.isEmpty, "a trace was read past a transaction still running: \(late.traces.map(\.id))")
        let (rest, _) = try await Self.read(first, from: late.next, count: 2)
        #expect(rest.sorted() == ["quick", "slow"])
    }
}
