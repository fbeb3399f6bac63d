import Synchronization

/// How many chunks a stream's relay has handed on that its client writer has not taken yet.
/// The writer sends a burst of chunks the upstream delivered at once in one write, and writes
/// as soon as it has caught up: one system call per burst, not one per chunk, and no chunk held
/// back waiting for a later one.
public final class StreamBacklog: Sendable {
    private let count = Atomic(0)

    public init() {}

    public func produced() { count.add(1, ordering: .relaxed) }

    public func consumed() { count.subtract(1, ordering: .relaxed) }

    /// Whether the writer has taken every chunk handed on so far.
    public var isEmpty: Bool { count.load(ordering: .relaxed) <= 0 }
}
