import KeelCore

/// Google's Gemini API (generateContent, streamGenerateContent, batchEmbedContents), behind
/// the OpenAI formats.
public struct GeminiProvider: ModelProvider {
    public var name: String { endpoint.config.name }
    public var kind: ProviderKind { .gemini }
    private let endpoint: ProviderEndpoint

    public init(config: ProviderConfig, http: UpstreamHTTPClient) {
        endpoint = ProviderEndpoint(config: config, http: http) { key in [("x-goog-api-key", key)] }
    }

    private func url(model: String, method: String) -> String {
        let escaped = model.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? model
        return "\(endpoint.config.baseURL)/v1beta/models/\(escaped):\(method)"
    }

    public func chatCompletion(_ request: UpstreamRequest) async throws -> ChatResult {
        let translated: GeminiRequest
        do {
            translated = try GeminiRequestTranslator.translate(
                request.body, created: StreamEventTranslation.now, id: "chatcmpl-" + IdentifierRandom.hex(bytes: 12))
        } catch {
            throw UpstreamError.unsupported(error.message)
        }
        guard request.isStream else {
            let target = try endpoint.target(url: url(model: request.upstreamModel, method: "generateContent")).get()
            let response = try await endpoint.http.postJSON(to: target, body: translated.body)
            return .completion(try GeminiResponseTranslator.translate(response, context: translated.context))
        }
        let events = try await endpoint.http.postEventStream(
            to: endpoint.target(url: url(model: request.upstreamModel, method: "streamGenerateContent") + "?alt=sse").get(), body: translated.body)
        return .stream(StreamEventTranslation.chunks(from: events, translator: GeminiStreamTranslator(context: translated.context)))
    }

    public func embeddings(_ request: UpstreamRequest) async throws -> JSONValue {
        let body: JSONObject
        do {
            body = try GeminiEmbeddingsTranslator.request(request.body)
        } catch {
            throw UpstreamError.unsupported(error.message)
        }
        let target = try endpoint.target(url: url(model: request.upstreamModel, method: "batchEmbedContents")).get()
        let response = try await endpoint.http.postJSON(to: target, body: body)
        return try GeminiEmbeddingsTranslator.response(response, model: request.upstreamModel)
    }
}
