import KeelCore
import KeelProviders
import KeelStore
import Logging
import Synchronization

/// Prices a request from its usage; a model with no price costs `nil` (never a silent 0),
/// with one warning per model.
final class CostCalculator: Sendable {
    private let catalog: PriceCatalog
    private let providerKinds: [String: String]
    private let warned = Mutex<Set<String>>([])
    /// Catalog lookups by provider and model names: a few distinct keys serve every request.
    private let resolved = BoundedCache<[String], PriceCatalog.Price?>(limit: 4096)
    private let logger: Logger

    init(catalog: PriceCatalog, providers: [ProviderConfig], logger: Logger) {
        self.catalog = catalog
        providerKinds = Dictionary(providers.map { ($0.name, $0.kind.rawValue) }, uniquingKeysWith: { first, _ in first })
        self.logger = logger
    }

    func cost(provider: String?, models: [String?], usage: Trace.Usage) -> Double? {
        guard let provider, usage.promptTokens != nil || usage.completionTokens != nil else { return nil }
        let names = models.compactMap { $0 }
        guard let price = price(provider: provider, models: names) else {
            let key = provider + "/" + (names.last ?? "")
            let first = warned.withLock { $0.insert(key).inserted }
            if first {
                logger.warning("no price for model; its cost is recorded as null (add it under pricing: in keel.yaml)", metadata: [
                    "provider": "\(provider)", "model": "\(names.last ?? "")",
                ])
            }
            return nil
        }
        let tokens = PriceCatalog.TokenCounts(
            prompt: usage.promptTokens ?? 0, completion: usage.completionTokens ?? 0, cached: usage.cachedTokens ?? 0,
            cacheWrite: usage.cacheWriteTokens ?? 0)
        return PriceCatalog.cost(tokens, at: price)
    }

    private func price(provider: String, models: [String]) -> PriceCatalog.Price? {
        resolved.value(for: [provider] + models) {
            catalog.price(providerName: provider, providerKind: providerKinds[provider] ?? provider, models: models)
        }
    }
}
