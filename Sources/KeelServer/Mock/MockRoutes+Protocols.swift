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
        let prompt = try AnthropicMockCodec.prompt(from: .object(body))
        let behaviour = MockBehaviour.parse(model: prompt.model, headers: request.headers.lowercasedDictionary)
        let reply: MockReply
        do {
            reply = try await engine.respond(to: prompt, behaviour: behaviour)
        } catch let failure as MockEngine.Failure {
            return MockErrors.anthropic(failure)
        }
        guard prompt.stream else { return .json(AnthropicMockCodec.message(from: reply)) }
        return stream(AnthropicMockCodec.events(from: reply), behaviour: behaviour) { failure in
            ServerSentEvent(event: "error", data: MockErrors.anthropicBody(failure).encodedString())
        }
    }
}
