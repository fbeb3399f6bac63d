import Foundation
import KeelCore
import KeelProviders
import KeelStore
import NIOCore

/// Sends a request to its model's targets (breakers, retries, timeouts, fallback) and shapes
/// what comes back: a whole answer, or a stream relayed to the client and recorded when it ends.
struct ChatRouting: Sendable {
    let snapshot: GatewaySnapshot
    let gateway: Gateway
    let headers: [String: String]
    /// Attempts made for the request before this routing (a rollout candidate's, failed): first in its trace.
    var priorAttempts: [AttemptRecord] = []

    /// How many chunks a stream's relay may run ahead of its client before it waits (a few
    /// hundred bytes each: tens of kilobytes held for a slow client, not the whole answer).
    static let streamChunksAhead = 128

    func route(_ request: ChatRequest, to model: ModelConfig, draft: TraceDraft, guarding streamGuard: OutputStreamGuard?, caching: CacheWrite? = nil)
        async throws(GatewayError) -> GatewayResponse
    {
        let headers = self.headers

        if !request.stream {
            let (content, route) = try await routed(model) { provider, target in
                try await withTimeout(milliseconds: model.timeoutMs, onTimeout: UpstreamError.timeout(afterMs: model.timeoutMs)) {
                    let result = try await provider.chatCompletion(
                        Self.upstreamRequest(request, model: target.model, headers: headers, promptCaching: model.promptCaching))
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
                    Self.upstreamRequest(request, model: target.model, headers: headers, promptCaching: model.promptCaching))
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
        let recorder = snapshot.recorder
        let gateway = self.gateway
        let relay = StreamRelay(idleTimeoutMs: model.timeoutMs, clientWantsUsage: request.clientWantsStreamUsage, errors: snapshot.errors)
        let backlog = StreamBacklog(limit: Self.streamChunksAhead)
        let chunks = relay.relay(first: first, rest: rest, guarding: streamGuard, backlog: backlog) { accumulated, ending in
            if let caching, case .completed = ending {
                let answer = accumulated.completion(id: "chatcmpl-" + draft.id.value, created: Int64(draft.startedAt.timeIntervalSince1970))
                await gateway.remember(answer, route: route, in: caching, costs: recorder.costs)
            }
            await recorder.streamed(draft, route: route, ttftMs: ttftMs, accumulated: accumulated, ending: ending)
        }
        var response = GatewayResponse(content: .stream(chunks), route: route)
        response.backlog = backlog
        return response
    }

    func embeddings(_ request: EmbeddingsRequest, to model: ModelConfig) async throws(GatewayError) -> GatewayResponse {
        let body = request.body
        let headers = self.headers
        let (embeddings, route) = try await routed(model) { provider, target in
            try await withTimeout(milliseconds: model.timeoutMs, onTimeout: UpstreamError.timeout(afterMs: model.timeoutMs)) {
                try await provider.embeddings(UpstreamRequest(body: body.with(model: target.model), clientHeaders: headers))
            }
        }
        return GatewayResponse(content: .json(embeddings), route: route)
    }

    /// The request for one target. The client's bytes are forwarded, with `model` edited in
    /// place, unless Keel changed more than the model or the model cannot be edited safely;
    /// usage is always asked of a stream (Keel needs it to account for the request;
    /// `StreamRelay` hides it from a client that did not ask).
    static func upstreamRequest(
        _ request: ChatRequest, model: String, headers: [String: String], promptCaching: Bool = true
    ) -> UpstreamRequest {
        var encoded: ByteBuffer?
        if !request.bodyEdited && (!request.stream || request.clientWantsStreamUsage) {
            if model == request.model {
                encoded = ByteBuffer(bytes: request.rawBody)
            } else if let range = request.modelValueRange {
                encoded = ByteBuffer(bytes: request.rawBody.withUnsafeBytes { JSONSplice.replacing(range, withString: model, in: $0) })
            }
        }
        var upstream = UpstreamRequest(
            body: request.deferredBody, targetModel: model, isStream: request.stream, asksStreamUsage: request.stream, clientHeaders: headers,
            encodedBody: encoded, promptCaching: promptCaching)
        upstream.stablePrefixMessages = request.stablePrefixMessages
        return upstream
    }

    private func routed<Output: Sendable>(
        _ model: ModelConfig, _ attempt: @escaping @Sendable (any ModelProvider, TargetConfig) async throws -> Output
    ) async throws(GatewayError) -> (Output, RouteInfo) {
        do {
            var (output, route) = try await snapshot.router.route(model, attempt: attempt)
            route.attempts = priorAttempts + route.attempts
            return (output, route)
        } catch {
            var route = error.route
            route.attempts = priorAttempts + route.attempts
            throw GatewayError(error.error, route: route)
        }
    }
}
