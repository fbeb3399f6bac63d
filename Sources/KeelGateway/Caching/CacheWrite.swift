import Foundation
import KeelCore
import KeelStore

/// Where a request's answer goes in the cache, and for how long.
struct CacheWrite: Sendable {
    let key: String
    let model: ModelConfig
    /// The request's embedding, for a model with a semantic cache.
    var probe: SemanticIndex.Probe?

    func entry(_ answer: JSONValue, route: RouteInfo, costs: CostCalculator) -> CachedResponse {
        let now = Date()
        let cost = costs.cost(
            provider: route.provider, model: answer["model"]?.stringValue, orElse: route.upstreamModel, usage: Trace.Usage(openAI: answer["usage"]))
        return CachedResponse(
            key: key, model: model.name, provider: route.provider, upstreamModel: route.upstreamModel, response: answer, costUSD: cost,
            createdAt: now, expiresAt: now.addingTimeInterval(TimeInterval(model.cacheTTLSeconds ?? 0)))
    }
}
