import KeelGateway
import KeelPrompts
import KeelStore

/// Gives traces read from the store the request Keel sent, for a reader without a gateway (the
/// command line): a call by reference stored as called is rendered from its version, and the
/// store's prompt versions are read the first time a trace needs one (again if a newer
/// version is missing).
public final class StoredCallRenderer {
    private let store: any PromptStore
    private var catalog: PromptCatalog?

    public init(store: any PromptStore) {
        self.store = store
    }

    public func sent(_ trace: Trace) async throws -> Trace {
        guard trace.requestIsCall, let use = trace.prompt else { return trace }
        if catalog?.version(name: use.name, version: use.version) == nil {
            catalog = try await PromptLibrary.catalog(from: store).catalog
        }
        return trace.withSentRequest(from: catalog ?? .empty)
    }

    public func sent(_ traces: [Trace]) async throws -> [Trace] {
        var sent: [Trace] = []
        sent.reserveCapacity(traces.count)
        for trace in traces { sent.append(try await self.sent(trace)) }
        return sent
    }
}
