import Foundation

/// Every process's traces as the database commits them, read in the order they become
/// visible, each once: what lets one replica's monitor see the whole fleet's traffic. A SQLite
/// store has one writer, whose batches the monitor takes directly.
public protocol CommittedTraceFeed: Sendable {
    /// Where the feed stands now: `traces(committedSince:)` from here reads what is committed later.
    func traceFeedPosition() async throws -> TraceFeedPosition

    /// Every trace committed since `position` and the position to read from next; a trace
    /// committed by a transaction still running is read by a later call, never skipped.
    func traces(committedSince position: TraceFeedPosition) async throws -> (traces: [Trace], next: TraceFeedPosition)
}

/// A point in the order the database commits writes (PostgreSQL: a transaction id, `xid8`).
public struct TraceFeedPosition: Sendable, Equatable, Comparable {
    public var value: UInt64

    public init(_ value: UInt64) { self.value = value }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
}
