import KeelCore

/// Any server that speaks OpenAI's chat completions API: OpenAI, Azure OpenAI (v1), vLLM,
/// Ollama, Groq, Together, Mistral, DeepSeek, OpenRouter. Bodies pass through untouched.
public struct OpenAICompatibleProvider: ModelProvider {
    public var name: String { endpoint.config.name }
    public var kind: ProviderKind { .openai }
    private let endpoint: ProviderEndpoint
    private let chatTarget: Result<UpstreamTarget, UpstreamError>
    private let embeddingsTarget: Result<UpstreamTarget, UpstreamError>

    public init(config: ProviderConfig, http: UpstreamHTTPClient) {
        endpoint = ProviderEndpoint(config: config, http: http) { key in [("authorization", "Bearer \(key)")] }
        chatTarget = endpoint.target("/chat/completions")
        embeddingsTarget = endpoint.target("/embeddings")
    }

    public func chatCompletion(_ request: UpstreamRequest) async throws -> ChatResult {
        let target = try chatTarget.get()
        guard request.isStream else {
            let (completion, bytes) = try await endpoint.http.postJSONKeepingBytes(to: target, body: request.body, encoded: request.encodedBody)
            return .encodedCompletion(completion, bytes)
        }
        let events = try await endpoint.http.postEventStream(to: target, body: request.body, encoded: request.encodedBody)
        return .stream(OpenAIStreamDecoder.chunks(from: events))
    }

    public func embeddings(_ request: UpstreamRequest) async throws -> JSONValue {
        try await endpoint.http.postJSON(to: embeddingsTarget.get(), body: request.body, encoded: request.encodedBody)
    }
}

/// Reads the chunks of an OpenAI-style stream: `data: {...}` events up to `data: [DONE]`.
enum OpenAIStreamDecoder {
    static func chunks<Events: AsyncSequence & Sendable>(from events: Events) -> ChunkStream
    where Events.Element == ServerSentEvent, Events.Failure == any Error {
        StreamEventTranslation.chunks(from: events, translator: OpenAIStreamEvents())
    }
}

/// OpenAI's events are chunks already: each is parsed, and one carrying `error` fails the stream.
struct OpenAIStreamEvents: StreamEventTranslator {
    private var done = false

    mutating func translate(_ event: ServerSentEvent) throws(UpstreamError) -> [JSONValue] {
        let data = event.data
        let trimmed = Self.trimmingSpaces(data)
        if trimmed == "[DONE]" { done = true }
        if done || trimmed.isEmpty { return [] }
        let chunk: JSONValue
        do throws(JSONParseError) {
            chunk = try JSONValue.parse(data)
        } catch {
            throw UpstreamError.invalidResponse("The upstream sent a stream event that is not JSON: \(error.message)")
        }
        if let error = chunk["error"] {
            let status = error["code"]?.intValue ?? 500
            throw UpstreamError.from(status: (400...599).contains(status) ? status : 500, body: data, retryAfter: nil)
        }
        return [chunk]
    }

    mutating func finish() -> [JSONValue] { [] }

    /// `text` without the spaces and tabs around it, on its UTF-8: Foundation's trimming goes
    /// through UTF-16 and cost about a sixth of the CPU of relaying a stream.
    static func trimmingSpaces(_ text: String) -> Substring {
        let utf8 = text.utf8
        let isSpace: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }), let last = utf8.lastIndex(where: { !isSpace($0) }) else { return "" }
        return Substring(utf8[first...last])
    }
}
