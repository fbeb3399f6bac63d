import Foundation
import Hummingbird
import KeelCore
import KeelProviders

extension MockRoutes {
    func registerProviderProtocols(on router: Router<Context>) {
        router.post("/v1/messages") { request, _ in try await anthropicMessages(request) }
        router.post("/v1beta/models/{action}") { request, context in
            try await gemini(request, action: try context.parameters.require("action"))
        }
    }

    /// `POST /v1/messages`, as Anthropic.
    func anthropicMessages(_ request: Request) async throws -> Response {
        var request = request
        let body = try await MockRequest.object(from: request.collectBody(limit: maxBodyBytes))
        let wire = MockWireFormat(
            completion: AnthropicMockCodec.message(from:), events: AnthropicMockCodec.events(from:), errorBody: MockErrors.anthropicBody,
            errorEvent: { ServerSentEvent(event: "error", data: MockErrors.anthropicBody($0).encodedString()) })
        return try await answer(try AnthropicMockCodec.prompt(from: .object(body)), headers: request.headers, in: wire)
    }
}
