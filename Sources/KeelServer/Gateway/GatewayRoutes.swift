import Foundation
import Hummingbird
import KeelCore
import KeelGateway

/// The OpenAI-compatible API: `/v1/chat/completions`, `/v1/embeddings`, `/v1/models`.
struct GatewayRoutes<Context: RequestContext> {
    let gateway: Gateway
    let authenticator: KeyAuthenticator

    func register(on router: Router<Context>) {
        router.post("/v1/chat/completions") { request, _ in try await chatCompletions(request) }
        router.post("/v1/embeddings") { request, _ in try await embeddings(request) }
        router.get("/v1/models") { request, _ in
            let key = try await authenticator.callerKey(request.headers)
            return Response.json(gateway.modelList(for: key))
        }
        router.get("/v1/models/{id}") { request, context in
            let key = try await authenticator.callerKey(request.headers)
            let id = try context.parameters.require("id")
            return Response.json(try gateway.model(id: id, for: key))
        }
    }

    /// The request as the gateway takes it, with the caller's key; `request` keeps its
    /// collected body for a stream.
    private func incoming(_ request: inout Request) async throws -> IncomingRequest {
        let key = try await authenticator.callerKey(request.headers)
        var incoming = IncomingRequest(
            body: try await request.collectBody(limit: gateway.config.server.maxBodyBytes),
            headers: request.headers.lowercasedDictionary, traceID: TraceID.generate())
        incoming.apiKey = key
        return incoming
    }

    private func chatCompletions(_ request: Request) async throws -> Response {
        var request = request
        let incoming = try await incoming(&request)
        let traceID = incoming.traceID
        do {
            let response = try await gateway.chatCompletion(incoming)
            var headers = Self.headers(traceID: traceID, route: response.route)
            if let cache = response.cache { headers[.keelCache] = cache }
            switch response.content {
            case .json(let value):
                return .json(value, headers: headers)
            case .encodedJSON(_, let bytes):
                return .json(encoded: bytes, headers: headers)
            case .stream(let chunks):
                var streamHeaders = ServerSentEventsBody.headers
                streamHeaders.append(contentsOf: headers)
                return Response(status: .ok, headers: streamHeaders, body: ServerSentEventsBody.body(chunks: chunks, backlog: response.backlog))
            }
        } catch {
            return .error(error.error, headers: Self.headers(traceID: traceID, route: error.route))
        }
    }

    private func embeddings(_ request: Request) async throws -> Response {
        var request = request
        let incoming = try await incoming(&request)
        let traceID = incoming.traceID
        do {
            let response = try await gateway.embeddings(incoming)
            guard case .json(let value) = response.content else {
                return .error(KeelError.internalError("The embeddings answer was a stream."))
            }
            return .json(value, headers: Self.headers(traceID: traceID, route: response.route))
        } catch {
            return .error(error.error, headers: Self.headers(traceID: traceID, route: error.route))
        }
    }

    static func headers(traceID: TraceID, route: RouteInfo) -> HTTPFields {
        var headers: HTTPFields = [.keelTraceID: traceID.value]
        if let provider = route.provider { headers[.keelProvider] = provider }
        if let model = route.upstreamModel { headers[.keelUpstreamModel] = model }
        return headers
    }
}
