import KeelCore

/// Anthropic's Messages API, behind the OpenAI chat format.
public struct AnthropicProvider: ModelProvider {
    public var name: String { endpoint.config.name }
    public var kind: ProviderKind { .anthropic }
    private let endpoint: ProviderEndpoint
    private let messagesTarget: Result<UpstreamTarget, UpstreamError>

    public init(config: ProviderConfig, http: UpstreamHTTPClient) {
        endpoint = ProviderEndpoint(config: config, http: http, fixedHeaders: [("anthropic-version", config.anthropicVersion)]) { key in
            [("x-api-key", key)]
        }
        messagesTarget = endpoint.target("/v1/messages")
    }

    public func chatCompletion(_ request: UpstreamRequest) async throws -> ChatResult {
        var translated: AnthropicRequest
        do {
            translated = try AnthropicRequestTranslator.translate(
                request.body, defaultMaxTokens: endpoint.config.defaultMaxTokens, created: StreamEventTranslation.now)
        } catch {
            throw UpstreamError.unsupported(error.message)
        }
        if request.promptCaching {
            AnthropicCacheBreakpoints(model: request.upstreamModel).place(in: &translated, stablePrefixMessages: request.stablePrefixMessages)
        }
        let target = try messagesTarget.get()
        guard request.isStream else {
            let message = try await endpoint.http.postJSON(to: target, body: translated.body)
            return .completion(try AnthropicResponseTranslator.translate(message, context: translated.context))
        }
        let events = try await endpoint.http.postEventStream(to: target, body: translated.body)
        return .stream(StreamEventTranslation.chunks(from: events, translator: AnthropicStreamTranslator(context: translated.context)))
    }

    public func embeddings(_ request: UpstreamRequest) async throws -> JSONValue {
        throw UpstreamError.unsupported("Provider '\(name)' (anthropic) has no embeddings API.")
    }
}
