import Hummingbird
import KeelCore
import KeelGateway
import KeelGuardrails

/// `POST /api/guard`: runs a model's input policy (or the global one) on a text and shows each
/// verdict, for tuning a policy. `{"text": "...", "model": "support"}`.
struct GuardRoute {
    let gateway: Gateway

    func register(on routes: AccessGroup) {
        routes.post("/api/guard") { request, _ in
            var request = request
            let body = try KeelGateway.RequestBody.object(from: try await request.collectBody(limit: gateway.config.server.maxBodyBytes))
            guard let text = body["text"]?.stringValue else {
                throw KeelError.invalidRequest("Missing required parameter: 'text' (a string).", param: "text", code: "missing_required_parameter")
            }
            let model: String?
            switch body["model"] {
            case nil, .null?: model = nil
            case .string(let name)?: model = name
            default: throw KeelError.invalidRequest("Invalid type for 'model': expected a string.", param: "model", code: "invalid_type")
            }
            return Response.json(try gateway.guardReport(text: text, model: model).json)
        }
    }
}
