import KeelCore

/// Builds the provider adapters that a configuration names.
public enum ProviderFactory {
    public static func make(_ configs: [ProviderConfig], http: UpstreamHTTPClient, mockEngine: MockEngine = MockEngine()) -> [String:
        any ModelProvider]
    {
        var providers: [String: any ModelProvider] = [:]
        for config in configs {
            switch config.kind {
            case .openai: providers[config.name] = OpenAICompatibleProvider(config: config, http: http)
            case .anthropic: providers[config.name] = AnthropicProvider(config: config, http: http)
            case .gemini: providers[config.name] = GeminiProvider(config: config, http: http)
            case .mock: providers[config.name] = MockProvider(name: config.name, engine: mockEngine)
            }
        }
        return providers
    }
}
