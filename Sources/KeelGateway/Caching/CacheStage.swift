import KeelCore
import KeelStore

/// What the cache had for a request: an answer to replay, or where to keep the answer to come.
enum CacheLookup {
    case hit(CachedResponse)
    case miss(CacheWrite?)
}

extension Gateway {
    /// Looks for the request's answer in the response cache, then (for a model with a semantic
    /// cache) for the answer to a request near it in meaning.
    func lookInCache(_ request: ChatRequest, model: ModelConfig, for incoming: IncomingRequest, draft: inout TraceDraft) async -> CacheLookup {
        guard model.cacheTTLSeconds != nil else { return .miss(nil) }
        let partition = CachePartition(model: model, key: incoming.apiKey)
        let key = ResponseCache.key(model: model.name, body: request.body, partition: partition)
        let cachePolicy = CachePolicy(headers: incoming.headers)
        if cachePolicy.read, let hit = await responseCache.lookup(key) { return .hit(hit) }
        var probe: SemanticIndex.Probe?
        if let semantic = model.semanticCache {
            probe = await embed(request.body, model: model, with: semantic, partition: partition, for: incoming)
            if cachePolicy.read, let probe, let near = semanticIndex.nearest(probe, threshold: semantic.threshold),
                let hit = await responseCache.lookup(near.key)
            {
                draft.routing = ["semantic_cache": ["similarity": .double(near.similarity)]]
                return .hit(hit)
            }
        }
        draft.cache = "miss"
        return .miss(cachePolicy.write ? CacheWrite(key: key, model: model, probe: probe) : nil)
    }

    /// Keeps an answer in the cache (and its request's embedding in the semantic index).
    func remember(_ answer: JSONValue, route: RouteInfo, in caching: CacheWrite, costs: CostCalculator) async {
        let entry = caching.entry(answer, route: route, costs: costs)
        await responseCache.insert(entry)
        if let probe = caching.probe { semanticIndex.insert(probe, key: entry.key, expiresAt: entry.expiresAt) }
    }

    /// A cached answer, as a whole answer or a stream as the request asks; recorded as a hit.
    func replay(_ hit: CachedResponse, for request: ChatRequest, recorder: TraceRecorder, draft: inout TraceDraft) -> Answer {
        draft.cache = "hit"
        let route = RouteInfo(provider: hit.provider, upstreamModel: hit.upstreamModel)
        let content: GatewayResponse.Content =
            request.stream
            ? .stream(CachedReplay.stream(hit.response, includeUsage: request.clientWantsStreamUsage)) : .json(hit.response)
        var response = GatewayResponse(content: content, route: route, cache: "hit")
        response.prompt = draft.prompt
        return Answer(response: response, trace: PendingTrace(recorder: recorder, draft: draft, route: route, response: hit.response))
    }

    /// The embedding of a request for the semantic cache, from the configured Keel model (a
    /// traced call of its own, under the client's key); nil when it fails, and the request goes
    /// on uncached by meaning.
    private func embed(
        _ body: JSONObject, model: ModelConfig, with semantic: SemanticCacheConfig, partition: CachePartition, for client: IncomingRequest
    ) async -> SemanticIndex.Probe? {
        let (scope, text) = SemanticIndex.scope(model: model.name, body: body, partition: partition)
        guard !text.isEmpty else { return nil }
        let request: JSONValue = ["model": .string(semantic.embeddingModel), "input": .string(text)]
        let call = IncomingRequest.internalCall(.cacheEmbedding, body: request.encoded(), for: client)
        guard let response = try? await embeddings(call),
            let vector = response.content.wholeAnswer?["data"]?[0]?["embedding"]?.arrayValue?.compactMap(\.doubleValue), !vector.isEmpty
        else {
            logger.warning("the semantic cache could not embed a request; it is served without it", metadata: ["model": "\(model.name)"])
            return nil
        }
        return SemanticIndex.Probe(scope: scope, vector: vector)
    }
}
