import KeelGateway
import KeelPrompts
import KeelStore

/// Gives traces read from the store the request Keel sent, for a reader without a gateway (the
/// command line): a call by reference stored as called is rendered from its version, and a
/// text search matches the versions whose messages hold the text. The store's prompt versions
/// are read once, the first time either needs them (again if a trace's version is missing).
public final class StoredCallRenderer {
    private let store: any PromptStore
    private var catalog: PromptCatalog?

    public init(store: any PromptStore) {
        self.store = store
    }

    public func sent(_ trace: Trace) async throws -> Trace {
        guard trace.requestIsCall, let use = trace.prompt else { return trace }
        var catalog = try await loadedCatalog()
        if catalog.version(name: use.name, version: use.version) == nil {
            catalog = try await load()
        }
        return trace.withSentRequest(from: catalog)
    }

    /// The versions a search for `text` matches through (`TraceQuery.searchedVersions`).
    public func searchedVersions(_ text: String?) async throws -> [PromptFilter] {
        guard let text, !text.isEmpty else { return [] }
        return PromptLibrary.versions(containing: text, in: try await loadedCatalog())
    }

    private func loadedCatalog() async throws -> PromptCatalog {
        if let catalog { return catalog }
        return try await load()
    }

    private func load() async throws -> PromptCatalog {
        let loaded = try await PromptLibrary.catalog(from: store).catalog
        catalog = loaded
        return loaded
    }

    public func sent(_ traces: [Trace]) async throws -> [Trace] {
        var sent: [Trace] = []
        sent.reserveCapacity(traces.count)
        for trace in traces { sent.append(try await self.sent(trace)) }
        return sent
    }
}
