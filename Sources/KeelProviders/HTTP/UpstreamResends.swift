import Synchronization

/// Counts the requests the upstream client sent again on a new connection because the one it
/// was given had closed before any byte of the request was written (see
/// `UpstreamExchangeHandler`). The gateway binds a counter around each provider call
/// (`UpstreamResends.$counter.withValue`), reads it once the call ends and shows each re-send in
/// the trace's attempts; the providers' signatures stay as they are.
public final class UpstreamResends: Sendable {
    @TaskLocal public static var counter: UpstreamResends?

    private let count = Atomic(0)

    public init() {}

    func record() {
        count.add(1, ordering: .relaxed)
    }

    /// The re-sends since the last call, and zero again.
    public func take() -> Int {
        count.exchange(0, ordering: .relaxed)
    }
}
