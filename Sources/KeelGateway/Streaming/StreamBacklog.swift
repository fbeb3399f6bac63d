import Synchronization

/// How many chunks a stream's relay has handed on that its client writer has not taken yet.
/// The writer sends a burst of chunks the upstream delivered at once in one write, and writes
/// as soon as it has caught up: one system call per burst, not one per chunk, and no chunk held
/// back waiting for a later one.
///
/// With a `limit`, it is also the stream's back-pressure: the relay waits (`roomAvailable()`)
/// once `limit` chunks are waiting for the writer, until the writer has taken half of them, so
/// a client that reads slowly holds the relay, and through it the upstream connection's reads,
/// instead of Keel buffering the whole answer. A backlog with a limit needs a consumer that
/// calls `consumed()` for every chunk, as the server's event-stream writer does.
public final class StreamBacklog: Sendable {
    private struct State {
        var waiting = 0
        var producer: CheckedContinuation<Void, Never>?
        var cancelled = false
    }

    private let state = Mutex(State())
    private let limit: Int?

    public init(limit: Int? = nil) {
        self.limit = limit.map { max(2, $0) }
    }

    public func produced() {
        state.withLock { $0.waiting += 1 }
    }

    public func consumed() {
        let producer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.waiting -= 1
            guard let limit, state.waiting <= limit / 2 else { return nil }
            defer { state.producer = nil }
            return state.producer
        }
        producer?.resume()
    }

    /// Whether the writer has taken every chunk handed on so far.
    public var isEmpty: Bool { state.withLock { $0.waiting <= 0 } }

    /// Whether the producer should wait for the writer before handing on more.
    public var isFull: Bool {
        guard let limit else { return false }
        return state.withLock { $0.waiting >= limit }
    }

    /// Returns once the writer has caught up to half the limit (at once without a limit or below
    /// it), or when the waiting task is cancelled.
    public func roomAvailable() async {
        guard let limit else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let mustWait = state.withLock { state in
                    guard state.waiting > limit / 2, !state.cancelled else { return false }
                    state.producer = continuation
                    return true
                }
                if !mustWait { continuation.resume() }
            }
        } onCancel: {
            let producer = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.cancelled = true
                defer { state.producer = nil }
                return state.producer
            }
            producer?.resume()
        }
    }
}
