import Foundation
import KeelStore
import Logging
import ServiceLifecycle

/// Wakes what a serving process keeps in memory when another process of the fleet writes it
/// (a PostgreSQL store's notifications): the prompt catalog, the rollouts, the cached key
/// lookups. The pollers stay as they are, so a notification missed while the connection was
/// down costs at most their interval.
final class StoreChangeListener: Service, Sendable {
    private let store: any StoreChangeNotifying
    private let changed: @Sendable (StoreChange) async -> Void
    private let logger: Logger

    init(store: any StoreChangeNotifying, logger: Logger, changed: @escaping @Sendable (StoreChange) async -> Void) {
        self.store = store
        self.changed = changed
        self.logger = logger
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.store.listen(self.changed)
                } catch {
                    guard !Task.isCancelled else { return }
                    self.logger.warning("not listening for the store's changes; polling meanwhile", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
