import KeelCore
import KeelGuardrails
import KeelProviders
import KeelStore
import NIOCore

/// The life of a request through Keel, top to bottom: parse and validate, resolve the model,
/// route to a target (breakers, retries, timeouts, fallback), shape the answer for the client,
/// record the trace (tokens, cost, latency). Each stage can end the request with a typed error
/// that becomes an OpenAI-style error body; that ending is recorded too.
extension Gateway {
    /// Answers a chat completion: `deliver` gets the answer as soon as it is ready, and the
    /// trace of a whole answer is recorded once `deliver` returns, so that the client does not
    /// wait for it. `deliver` is called once, unless the request fails (then it throws).
    public func chatCompletion(_ incoming: IncomingRequest, deliver: (GatewayResponse) async -> Void) async throws(GatewayError) {
        try await answerChat(incoming).deliver(to: deliver)
    }

    /// The same, returning the answer once its trace is recorded.
    public func chatCompletion(_ incoming: IncomingRequest) async throws(GatewayError) -> GatewayResponse {
        try await answerChat(incoming).recorded()
    }

    /// Answers embeddings; `deliver` as for `chatCompletion(_:deliver:)`.
    public func embeddings(_ incoming: IncomingRequest, deliver: (GatewayResponse) async -> Void) async throws(GatewayError) {
        try await answerEmbeddings(incoming).deliver(to: deliver)
    }

    public func embeddings(_ incoming: IncomingRequest) async throws(GatewayError) -> GatewayResponse {
        try await answerEmbeddings(incoming).recorded()
    }

    private func answerChat(_ incoming: IncomingRequest) async throws(GatewayError) -> Answer {
        var draft = recorder.begin(incoming, operation: "chat")
        do throws(GatewayError) {
            var request = try stage { () throws(KeelError) in try ChatRequest.parse(incoming.body) }
            draft.parsed(request.body)
            try stage { () throws(KeelError) in try Self.check(incoming.apiKey, mayUse: request.model) }
            if let router = routers[request.model] {
                let decision = router.decide(request.body, headers: incoming.headers)
                draft.routing = decision.json(router: request.model)
                request.model = decision.model
                request.body["model"] = .string(decision.model)
                draft.body = request.body
            }
            if let engine = inputGuards.engine(for: request.model), incoming.internalCall != .classifier {
                try guardInput(&request, with: engine, draft: &draft)
            }
            let model = try stage { () throws(KeelError) in try resolve(request.model) }
            try capTokens(&request, model: model, draft: &draft)
            // Admitted before anything that calls a model for it: a throttled or over-budget key
            // triggers no classifier and no embedding, and is served nothing from the cache.
            try await admit(model, body: request.body, incoming: incoming, draft: &draft)
            if let classifier = classifiers.classifier(for: request.model), incoming.internalCall != .classifier {
                try await classify(request, with: classifier, for: incoming, draft: &draft)
            }
            var caching: CacheWrite?
            if model.cacheTTLSeconds != nil {
                let partition = CachePartition(model: model, key: incoming.apiKey)
                let key = ResponseCache.key(model: model.name, body: request.body, partition: partition)
                let cachePolicy = CachePolicy(headers: incoming.headers)
                if cachePolicy.read, let hit = await responseCache.lookup(key) {
                    return replay(hit, for: request, draft: &draft)
                }
                var probe: SemanticIndex.Probe?
                if let semantic = model.semanticCache {
                    probe = await embed(request.body, model: model, with: semantic, partition: partition, for: incoming)
                    if cachePolicy.read, let probe, let near = semanticIndex.nearest(probe, threshold: semantic.threshold),
                        let hit = await responseCache.lookup(near.key)
                    {
                        draft.routing = ["semantic_cache": ["similarity": .double(near.similarity)]]
                        return replay(hit, for: request, draft: &draft)
                    }
                }
                draft.cache = "miss"
                if cachePolicy.write { caching = CacheWrite(key: key, model: model, probe: probe) }
            }
            let policy = outputPolicies.policy(for: request.model)
            let schema = try stage { () throws(KeelError) in
                try policy?.schema.flatMap { (rule) throws(KeelError) in try SchemaGuard.make(rule, for: request) }
            }
            let streamGuard = request.stream ? policy.flatMap { OutputStreamGuard(policy: $0, schema: schema) } : nil
            var response = try await routeChat(request, to: model, headers: incoming.headers, draft: draft, guarding: streamGuard, caching: caching)
            if let schema, !request.stream {
                response = try await checkSchema(response, with: schema, asking: request, to: model, headers: incoming.headers, draft: &draft)
            }
            if let engine = policy?.text, !request.stream { try guardOutput(&response, with: engine, draft: &draft) }
            if let caching, let answer = response.content.wholeAnswer {
                await remember(answer, route: response.route, in: caching)
            }
            response.cache = draft.cache
            return answer(response, draft: draft)
        } catch {
            await recorder.failed(draft, error: error.error, route: error.route)
            throw error
        }
    }

    private func answerEmbeddings(_ incoming: IncomingRequest) async throws(GatewayError) -> Answer {
        var draft = recorder.begin(incoming, operation: "embeddings")
        do throws(GatewayError) {
            let request = try stage { () throws(KeelError) in try EmbeddingsRequest.parse(incoming.body) }
            draft.parsed(request.body)
            try stage { () throws(KeelError) in try Self.check(incoming.apiKey, mayUse: request.model) }
            if routers[request.model] != nil {
                throw GatewayError(
                    KeelError.invalidRequest(
                        "Model '\(request.model)' is a router, which serves chat completions only: send embeddings to one of its models.",
                        param: "model", code: "router_not_for_embeddings"))
            }
            let model = try stage { () throws(KeelError) in try resolve(request.model) }
            try await admit(model, body: request.body, incoming: incoming, draft: &draft)
            let response = try await routeEmbeddings(request, to: model, headers: incoming.headers)
            return answer(response, draft: draft)
        } catch {
            await recorder.failed(draft, error: error.error, route: error.route)
            throw error
        }
    }

    /// Applies the model's token caps: counts the input, clamps the output, prunes or refuses.
    private func capTokens(_ request: inout ChatRequest, model: ModelConfig, draft: inout TraceDraft) throws(GatewayError) {
        guard model.maxInputTokens != nil || model.maxOutputTokens != nil else { return }
        let outcome = try stage { () throws(KeelError) in
            try TokenCaps.apply(to: request.body, model: model, counter: recorder.tokens, providers: config.providers)
        }
        draft.countedInputTokens = outcome.inputTokens
        guard outcome.edited else { return }
        request.body = outcome.body
        request.bodyEdited = true
        draft.body = outcome.body
    }

    /// Holds the request to its key's and team's budgets and to the rate limits (a 429 otherwise).
    /// Keel's own calls for a client's request hold that key's budgets but not its rate limits:
    /// the client's request was counted there already.
    private func admit(_ model: ModelConfig, body: JSONObject, incoming: IncomingRequest, draft: inout TraceDraft) async throws(GatewayError) {
        do {
            draft.admission = try await recorder.limits.admit(
                model: model, body: body, key: incoming.apiKey, keyRateLimits: incoming.internalCall == nil, costs: recorder.costs)
        } catch {
            throw GatewayError(error)
        }
    }

    /// Applies the model's input checks: verdicts go on the trace, a redacted value never
    /// reaches the provider nor the store, a blocking finding ends the request with a 400.
    private func guardInput(_ request: inout ChatRequest, with engine: GuardEngine, draft: inout TraceDraft) throws(GatewayError) {
        let outcome = InputGuard.inspect(request.body["messages"]?.arrayValue ?? [], with: engine)
        draft.guardrails = outcome.verdicts.map(\.json)
        if let stored = outcome.storedMessages { draft.body?["messages"] = .array(stored) }
        if let blocking = outcome.blocking { throw GatewayError(InputGuard.blockedError(blocking)) }
        if let forwarded = outcome.forwardedMessages {
            request.body["messages"] = .array(forwarded)
            request.bodyEdited = true
        }
    }

    /// Applies the model's output checks to a whole answer: a blocking finding withholds it
    /// (a 502), redactions are applied before the client and the store see it.
    private func guardOutput(_ response: inout GatewayResponse, with engine: GuardEngine, draft: inout TraceDraft) throws(GatewayError) {
        guard let answer = response.content.wholeAnswer else { return }
        let outcome = OutputGuard.inspect(answer, with: engine)
        draft.guardrails += outcome.verdicts.map(\.json)
        if let blocking = outcome.blocking { throw GatewayError(OutputGuard.withheldError(blocking), route: response.route) }
        if let redacted = outcome.redacted { response.content = .json(redacted) }
    }

    /// Checks a whole answer against its schema; one that breaks it is asked for again once, and
    /// withheld (a 502) if the second breaks it too. A `flag` rule only records the verdicts.
    private func checkSchema(
        _ response: GatewayResponse, with schema: SchemaGuard, asking request: ChatRequest, to model: ModelConfig, headers: [String: String],
        draft: inout TraceDraft
    ) async throws(GatewayError) -> GatewayResponse {
        guard let answer = response.content.wholeAnswer else { return response }
        let verdicts = schema.verdicts(on: answer)
        draft.guardrails += verdicts.map(\.json)
        guard !verdicts.isEmpty, schema.action == .block else { return response }
        let retried = try await routeChat(request, to: model, headers: headers, draft: draft, guarding: nil)
        guard let retriedAnswer = retried.content.wholeAnswer else { return retried }
        let retriedVerdicts = schema.verdicts(on: retriedAnswer)
        draft.guardrails += retriedVerdicts.map { verdict in
            var json = verdict.json.objectValue ?? [:]
            json["attempt"] = 2
            return .object(json)
        }
        if let blocking = retriedVerdicts.first {
            throw GatewayError(SchemaGuard.withheldError(blocking, attempts: 2), route: retried.route)
        }
        return retried
    }

    /// Keeps an answer in the cache (and its request's embedding in the semantic index).
    func remember(_ answer: JSONValue, route: RouteInfo, in caching: CacheWrite) async {
        let entry = caching.entry(answer, route: route, costs: recorder.costs)
        await responseCache.insert(entry)
        if let probe = caching.probe { semanticIndex.insert(probe, key: entry.key, expiresAt: entry.expiresAt) }
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

    /// A cached answer, as a whole answer or a stream as the request asks; recorded as a hit.
    private func replay(_ hit: CachedResponse, for request: ChatRequest, draft: inout TraceDraft) -> Answer {
        draft.cache = "hit"
        let route = RouteInfo(provider: hit.provider, upstreamModel: hit.upstreamModel)
        let content: GatewayResponse.Content =
            request.stream
            ? .stream(CachedReplay.stream(hit.response, includeUsage: request.clientWantsStreamUsage)) : .json(hit.response)
        return Answer(
            response: GatewayResponse(content: content, route: route, cache: "hit"),
            trace: PendingTrace(recorder: recorder, draft: draft, route: route, response: hit.response))
    }

    /// A whole answer's trace is recorded once the answer is delivered; a stream records itself
    /// when it ends (`routeChat`).
    private func answer(_ response: GatewayResponse, draft: TraceDraft) -> Answer {
        guard let value = response.content.wholeAnswer else { return Answer(response: response, trace: nil) }
        return Answer(response: response, trace: PendingTrace(recorder: recorder, draft: draft, route: response.route, response: value))
    }

    private func routeChat(
        _ request: ChatRequest, to model: ModelConfig, headers: [String: String], draft: TraceDraft, guarding streamGuard: OutputStreamGuard?,
        caching: CacheWrite? = nil
    ) async throws(GatewayError) -> GatewayResponse {
        let upstreamBody = Self.upstreamBody(for: request)

        if !request.stream {
            let (content, route) = try await routed(model) { provider, target in
                try await withTimeout(milliseconds: model.timeoutMs, onTimeout: UpstreamError.timeout(afterMs: model.timeoutMs)) {
                    let result = try await provider.chatCompletion(
                        Self.upstreamRequest(request, body: upstreamBody, model: target.model, headers: headers, promptCaching: model.promptCaching))
                    switch result {
                    case .completion(let completion): return GatewayResponse.Content.json(completion)
                    case .encodedCompletion(let completion, let bytes): return GatewayResponse.Content.encodedJSON(completion, bytes)
                    case .stream: throw UpstreamError.invalidResponse("The provider streamed an answer to a request that did not ask for a stream.")
                    }
                }
            }
            return GatewayResponse(content: content, route: route)
        }

        let firstTokenMs = model.firstTokenTimeoutMs
        let ((first, rest), route) = try await routed(model) { provider, target in
            // Until the first chunk is in hand, a failure may still be retried or passed to the next target.
            try await withTimeout(milliseconds: firstTokenMs, onTimeout: UpstreamError.timeout(afterMs: firstTokenMs, what: "first token")) {
                let result = try await provider.chatCompletion(
                    Self.upstreamRequest(request, body: upstreamBody, model: target.model, headers: headers, promptCaching: model.promptCaching))
                guard case .stream(let chunks) = result else {
                    throw UpstreamError.invalidResponse("The provider answered a stream request without a stream.")
                }
                let rest = ChunkIteratorBox(chunks)
                guard let first = try await rest.next() else {
                    throw UpstreamError.invalidResponse("The provider's stream ended before its first chunk.")
                }
                return (first, rest)
            }
        }
        let ttftMs = draft.start.millisecondsSince
        let recorder = self.recorder
        let relay = StreamRelay(idleTimeoutMs: model.timeoutMs, clientWantsUsage: request.clientWantsStreamUsage, errors: errors)
        let backlog = StreamBacklog(limit: Self.streamChunksAhead)
        let chunks = relay.relay(first: first, rest: rest, guarding: streamGuard, backlog: backlog) { accumulated, ending in
            if let caching, case .completed = ending {
                let answer = accumulated.completion(id: "chatcmpl-" + draft.id.value, created: Int64(draft.startedAt.timeIntervalSince1970))
                await self.remember(answer, route: route, in: caching)
            }
            await recorder.streamed(draft, route: route, ttftMs: ttftMs, accumulated: accumulated, ending: ending)
        }
        var response = GatewayResponse(content: .stream(chunks), route: route)
        response.backlog = backlog
        return response
    }

    private func routeEmbeddings(_ request: EmbeddingsRequest, to model: ModelConfig, headers: [String: String]) async throws(GatewayError)
        -> GatewayResponse
    {
        let body = request.body
        let (embeddings, route) = try await routed(model) { provider, target in
            try await withTimeout(milliseconds: model.timeoutMs, onTimeout: UpstreamError.timeout(afterMs: model.timeoutMs)) {
                try await provider.embeddings(UpstreamRequest(body: body.with(model: target.model), clientHeaders: headers))
            }
        }
        return GatewayResponse(content: .json(embeddings), route: route)
    }

    /// How many chunks a stream's relay may run ahead of its client before it waits (a few
    /// hundred bytes each: tens of kilobytes held for a slow client, not the whole answer).
    static let streamChunksAhead = 128

    /// The body sent upstream: the client's, with usage always asked of a stream (Keel needs it
    /// to account for the request; `StreamRelay` hides it from a client that did not ask).
    static func upstreamBody(for request: ChatRequest) -> JSONObject {
        var body = request.body
        if request.stream {
            var options = body["stream_options"]?.objectValue ?? [:]
            options["include_usage"] = true
            body["stream_options"] = .object(options)
        }
        return body
    }

    /// The request for one target. The client's bytes are forwarded, with `model` edited in
    /// place, unless Keel changed more than the model (usage asked of a stream).
    static func upstreamRequest(
        _ request: ChatRequest, body: JSONObject, model: String, headers: [String: String], promptCaching: Bool = true
    ) -> UpstreamRequest {
        var encoded: ByteBuffer?
        if !request.bodyEdited && (!request.stream || request.clientWantsStreamUsage) {
            if model == request.model {
                encoded = ByteBuffer(bytes: request.rawBody)
            } else {
                encoded = request.rawBody.withUnsafeBytes { JSONSplice.replacingString("model", with: model, in: $0) }.map { ByteBuffer(bytes: $0) }
            }
        }
        return UpstreamRequest(body: body.with(model: model), clientHeaders: headers, encodedBody: encoded, promptCaching: promptCaching)
    }

    private func stage<T>(_ body: () throws(KeelError) -> T) throws(GatewayError) -> T {
        do {
            return try body()
        } catch {
            throw GatewayError(error)
        }
    }

    private func routed<Output: Sendable>(
        _ model: ModelConfig, _ attempt: @escaping @Sendable (any ModelProvider, TargetConfig) async throws -> Output
    ) async throws(GatewayError) -> (Output, RouteInfo) {
        do {
            return try await router.route(model, attempt: attempt)
        } catch {
            throw GatewayError(error.error, route: error.route)
        }
    }
}

extension JSONObject {
    func with(model: String) -> JSONObject {
        var copy = self
        copy["model"] = .string(model)
        return copy
    }
}

extension GatewayResponse.Content {
    /// The answer, unless it is a stream.
    public var wholeAnswer: JSONValue? {
        switch self {
        case .json(let value), .encodedJSON(let value, _): return value
        case .stream: return nil
        }
    }
}
