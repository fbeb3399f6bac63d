import KeelCore
import KeelGateway
import KeelPrompts
import KeelStore
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps the gateway's prompt catalog in step with the store: one cheap read of the prompts'
/// revision a second, and a new catalog (swapped into the gateway's snapshot) only when a
/// push or a label move changed it. Requests read prompts from memory, never from the store.
final class PromptCatalogRefresher: Service, Sendable {
    private let store: any PromptStore
    private let gateway: Gateway
    private let interval: Duration
    private let logger: Logger
    private let seen = Mutex<Int64?>(nil)

    init(store: any PromptStore, gateway: Gateway, interval: Duration = .seconds(1), logger: Logger) {
        self.store = store
        self.gateway = gateway
        self.interval = interval
        self.logger = logger
    }

    /// Installs the store's catalog when it changed since the last look.
    func refresh() async throws {
        let revision = try await store.promptRevision()
        guard seen.withLock({ $0 }) != revision else { return }
        let (catalog, skipped) = try await PromptLibrary.catalog(from: store)
        for problem in skipped {
            logger.error("a stored prompt version does not read and is not served", metadata: ["problem": "\(problem)"])
        }
        // A refresh after a route's change may run beside the poll: the newer revision wins.
        seen.withLock { seen in
            guard (seen ?? .min) < revision else { return }
            gateway.install(prompts: catalog)
            seen = revision
        }
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await refresh()
            } catch {
                logger.warning("could not read the prompts; the last catalog keeps serving", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
