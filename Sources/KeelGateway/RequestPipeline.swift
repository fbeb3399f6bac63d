import KeelCore
import KeelGuardrails
import KeelProviders
import KeelStore
import NIOCore

/// The life of a request through Keel, top to bottom: parse and validate, resolve the prompt,
/// check the key may use the model, pick the model (cost router), guard the input, cap tokens,
/// admit (budgets, rate limits), look in the cache, route to a target (breakers, retries,
/// timeouts, fallback), guard the output, record the trace. Each stage is a small type of its
/// own; any of them can end the request with a typed error that becomes an OpenAI-style error
/// body, and that ending is recorded too. A request is served from one snapshot, start to end.
extension Gateway {
    /// Answers a chat completion: `deliver` gets the answer as soon as it is ready, and the
    /// trace of a whole answer is recorded once `deliver` returns, so that the client does not
    /// wait for it. `deliver` is called once, unless the request fails (then it throws).
    public func chatCompletion(_ incoming: IncomingRequest, deliver: (GatewayResponse) async -> Void) async throws(GatewayError) {
        do throws(GatewayError) {
            try await answerChat(incoming).deliver(to: deliver)
        } catch {
            guard let fallback = FallbackAnswer.response(to: error, incoming: incoming, snapshot: snapshot) else { throw error }
            await deliver(fallback)
        }
    }

    /// The same, returning the answer once its trace is recorded.
    public func chatCompletion(_ incoming: IncomingRequest) async throws(GatewayError) -> GatewayResponse {
        do throws(GatewayError) {
            return try await answerChat(incoming).recorded()
        } catch {
            guard let fallback = FallbackAnswer.response(to: error, incoming: incoming, snapshot: snapshot) else { throw error }
            return fallback
        }
    }

    /// Answers embeddings; `deliver` as for `chatCompletion(_:deliver:)`.
    public func embeddings(_ incoming: IncomingRequest, deliver: (GatewayResponse) async -> Void) async throws(GatewayError) {
        try await answerEmbeddings(incoming).deliver(to: deliver)
    }

    public func embeddings(_ incoming: IncomingRequest) async throws(GatewayError) -> GatewayResponse {
        try await answerEmbeddings(incoming).recorded()
    }

    private func answerChat(_ incoming: IncomingRequest) async throws(GatewayError) -> Answer {
        let snapshot = self.snapshot
        let recorder = snapshot.recorder
        var draft = recorder.begin(incoming, operation: "chat")
        do throws(GatewayError) {
            var request = try stage { () throws(KeelError) in try ChatRequest.parse(incoming.body) }
            draft.parsed(request.body)
            let prompt = try stage { () throws(KeelError) in
                try PromptStage.apply(
                    to: &request, draft: &draft, from: snapshot.prompts, faults: snapshot.promptFaults, rollouts: state.rollouts,
                    headers: incoming.headers, forcedVersion: incoming.candidateFallback?.stableVersion ?? incoming.shadowVersion,
                    assigns: incoming.candidateFallback == nil && incoming.shadowTarget == nil)
            }
            try stage { () throws(KeelError) in try Self.check(incoming.apiKey, mayUse: request.model) }
            CostRouting.apply(to: &request, routers: snapshot.routers, draft: &draft)
            if let engine = snapshot.inputGuards.engine(for: request.model), incoming.internalCall != .classifier {
                try InputGuardStage.apply(engine, to: &request, draft: &draft)
            }
            var model = try stage { () throws(KeelError) in try snapshot.resolve(request.model) }
            draft.modelRollout = ModelRolloutStage.apply(to: &model, request: request, incoming: incoming, rollouts: state.rollouts)
            state.overrides.apply(to: &model, keyID: incoming.apiKey?.id)
            try stage { () throws(KeelError) in try TokenCapStage.apply(to: &request, model: model, snapshot: snapshot, draft: &draft) }
            // Admitted before anything that calls a model for it: a throttled or over-budget key
            // triggers no classifier and no embedding, and is served nothing from the cache.
            try await admit(model, body: request.deferredBody, incoming: incoming, recorder: recorder, draft: &draft)
            if let classifier = snapshot.classifiers.classifier(for: request.model), incoming.internalCall != .classifier {
                try await classify(request, with: classifier, for: incoming, draft: &draft)
            }
            var caching: CacheWrite?
            switch await lookInCache(request, model: model, for: incoming, draft: &draft) {
            case .hit(let hit): return replay(hit, for: request, recorder: recorder, draft: &draft)
            case .miss(let write): caching = write
            }
            let policy = snapshot.outputPolicies.policy(for: request.model)
            let schema = try stage { () throws(KeelError) in
                try policy?.schema.flatMap { (rule) throws(KeelError) in try SchemaGuard.make(rule, for: request) }
            }
            let streamGuard = request.stream ? policy.flatMap { OutputStreamGuard(policy: $0, schema: schema) } : nil
            let routing = ChatRouting(
                snapshot: snapshot, gateway: self, headers: incoming.headers, priorAttempts: incoming.candidateFallback?.attempts ?? [])
            var response = try await routing.route(request, to: model, draft: draft, guarding: streamGuard, caching: caching)
            if let schema, !request.stream {
                response = try await SchemaStage.check(response, with: schema, asking: request, to: model, routing: routing, draft: &draft)
            }
            if let engine = policy?.text, !request.stream { try OutputGuardStage.apply(engine, to: &response, draft: &draft) }
            if let caching, let answer = response.content.wholeAnswer {
                await remember(answer, route: response.route, in: caching, costs: recorder.costs)
            }
            response.cache = draft.cache
            response.prompt = prompt
            return answer(response, recorder: recorder, draft: draft)
        } catch {
            if let served = draft.candidateArm, error.isProviderFailure {
                // The candidate's failure counts against it; the client is answered by the stable arm.
                state.rollouts.record(served, outcome: .failed(latencyMs: draft.start.millisecondsSince))
                await recorder.limits.settle(draft.admission, cost: nil, tokens: 0)
                var retry = incoming
                retry.candidateFallback = CandidateFallback(stableVersion: served.stableVersion, attempts: error.route.attempts)
                return try await answerChat(retry)
            }
            await recorder.failed(draft, error: error.error, route: error.route)
            var error = error
            error.prompt = draft.prompt
            throw error
        }
    }

    private func answerEmbeddings(_ incoming: IncomingRequest) async throws(GatewayError) -> Answer {
        let snapshot = self.snapshot
        let recorder = snapshot.recorder
        var draft = recorder.begin(incoming, operation: "embeddings")
        do throws(GatewayError) {
            let request = try stage { () throws(KeelError) in try EmbeddingsRequest.parse(incoming.body) }
            draft.parsed(request.body)
            try stage { () throws(KeelError) in try Self.check(incoming.apiKey, mayUse: request.model) }
            if snapshot.routers[request.model] != nil {
                throw GatewayError(
                    KeelError.invalidRequest(
                        "Model '\(request.model)' is a router, which serves chat completions only: send embeddings to one of its models.",
                        param: "model", code: "router_not_for_embeddings"))
            }
            let model = try stage { () throws(KeelError) in try snapshot.resolve(request.model) }
            try await admit(model, body: DeferredObject(request.body), incoming: incoming, recorder: recorder, draft: &draft)
            let routing = ChatRouting(snapshot: snapshot, gateway: self, headers: incoming.headers)
            let response = try await routing.embeddings(request, to: model)
            return answer(response, recorder: recorder, draft: draft)
        } catch {
            await recorder.failed(draft, error: error.error, route: error.route)
            throw error
        }
    }

    /// Holds the request to its key's and team's budgets and to the rate limits (a 429 otherwise).
    /// Keel's own calls for a client's request hold that key's budgets but not its rate limits:
    /// the client's request was counted there already.
    private func admit(
        _ model: ModelConfig, body: DeferredObject, incoming: IncomingRequest, recorder: TraceRecorder, draft: inout TraceDraft
    ) async throws(GatewayError) {
        do {
            draft.admission = try await recorder.limits.admit(
                model: model, body: body, key: state.overrides.limited(incoming.apiKey),
                keyRateLimits: incoming.internalCall == nil && incoming.candidateFallback == nil,
                costs: recorder.costs)
        } catch {
            throw GatewayError(error)
        }
    }

    /// A whole answer's trace is recorded once the answer is delivered; a stream records itself
    /// when it ends (`ChatRouting`).
    private func answer(_ response: GatewayResponse, recorder: TraceRecorder, draft: TraceDraft) -> Answer {
        guard let value = response.content.wholeAnswer else { return Answer(response: response, trace: nil) }
        return Answer(response: response, trace: PendingTrace(recorder: recorder, draft: draft, route: response.route, response: value))
    }
}

/// Runs a stage that throws a `KeelError`, as the pipeline's `GatewayError`.
func stage<T>(_ body: () throws(KeelError) -> T) throws(GatewayError) -> T {
    do {
        return try body()
    } catch {
        throw GatewayError(error)
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
