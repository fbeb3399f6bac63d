import Synchronization
import Testing

@testable import KeelStore

/// A request-path query gives up at its deadline, and only then: the work's own answer or error
/// otherwise, and a caller's cancellation reaches the work.
@Suite struct QueryDeadlineTests {
    struct Refused: Error {}
    final class StartCount: Sendable { let count = Atomic<Int>(0) }

    @Test func workDoneInTimeIsAnsweredAsItIs() async throws {
        #expect(try await PostgresStore.within(.seconds(5)) { 42 } == 42)
        await #expect(throws: Refused.self) { try await PostgresStore.within(.seconds(5)) { () async throws -> Int in throw Refused() } }
    }

    @Test func workPastItsDeadlineIsCancelledAndUnreachable() async throws {
        let started = ContinuousClock.now
        await #expect(throws: PostgresStore.Unreachable.self) {
            try await PostgresStore.within(.milliseconds(100)) { () async throws -> Int in
                try await Task.sleep(for: .seconds(30))
                return 1
            }
        }
        #expect(ContinuousClock.now - started < .seconds(10), "the work was cancelled at its deadline, not waited for")
    }

    /// A query on a connection the server dropped mid-way did not heed its cancellation, and
    /// held the trace writer for good: the caller is answered at the deadline all the same.
    @Test func workThatIgnoresItsCancellationIsUnreachableAtTheDeadline() async throws {
        let started = ContinuousClock.now
        let release = Mutex<CheckedContinuation<Void, Never>?>(nil)
        await #expect(throws: PostgresStore.Unreachable.self) {
            try await PostgresStore.within(.milliseconds(100)) { () async throws -> Int in
                await withCheckedContinuation { continuation in release.withLock { $0 = continuation } }
                return 1
            }
        }
        #expect(ContinuousClock.now - started < .seconds(10), "the caller waited for work that ignores cancellation")
        release.withLock { $0?.resume() }
    }

    @Test func aCancelledCallerCancelsTheWorkAndIsNotTakenForATimeout() async throws {
        let caller = Task {
            try await PostgresStore.within(.seconds(30)) { () async throws -> Int in
                try await Task.sleep(for: .seconds(30))
                return 1
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        caller.cancel()
        let started = ContinuousClock.now
        await #expect(throws: CancellationError.self) { try await caller.value }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    /// A query does not wait for its task's cancellation once it is on the wire: a caller that
    /// was cancelled before the call (a client that hung up) must not start it at all.
    @Test func aCallerCancelledBeforehandNeverStartsTheWork() async throws {
        let started = StartCount()
        for _ in 0..<200 {
            let caller = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await PostgresStore.within(.seconds(30)) { () async throws -> Int in
                    started.count.add(1, ordering: .relaxed)
                    return 1
                }
            }
            await #expect(throws: CancellationError.self) { try await caller.value }
        }
        #expect(started.count.load(ordering: .relaxed) == 0)
    }
}
