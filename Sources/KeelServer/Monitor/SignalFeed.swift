import Foundation
import KeelCore
import KeelMonitor
import KeelStore
import Logging
import ServiceLifecycle

/// Feeds the monitor's `SignalBook`: every batch of finished traces as the writer takes it (on
/// the writer's task, off the request path, with no hand-over of its own), and at start the
/// stored traces of the book's horizon, so that a restart forgets nothing.
final class SignalFeed: Service, Sendable {
    let book: SignalBook
    private let store: any TraceStore
    private let logger: Logger
    private let startedAt = Date()

    init(book: SignalBook, store: any TraceStore, writer: TraceWriter, logger: Logger) {
        self.book = book
        self.store = store
        self.logger = logger
        writer.observeBatches { [book] batch in
            for trace in batch { book.record(trace) }
        }
    }

    func run() async throws {
        await rebuild()
        try? await gracefulShutdown()
    }

    /// Reads back the traces that started within the horizon and before this feed: later ones
    /// reach the book through the writer.
    func rebuild() async {
        var query = TraceQuery()
        query.since = startedAt.addingTimeInterval(-book.settings.horizon)
        query.until = startedAt
        query.limit = 1000
        var read = 0
        do {
            while true {
                let page = try await store.traces(query)
                for trace in page.traces { book.record(trace) }
                read += page.traces.count
                guard let cursor = page.nextCursor, read < 1_000_000 else { break }
                query.cursor = cursor
            }
            if read > 0 { logger.info("signals rebuilt from the store", metadata: ["traces": "\(read)"]) }
        } catch {
            logger.error("signals could not be rebuilt from the store; they start empty", metadata: ["error": "\(error)"])
        }
    }
}
