import KeelCore
import KeelProviders
import KeelStore
import Logging
import Synchronization

/// Prices a request from its usage; a model with no price costs `nil` (never a silent 0),
/// with one warning per model.
final class CostCalculator: Sendable {
    /// What a usage is priced by: the provider and up to two model names, tried in order.
    private struct PriceKey: Hashable, Sendable {
        let provider: String
        let model: String?
        let fallback: String?
    }

    private let catalog: PriceCatalog
    private let providerKinds: [String: String]
    private let warned = Mutex<Set<String>>([])
    /// Catalog lookups by provider and model names: a few distinct keys serve every request,
    /// found without building a list of names per request.
    private let resolved = BoundedCache<PriceKey, PriceCatalog.Price?>(limit: 4096)
    private let logger: Logger

    init(catalog: PriceCatalog, providers: [ProviderConfig], logger: Logger) {
        self.catalog = catalog
        providerKinds = Dictionary(providers.map { ($0.name, $0.kind.rawValue) }, uniquingKeysWith: { first, _ in first })
        self.logger = logger
    }

    /// The cost of `usage` at the price of `model` (the model the provider answered as, say),
    /// else of `fallback` (the model Keel asked for).
    func cost(provider: String?, model: String?, orElse fallback: String? = nil, usage: Trace.Usage) -> Double? {
        guard let price = price(provider: provider, model: model, orElse: fallback, usage: usage) else { return nil }
        return PriceCatalog.cost(Self.tokens(usage), at: price)
    }

    /// What the provider's prompt cache saved on `usage`, priced as `cost` prices it; nil when
    /// nothing was read from or written to the cache, or the model has no price.
    func cacheSavings(provider: String?, model: String?, orElse fallback: String? = nil, usage: Trace.Usage) -> Double? {
        guard (usage.cachedTokens ?? 0) > 0 || (usage.cacheWriteTokens ?? 0) > 0,
            let price = price(provider: provider, model: model, orElse: fallback, usage: usage)
        else { return nil }
        return PriceCatalog.cacheSavings(Self.tokens(usage), at: price)
    }

    private func price(provider: String?, model: String?, orElse fallback: String?, usage: Trace.Usage) -> PriceCatalog.Price? {
        guard let provider, usage.promptTokens != nil || usage.completionTokens != nil else { return nil }
        let key = PriceKey(provider: provider, model: model, fallback: fallback)
        guard let price = resolved.value(for: key, make: { lookUp(key) }) else {
            let name = fallback ?? model ?? ""
            let first = warned.withLock { $0.insert(provider + "/" + name).inserted }
            if first {
                logger.warning(
                    "no price for model; its cost is recorded as null (add it under pricing: in keel.yaml)",
                    metadata: [
                        "provider": "\(provider)", "model": "\(name)",
                    ])
            }
            return nil
        }
        return price
    }

    private static func tokens(_ usage: Trace.Usage) -> PriceCatalog.TokenCounts {
        PriceCatalog.TokenCounts(
            prompt: usage.promptTokens ?? 0, completion: usage.completionTokens ?? 0, cached: usage.cachedTokens ?? 0,
            cacheWrite: usage.cacheWriteTokens ?? 0)
    }

    private func lookUp(_ key: PriceKey) -> PriceCatalog.Price? {
        catalog.price(
            providerName: key.provider, providerKind: providerKinds[key.provider] ?? key.provider,
            models: [key.model, key.fallback].compactMap { $0 })
    }
}
