import Foundation
import Hummingbird
import KeelCore
import KeelGateway
import NIOCore
import NIOHTTP1

/// The OpenAI-compatible API: `/v1/chat/completions`, `/v1/embeddings`, `/v1/models`.
/// The two POST routes are served directly from NIO's types (`DirectRoutes`); the router has
/// them too, for the requests that miss the exact path (and so that a GET is told 405). All
/// of them need an API key (`RouteAccess.apiKey`), checked by the group they are added to.
struct GatewayRoutes {
    let gateway: Gateway

    func register(on routes: AccessGroup) {
        routes.post("/v1/chat/completions") { request, context in
            try await Self.collect(Self.direct(request), caller: context.caller, chatCompletions).response
        }
        routes.post("/v1/embeddings") { request, context in try await Self.collect(Self.direct(request), caller: context.caller, embeddings).response
        }
        routes.direct(.POST, "/v1/chat/completions") { request, caller, respond in await chatCompletions(request, caller: caller, respond: respond) }
        routes.direct(.POST, "/v1/embeddings") { request, caller, respond in await embeddings(request, caller: caller, respond: respond) }
        routes.get("/v1/models") { _, context in Response.json(gateway.modelList(for: context.caller.apiKey)) }
        routes.get("/v1/models/{id}") { _, context in
            let id = try context.pathParameter("id")
            return Response.json(try gateway.model(id: id, for: context.caller.apiKey))
        }
    }

    /// The answer of a direct route as a value, for the router (which writes what it returns).
    private static func collect(
        _ request: DirectRequest, caller: Caller, _ route: (DirectRequest, Caller, (DirectResponse) async -> Void) async -> Void
    ) async -> DirectResponse {
        var answer: DirectResponse?
        await route(request, caller) { answer = $0 }
        return answer ?? .error(KeelError.internalError("The request ended without an answer."))
    }

    private static func direct(_ request: Request) async throws -> DirectRequest {
        var request = request
        let body = try await request.collectBody(upTo: .max)
        return DirectRequest(head: try HTTPRequestHead(request.head), body: body)
    }

    /// The request as the gateway takes it, with the caller's key.
    private static func incoming(_ request: DirectRequest, caller: Caller) -> IncomingRequest {
        var incoming = IncomingRequest(
            body: Data(request.body.readableBytesView), headers: request.head.headers.lowercasedDictionary, traceID: TraceID.generate())
        incoming.apiKey = caller.apiKey
        return incoming
    }

    private func chatCompletions(_ request: DirectRequest, caller: Caller, respond: (DirectResponse) async -> Void) async {
        await answer(request, caller: caller, .chat, respond: respond) { response, headers in
            var headers = headers
            if let cache = response.cache { headers.add(name: KeelHeader.cache, value: cache) }
            if let prompt = response.prompt { headers.add(name: KeelHeader.prompt, value: prompt.header) }
            if response.isFallback { headers.add(name: KeelHeader.fallback, value: "true") }
            switch response.content {
            case .json(let value):
                return .json(value, headers: headers)
            case .encodedJSON(_, let bytes):
                return .json(encoded: bytes, headers: headers)
            case .stream(let chunks):
                headers.add(contentsOf: ServerSentEventsBody.headers)
                return DirectResponse(
                    status: .ok, headers: headers, body: .streamed(ServerSentEventsBody.body(chunks: chunks, backlog: response.backlog)))
            }
        }
    }

    private func embeddings(_ request: DirectRequest, caller: Caller, respond: (DirectResponse) async -> Void) async {
        await answer(request, caller: caller, .embeddings, respond: respond) { response, headers in
            guard case .json(let value) = response.content else {
                return .error(KeelError.internalError("The embeddings answer was a stream."))
            }
            return .json(value, headers: headers)
        }
    }

    private enum Operation {
        case chat, embeddings
    }

    /// Runs `operation` on the request of `caller` and responds with `shape` of its response,
    /// or with its error; either names the trace and the route taken. The trace of an answer
    /// is recorded after the response is written.
    private func answer(
        _ request: DirectRequest, caller: Caller, _ operation: Operation, respond: (DirectResponse) async -> Void,
        shape: (GatewayResponse, HTTPHeaders) -> DirectResponse
    ) async {
        let incoming = Self.incoming(request, caller: caller)
        let deliver = { (response: GatewayResponse) async in
            await respond(shape(response, Self.headers(traceID: incoming.traceID, route: response.route)))
        }
        do {
            switch operation {
            case .chat: try await gateway.chatCompletion(incoming, deliver: deliver)
            case .embeddings: try await gateway.embeddings(incoming, deliver: deliver)
            }
        } catch {
            var headers = Self.headers(traceID: incoming.traceID, route: error.route)
            if let prompt = error.prompt { headers.add(name: KeelHeader.prompt, value: prompt.header) }
            await respond(.error(error.error, headers: headers))
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
