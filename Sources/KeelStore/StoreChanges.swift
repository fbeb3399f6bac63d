import Foundation

/// What a store announces when another process writes: PostgreSQL's LISTEN/NOTIFY, fed by the
/// triggers on the tables that serving processes keep in memory. A SQLite store has no other
/// writer worth waking for: its processes poll.
public enum StoreChange: String, Sendable, CaseIterable {
    case prompts = "keel_prompts"
    case rollouts = "keel_rollouts"
    case keys = "keel_keys"
}

public protocol StoreChangeNotifying: Sendable {
    /// Calls `changed` for each announced change until the task is cancelled; throws when the
    /// connection it listens on fails (the caller listens again).
    func listen(_ changed: @escaping @Sendable (StoreChange) async -> Void) async throws
}

/// One process of a fleet at a time holds a named role (the monitor), by a lock in the store
/// that the database drops with the holder's connection when the holder dies.
public protocol StoreLeadership: Sendable {
    /// Takes the role `name` whenever it is free and holds it, telling `changed` when this
    /// process gains (`true`) or loses (`false`) it, until the task is cancelled.
    func lead(_ name: String, _ changed: @escaping @Sendable (Bool) async -> Void) async
}
