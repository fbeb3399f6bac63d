import Foundation
import KeelMonitor
import KeelStore
import Synchronization

/// The events Keel stored lately (drift, label moves, rollout steps, budget alerts, reloads,
/// external changes posted to `POST /api/events`), read from the store at each look of the
/// monitor: what correlation and the event detectors work from, in every process of a fleet.
final class ChangeFeed: Sendable {
    private struct State {
        var events: [StoredEvent] = []
        /// The identities of `events`, kept with them rather than computed again at every read.
        var held: Set<String> = []
        var readUpTo: Date?
    }

    private let store: any TraceStore
    /// How far back events are kept.
    private let horizon: TimeInterval
    private let state = Mutex(State())

    init(store: any TraceStore, horizon: TimeInterval) {
        self.store = store
        self.horizon = horizon
    }

    /// Reads what was stored since the last read (everything within the horizon the first time).
    func refresh(now: Date = Date()) async throws {
        let since = state.withLock { $0.readUpTo } ?? now.addingTimeInterval(-horizon)
        // Up to a second back again: an event stored late with an earlier time is not missed;
        // those already held are told apart by their content.
        let read = try await store.events(since: since.addingTimeInterval(-1), limit: 1000)
        let horizon = horizon
        state.withLock { state in
            for event in read.reversed() where state.held.insert(Self.identity(event)).inserted { state.events.append(event) }
            let isExpired = { (event: StoredEvent) in now.timeIntervalSince(event.createdAt) > horizon }
            for event in state.events where isExpired(event) { state.held.remove(Self.identity(event)) }
            state.events.removeAll(where: isExpired)
            state.readUpTo = max(state.readUpTo ?? since, read.map(\.createdAt).max() ?? since)
        }
    }

    var events: [StoredEvent] { state.withLock { $0.events } }

    var changes: [Change] { events.compactMap(Change.init(event:)) }

    private static func identity(_ event: StoredEvent) -> String {
        "\(event.createdAt.timeIntervalSince1970)|\(event.kind)|\(event.provider ?? "")|\(event.upstreamModel ?? "")|\(event.detail.encodedString())"
    }
}
