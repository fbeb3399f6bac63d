import KeelCore

/// Anthropic's Messages API, behind the OpenAI chat format.
public struct AnthropicProvider: ModelProvider {
    public let name: String
    public var kind: ProviderKind { .anthropic }
    private let config: ProviderConfig
    private let http: UpstreamHTTPClient

    public init(config: ProviderConfig, http: UpstreamHTTPClient) {
        self.name = config.name
        self.config = config
        self.http = http
    }

    private var headers: [(String, String)] {
        var headers = config.headers.map { ($0.key, $0.value) }
        headers.append(("anthropic-version", config.anthropicVersion))
        if let key = config.apiKey, !key.isEmpty { headers.append(("x-api-key", key)) }
        return headers
    }

    public func chatCompletion(_ request: UpstreamRequest) async throws -> ChatResult {
        let translated: AnthropicRequest
        do {
            translated = try AnthropicRequestTranslator.translate(
                request.body, defaultMaxTokens: config.defaultMaxTokens, created: StreamEventTranslation.now)
        } catch {
            throw UpstreamError.unsupported(error.message)
        }
        let url = config.baseURL + "/v1/messages"
        guard request.isStream else {
            let message = try await http.postJSON(url: url, headers: headers, body: translated.body)
            return .completion(try AnthropicResponseTranslator.translate(message, context: translated.context))
        }
        let events = try await http.postEventStream(url: url, headers: headers, body: translated.body)
        return .stream(StreamEventTranslation.chunks(from: events, translator: AnthropicStreamTranslator(context: translated.context)))
    }

    public func embeddings(_ request: UpstreamRequest) async throws -> JSONValue {
        throw UpstreamError.unsupported("Provider '\(name)' (anthropic) has no embeddings API.")
    }
}
