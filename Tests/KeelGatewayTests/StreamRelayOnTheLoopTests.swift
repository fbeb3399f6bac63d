import KeelCore
import KeelProviders
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import KeelGateway

/// A relay that prefers its request's event loop reads a burst through before the writer
/// takes its turn: the writer then sends the first chunk alone and the rest in one write.
@Suite struct StreamRelayOnTheLoopTests {
    @Test func aBurstIsRelayedOnTheLoopAndReachesTheWriterWhole() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let executor = EventLoopTaskExecutor(loop)
        let burst = 12
        let readsOffTheLoop = Atomic(0)
        let sent = Mutex(0)
        let upstream = ChunkStream(unfolding: {
            if !loop.inEventLoop { readsOffTheLoop.add(1, ordering: .relaxed) }
            return sent.withLock { count -> JSONValue? in
                guard count < burst else { return nil }
                count += 1
                return ["choices": [["delta": ["content": .string("part \(count)")]]]]
            }
        })
        let writes = try await Task(executorPreference: executor) {
            try await EventLoopTaskExecutor.$current.withValue(executor) {
                let rest = ChunkIteratorBox(upstream)
                let first = try #require(try await rest.next())
                let backlog = StreamBacklog()
                let relay = StreamRelay(idleTimeoutMs: 5_000, clientWantsUsage: true, errors: ClientErrorMapper(secrets: []))
                var writes = 0
                for try await _ in relay.relay(first: first, rest: rest, backlog: backlog) {
                    backlog.consumed()
                    if backlog.isEmpty { writes += 1 }  // what the server's writer does: write once caught up
                }
                return writes
            }
        }.value
        #expect(readsOffTheLoop.load(ordering: .relaxed) == 0)
        #expect(writes == 2, "the first chunk alone, then the rest of the burst together")
    }
}
