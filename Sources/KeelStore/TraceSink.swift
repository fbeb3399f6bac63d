/// Where the gateway hands finished traces.
public protocol TraceSink: Sendable {
    /// Called when a request starts, so that a graceful stop waits for its trace.
    func begin()
    /// Called exactly once per `begin()`, when the request has ended; the trace is the sink's.
    func enqueue(_ trace: consuming Trace) async
    /// Something that happened to a target (rare: written at once).
    func record(_ event: StoredEvent) async
}
