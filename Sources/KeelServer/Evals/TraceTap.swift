import KeelStore
import Synchronization

/// A trace sink in front of the real one that hands the traces of watched requests to whoever
/// made them (an eval reads its call's cost, latency and rendered messages from the trace the
/// gateway recorded, the same figures a dashboard shows), and shows every trace to `observer`
/// (the online evals' sampler). `keel serve` puts one in front of its writer only when evals
/// are configured.
final class TraceTap: TraceSink {
    private let inner: any TraceSink
    /// Watched trace ids: nil until their trace arrives.
    private let watched = Mutex<[String: Trace?]>([:])
    private let observer: (@Sendable (Trace) -> Void)?

    init(forwardingTo inner: any TraceSink, observer: (@Sendable (Trace) -> Void)? = nil) {
        self.inner = inner
        self.observer = observer
    }

    /// Keeps the trace of request `id` when it comes.
    func watch(_ id: String) { watched.withLock { $0[id] = .some(nil) } }

    /// The trace of a watched request, if it came; the request is no longer watched.
    func take(_ id: String) -> Trace? { watched.withLock { $0.removeValue(forKey: id) ?? nil } }

    func begin() { inner.begin() }

    func enqueue(_ trace: consuming Trace) async {
        watched.withLock { watched in
            if watched[trace.id] != nil { watched[trace.id] = trace }
        }
        observer?(trace)
        await inner.enqueue(trace)
    }

    func record(_ event: StoredEvent) async { await inner.record(event) }
}
