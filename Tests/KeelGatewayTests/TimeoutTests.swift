import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import KeelGateway

/// Timers on the event loop: an armed timer fires once, a disarmed one never, an idle timer
/// only after a silence as long as its limit; `withTimeout` turns a late answer into its error.
@Suite(.timeLimit(.minutes(1))) struct TimeoutTests {
    struct TimedOut: Error {}

    @Test func anArmedTimerFiresAndADisarmedOneDoesNot() async throws {
        let firings = Atomic(0)
        let fires = CancellationTimer()
        fires.onFire { firings.add(1, ordering: .relaxed) }
        fires.arm(milliseconds: 30)
        let disarmed = CancellationTimer()
        disarmed.onFire { firings.add(100, ordering: .relaxed) }
        disarmed.arm(milliseconds: 30)
        disarmed.disarm()
        try await Task.sleep(for: .milliseconds(200))
        #expect(fires.fired)
        #expect(!disarmed.fired)
        #expect(firings.load(ordering: .relaxed) == 1)
    }

    @Test func anIdleTimerWaitsForSilence() async throws {
        let timer = CancellationTimer()
        timer.onFire {}
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
