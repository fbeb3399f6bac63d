import NIOCore
import NIOPosix
import Synchronization

/// Work a `CancellationTimer` cancels: a task, held as it is rather than in a closure (which
/// would be an allocation per arming).
protocol CancellableWork: Sendable {
    func cancel()
}

extension Task: CancellableWork {}

/// Cancels guarded work when a timer runs out. The timer lives on an event loop (the caller's
/// when it runs on one), so arming and disarming it is a heap insertion and removal: no task,
/// no sleeping continuation left behind until the deadline, however long the timeout. It is
/// scheduled as a callback, not a task: arming allocates no promise and no closure.
final class CancellationTimer: Sendable {
    /// What the event loop calls back: the timer and the arming it belongs to (two words, so
    /// the loop holds it without an allocation).
    private struct Callback: NIOScheduledCallbackHandler {
        let timer: CancellationTimer
        let generation: Int

        func handleScheduledCallback(eventLoop: some EventLoop) {
            timer.fire(generation)
        }
    }

    private struct State {
        var work: (any CancellableWork)?
        var workEnded = false
        var scheduled: NIOScheduledCallback?
        var generation = 0
        var fired = false
        /// For an idle timer: the last sign of life and how long silence may last.
        var lastTouch = NIODeadline.now()
        var idle: TimeAmount?
    }

    private let state = Mutex(State())

    init() {}

    /// Whether the timer fired while the work was still going (so a cancellation came from it,
    /// not from the caller).
    var fired: Bool { state.withLock { $0.fired } }

    /// The work firing cancels; cancelled at once if the timer already fired.
    func guarding(_ work: some CancellableWork) {
        let firedAlready = state.withLock { state in
            state.work = work
            return state.fired
        }
        if firedAlready { work.cancel() }
    }

    /// The work is done: the timer coming due later cancels nothing and does not count as fired.
    func workEnded() {
        state.withLock { $0.workEnded = true }
    }

    /// Fires `milliseconds` from now.
    func arm(milliseconds: Int) {
        let generation = state.withLock { state in
            state.generation += 1
            state.idle = nil
            return state.generation
        }
        schedule(at: .now() + .milliseconds(Int64(milliseconds)), generation: generation)
    }

    /// Fires once `milliseconds` pass without a `touch()`. One timer serves the whole wait:
    /// a touch only notes the time, and the timer, when it comes due early, sleeps again.
    func armIdle(milliseconds: Int) {
        let idle = TimeAmount.milliseconds(Int64(milliseconds))
        let generation = state.withLock { state in
            state.generation += 1
            state.idle = idle
            state.lastTouch = .now()
            return state.generation
        }
        schedule(at: .now() + idle, generation: generation)
    }

    func touch() {
        state.withLock { $0.lastTouch = .now() }
    }

    private func schedule(at deadline: NIODeadline, generation: Int) {
        let eventLoop = MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton.any()
        let superseded = state.withLock { state -> NIOScheduledCallback? in
            guard state.generation == generation else { return nil }
            defer { state.scheduled = nil }
            return state.scheduled
        }
        superseded?.cancel()
        // A loop shutting down refuses the callback: the work is then left to its own ending.
        guard let scheduled = try? eventLoop.scheduleCallback(at: deadline, handler: Callback(timer: self, generation: generation)) else {
            return
        }
        let stale = state.withLock { state -> Bool in
            guard state.generation == generation, state.scheduled == nil else { return true }
            state.scheduled = scheduled
            return false
        }
        if stale { scheduled.cancel() }
    }

    func disarm() {
        let scheduled = state.withLock { state -> NIOScheduledCallback? in
            state.generation += 1
            defer { state.scheduled = nil }
            return state.scheduled
        }
        scheduled?.cancel()
    }

    private func fire(_ generation: Int) {
        enum Outcome {
            case none
            case fire((any CancellableWork)?)
            case sleep(until: NIODeadline)
        }
        let outcome = state.withLock { state -> Outcome in
            guard state.generation == generation, !state.fired, !state.workEnded else { return .none }
            if let idle = state.idle, state.lastTouch + idle > .now() { return .sleep(until: state.lastTouch + idle) }
            state.fired = true
            state.scheduled = nil
            return .fire(state.work)
        }
        switch outcome {
        case .none: break
        case .fire(let work): work?.cancel()
        case .sleep(let deadline): schedule(at: deadline, generation: generation)
        }
    }
}
