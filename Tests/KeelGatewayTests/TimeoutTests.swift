import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import KeelGateway

/// Timers on the event loop: an armed timer fires once, a disarmed one never, an idle timer
/// only after a silence as long as its limit; `withTimeout` turns a late answer into its error.
@Suite(.timeLimit(.minutes(1))) struct TimeoutTests {
    struct TimedOut: Error {}

    /// Counts its cancellations.
    final class Work: CancellableWork {
        private let cancellations = Atomic(0)
        var cancelled: Int { cancellations.load(ordering: .relaxed) }
        func cancel() { cancellations.add(1, ordering: .relaxed) }
    }

    @Test func anArmedTimerFiresAndADisarmedOneDoesNot() async throws {
        let fires = CancellationTimer()
        let firesWork = Work()
        fires.guarding(firesWork)
        fires.arm(milliseconds: 30)
        let disarmed = CancellationTimer()
        let disarmedWork = Work()
        disarmed.guarding(disarmedWork)
        disarmed.arm(milliseconds: 30)
        disarmed.disarm()
        try await Task.sleep(for: .milliseconds(200))
        #expect(fires.fired)
        #expect(!disarmed.fired)
        #expect(firesWork.cancelled == 1)
        #expect(disarmedWork.cancelled == 0)
    }

    @Test func aTimerWhoseWorkEndedCancelsNothing() async throws {
        let timer = CancellationTimer()
        let work = Work()
        timer.guarding(work)
        timer.arm(milliseconds: 30)
        timer.workEnded()
        try await Task.sleep(for: .milliseconds(200))
        #expect(!timer.fired)
        #expect(work.cancelled == 0)
    }

    @Test func workGuardedAfterTheTimerFiredIsCancelledAtOnce() async throws {
        let timer = CancellationTimer()
        timer.guarding(Work())
        timer.arm(milliseconds: 1)
        for _ in 0..<100 where !timer.fired { try await Task.sleep(for: .milliseconds(10)) }
        let late = Work()
        timer.guarding(late)
        #expect(late.cancelled == 1)
    }

    @Test func anIdleTimerWaitsForSilence() async throws {
        let timer = CancellationTimer()
        timer.guarding(Work())
        timer.armIdle(milliseconds: 500)
        // Touched from an event loop, not from this task: a test pool busy with other suites
        // may run this task late, but not the loop.
        let toucher = MultiThreadedEventLoopGroup.singleton.next().scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(20)) { _ in
            timer.touch()
        }
        try await Task.sleep(for: .milliseconds(1_200))
        toucher.cancel()
        #expect(!timer.fired, "touched every 20 ms: never silent for 500")
        for _ in 0..<100 where !timer.fired { try await Task.sleep(for: .milliseconds(50)) }
        #expect(timer.fired)
        timer.disarm()
    }

    @Test func withTimeoutReturnsInTimeAndThrowsItsErrorWhenLate() async throws {
        // Generous: under a full test run the task may wait long for a thread.
        #expect(try await withTimeout(milliseconds: 20_000, onTimeout: TimedOut()) { 42 } == 42)
        await #expect(throws: TimedOut.self) {
            try await withTimeout(milliseconds: 50, onTimeout: TimedOut()) {
                try await Task.sleep(for: .seconds(10))
            }
        }
    }
}
