import NIOCore
import NIOPosix
import Synchronization

/// Cancels guarded work when a timer runs out. The timer lives on an event loop (the caller's
/// when it runs on one), so arming and disarming it is a heap insertion and removal: no task,
/// no sleeping continuation left behind until the deadline, however long the timeout.
final class CancellationTimer: Sendable {
    private struct State {
        var cancel: (@Sendable () -> Void)?
        var scheduled: Scheduled<Void>?
        var generation = 0
        var fired = false
    }

    private let state = Mutex(State())

    init() {}

    /// Whether the timer fired (so a cancellation came from it, not from the caller).
    var fired: Bool { state.withLock { $0.fired } }

    /// What firing does: cancel the guarded task. Runs at once if the timer already fired.
    func onFire(_ cancel: @escaping @Sendable () -> Void) {
        let firedAlready = state.withLock { state in
            state.cancel = cancel
            return state.fired
        }
        if firedAlready { cancel() }
    }

    func arm(milliseconds: Int) {
        let eventLoop = MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton.any()
        let generation = state.withLock { state in
            state.generation += 1
            return state.generation
        }
        let scheduled = eventLoop.scheduleTask(in: .milliseconds(Int64(milliseconds))) { [self] in fire(generation) }
        let previous = state.withLock { state in
            defer { state.scheduled = scheduled }
            return state.scheduled
        }
        previous?.cancel()
    }

    func disarm() {
        let scheduled = state.withLock { state in
            state.generation += 1
            defer { state.scheduled = nil }
            return state.scheduled
        }
        scheduled?.cancel()
    }

    private func fire(_ generation: Int) {
        let (cancel, fires) = state.withLock { state -> ((@Sendable () -> Void)?, Bool) in
            guard state.generation == generation, !state.fired else { return (nil, false) }
            state.fired = true
            state.scheduled = nil
            return (state.cancel, true)
        }
        if fires { cancel?() }
    }
}
