import Foundation
import Hummingbird
import KeelCore
import KeelProviders

extension MockRoutes {
    /// `POST /v1beta/models/MODEL:generateContent` and `:streamGenerateContent`, as Gemini.
    func gemini(_ request: Request, action: String) async throws -> Response {
        var request = request
        guard let colon = action.lastIndex(of: ":") else { throw KeelError.notFound(path: request.uri.path) }
        let model = String(action[..<colon])
        let method = action[action.index(after: colon)...]
        let body = try await MockRequest.object(from: request.collectBody(limit: maxBodyBytes))
        let behaviour = MockBehaviour.parse(model: model, headers: request.headers.lowercasedDictionary)
        switch method {
        case "generateContent", "streamGenerateContent":
            let wire = MockWireFormat(
                completion: GeminiMockCodec.response(from:), events: GeminiMockCodec.events(from:), errorBody: MockErrors.geminiBody,
                errorEvent: { ServerSentEvent(data: MockErrors.geminiBody($0).encodedString()) })
            let prompt = try GeminiMockCodec.prompt(from: .object(body), model: model, stream: method == "streamGenerateContent")
            return try await answer(prompt, headers: request.headers, in: wire)
        case "batchEmbedContents":
            do {
                _ = try await engine.respond(to: MockPrompt(model: model, lastUserText: ""), behaviour: behaviour)
            } catch let failure as MockEngine.Failure {
                return .json(MockErrors.geminiBody(failure), status: .init(code: failure.status), headers: MockErrors.headers(failure))
            }
            let requests = body["requests"]?.arrayValue ?? []
            let embeddings: [JSONValue] = requests.map { item in
                let text = (item["content"]?["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: " ")
                let dimensions = item["outputDimensionality"]?.intValue ?? 16
                return ["values": .array(MockEngine.embedding(of: text, dimensions: dimensions).map(JSONValue.double))]
            }
            return .json(["embeddings": .array(embeddings)])
        default:
            throw KeelError.notFound(path: request.uri.path)
        }
    }
}
