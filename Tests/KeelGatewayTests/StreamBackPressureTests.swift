import KeelCore
import KeelProviders
import Synchronization
import Testing

@testable import KeelGateway

/// A relay whose backlog has a limit runs at most that far ahead of a client that reads slowly,
/// and goes on once the client catches up.
@Suite struct StreamBackPressureTests {
    @Test func aRelayWaitsForASlowClientInsteadOfBufferingTheStream() async throws {
        let pulled = Atomic(0)
        let upstream = ChunkStream(unfolding: {
            let count = pulled.add(1, ordering: .relaxed).newValue
            return count <= 10_000 ? ["choices": [["delta": ["content": .string("part \(count)")]]]] : nil
        })
        let rest = ChunkIteratorBox(upstream)
        let first = try #require(try await rest.next())
        let limit = 16
        let backlog = StreamBacklog(limit: limit)
        // An idle timeout longer than the client's pause would never fire either way: this test
        // holds the back-pressure only. That the idle timeout is disarmed while the relay waits for
        // the client needs a pause longer than it, which a full parallel test run on two cores
        // (CPU-bound suites holding both cooperative threads for seconds) cannot time reliably.
        let relay = StreamRelay(idleTimeoutMs: 60_000, clientWantsUsage: true, errors: ClientErrorMapper(secrets: []))
        let chunks = relay.relay(first: first, rest: rest, backlog: backlog)
        var iterator = chunks.makeAsyncIterator()
        _ = try await iterator.next()
        backlog.consumed()
        // The client stops reading: the relay stops pulling from the upstream once the backlog is full.
        try await Task.sleep(for: .milliseconds(500))
        #expect(pulled.load(ordering: .relaxed) <= limit + 2, "the relay read \(pulled.load(ordering: .relaxed)) chunks ahead")
        var received = 1
        while (try await iterator.next()) != nil {
            backlog.consumed()
            received += 1
        }
        #expect(received == 10_000)
    }

    @Test func aCancelledRelayStopsWaiting() async throws {
        let backlog = StreamBacklog(limit: 2)
        backlog.produced()
        backlog.produced()
        #expect(backlog.isFull)
        let waiting = Task { await backlog.roomAvailable() }
        waiting.cancel()
        await waiting.value
        let unlimited = StreamBacklog()
        for _ in 0..<1_000 { unlimited.produced() }
        #expect(!unlimited.isFull)
    }
}
