import Foundation
import KeelCore
import KeelMonitor
import KeelStore
import Logging
import ServiceLifecycle

/// Feeds the monitor's `SignalBook`, after reading back at start the stored traces of the
/// book's horizon so that a restart forgets nothing. Alone on its store, it takes every batch
/// of finished traces as the writer takes it (on the writer's task, off the request path). In
/// a fleet it reads instead every replica's traces as the database commits them, once a
/// second, so the book (and the monitor's leader) counts the whole fleet's traffic, and a
/// replica that takes over the lead has it already.
final class SignalFeed: Service, Sendable {
    let book: SignalBook
    private let store: any TraceStore
    private let fleet: (any CommittedTraceFeed)?
    private let logger: Logger
    private let startedAt = Date()
    static let fleetInterval = Duration.seconds(1)

    init(book: SignalBook, store: any TraceStore, writer: TraceWriter, logger: Logger) {
        self.book = book
        self.store = store
        fleet = store as? any CommittedTraceFeed
        self.logger = logger
        if fleet == nil {
            writer.observeBatches { [book] batch in
                book.record(batch)
            }
        }
    }

    func run() async throws {
        guard let fleet else {
            await rebuild()
            try? await gracefulShutdown()
            return
        }
        guard var from = await startingPosition(fleet) else { return }
        // What the read-back counted and the feed reads again (committed between the two) is counted once.
        var counted = await rebuild()
        let forgetCountedAt = ContinuousClock.now + .seconds(60)
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.fleetInterval) }
                let (traces, next) = try await fleet.traces(committedSince: from)
                book.record(traces.filter { counted.remove($0.id) == nil })
                from = next
                if !counted.isEmpty && ContinuousClock.now > forgetCountedAt { counted = [] }
            } catch is CancellationError {
                break
            } catch {
                logger.warning("the fleet's traces could not be read; the monitor's signals wait", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Where the fleet's feed stands, asked until the database answers (nil: shutting down first).
    private func startingPosition(_ fleet: any CommittedTraceFeed) async -> TraceFeedPosition? {
        while !Task.isShuttingDownGracefully {
            if let position = try? await fleet.traceFeedPosition() { return position }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.fleetInterval) }
        }
        return nil
    }

    /// Reads back the traces that started within the horizon and before this feed: later ones
    /// reach the book through the writer or the fleet's feed. Returns the ids of the traces
    /// that started lately (those the fleet's feed may read again).
    @discardableResult
    func rebuild() async -> Set<String> {
        let until = fleet == nil ? startedAt : Date()
        var query = TraceQuery()
        query.since = until.addingTimeInterval(-book.settings.horizon)
        query.until = until
        query.limit = 1000
        var read = 0
        var recent: Set<String> = []
        let recently = until.addingTimeInterval(-900)
        do {
            while true {
                let page = try await store.traces(query)
                book.record(page.traces)
                for trace in page.traces where trace.startedAt > recently { recent.insert(trace.id) }
                read += page.traces.count
                guard let cursor = page.nextCursor, read < 1_000_000 else { break }
                query.cursor = cursor
            }
            if read > 0 { logger.info("signals rebuilt from the store", metadata: ["traces": "\(read)"]) }
        } catch {
            logger.error("signals could not be rebuilt from the store; they start empty", metadata: ["error": "\(error)"])
        }
        return recent
    }
}
