import Foundation
import Hummingbird
import KeelCore
import KeelGateway
import NIOCore
import NIOHTTP1

/// The OpenAI-compatible API: `/v1/chat/completions`, `/v1/embeddings`, `/v1/models`.
/// The two POST routes are served directly from NIO's types (`DirectRoutes`); the router has
/// them too, for the requests that miss the exact path (and so that a GET is told 405).
struct GatewayRoutes<Context: RequestContext> {
    let gateway: Gateway
    let authenticator: KeyAuthenticator

    func register(on router: Router<Context>) {
        router.post("/v1/chat/completions") { request, _ in try await Self.collect(Self.direct(request), chatCompletions).response }
        router.post("/v1/embeddings") { request, _ in try await Self.collect(Self.direct(request), embeddings).response }
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

    func register(on routes: inout DirectRoutes) {
        routes.post("/v1/chat/completions") { request, respond in await chatCompletions(request, respond: respond) }
        routes.post("/v1/embeddings") { request, respond in await embeddings(request, respond: respond) }
    }

    /// The answer of a direct route as a value, for the router (which writes what it returns).
    private static func collect(
        _ request: DirectRequest, _ route: (DirectRequest, (DirectResponse) async -> Void) async -> Void
    ) async -> DirectResponse {
        var answer: DirectResponse?
        await route(request) { answer = $0 }
        return answer ?? .error(KeelError.internalError("The request ended without an answer."))
    }

    private static func direct(_ request: Request) async throws -> DirectRequest {
        var request = request
        let body = try await request.collectBody(upTo: .max)
        return DirectRequest(head: try HTTPRequestHead(request.head), body: body)
    }

    /// The request as the gateway takes it, with the caller's key.
    private func incoming(_ request: DirectRequest) async throws(KeelError) -> IncomingRequest {
        let key = try await authenticator.callerKey(request.head.headers)
        var incoming = IncomingRequest(
            body: Data(request.body.readableBytesView), headers: request.head.headers.lowercasedDictionary, traceID: TraceID.generate())
        incoming.apiKey = key
        return incoming
    }

    private func chatCompletions(_ request: DirectRequest, respond: (DirectResponse) async -> Void) async {
        await answer(request, .chat, respond: respond) { response, headers in
            var headers = headers
            if let cache = response.cache { headers.add(name: KeelHeader.cache, value: cache) }
            switch response.content {
            case .json(let value):
                return .json(value, headers: headers)
            case .encodedJSON(_, let bytes):
                return .json(encoded: bytes, headers: headers)
            case .stream(let chunks):
                headers.add(contentsOf: ServerSentEventsBody.headers)
                return DirectResponse(status: .ok, headers: headers, body: .streamed(ServerSentEventsBody.body(chunks: chunks, backlog: response.backlog)))
            }
        }
    }

    private func embeddings(_ request: DirectRequest, respond: (DirectResponse) async -> Void) async {
        await answer(request, .embeddings, respond: respond) { response, headers in
            guard case .json(let value) = response.content else {
                return .error(KeelError.internalError("The embeddings answer was a stream."))
            }
            return .json(value, headers: headers)
        }
    }

    private enum Operation {
        case chat, embeddings
    }

    /// Authenticates the request, runs `operation` on it and responds with `shape` of its
    /// response, or with its error; either names the trace and the route taken. The trace of
    /// an answer is recorded after the response is written.
    private func answer(
        _ request: DirectRequest, _ operation: Operation, respond: (DirectResponse) async -> Void,
        shape: (GatewayResponse, HTTPHeaders) -> DirectResponse
    ) async {
        let incoming: IncomingRequest
        do {
            incoming = try await self.incoming(request)
        } catch {
            return await respond(.error(error))
        }
        let deliver = { (response: GatewayResponse) async in
            await respond(shape(response, Self.headers(traceID: incoming.traceID, route: response.route)))
        }
        do {
            switch operation {
            case .chat: try await gateway.chatCompletion(incoming, deliver: deliver)
            case .embeddings: try await gateway.embeddings(incoming, deliver: deliver)
            }
        } catch {
            await respond(.error(error.error, headers: Self.headers(traceID: incoming.traceID, route: error.route)))
        }
    }

    static func headers(traceID: TraceID, route: RouteInfo) -> HTTPHeaders {
        var headers = HTTPHeaders()
        // Keel's three and the server's three (length, date, name) without growing.
        headers.reserveCapacity(8)
        headers.add(name: KeelHeader.traceID, value: traceID.value)
        if let provider = route.provider { headers.add(name: KeelHeader.provider, value: provider) }
        if let model = route.upstreamModel { headers.add(name: KeelHeader.upstreamModel, value: model) }
        return headers
    }
}
