import KeelCore
import NIOCore

/// One upstream that speaks some wire protocol. Adapters take and give the OpenAI chat format,
/// Keel's canonical form, and translate to and from their own protocol.
public protocol ModelProvider: Sendable {
    var name: String { get }
    var kind: ProviderKind { get }

    /// A chat completion. Errors are `UpstreamError`s.
    func chatCompletion(_ request: UpstreamRequest) async throws -> ChatResult

    /// An embeddings call in the OpenAI shape. Errors are `UpstreamError`s.
    func embeddings(_ request: UpstreamRequest) async throws -> JSONValue
}

/// A request on its way to one target.
public struct UpstreamRequest: Sendable {
    /// The OpenAI-format body, with `model` already set to the target's upstream model.
    public var body: JSONObject
    /// Request headers of the client, lower-cased (the mock provider reads `x-mock-*` from them).
    public var clientHeaders: [String: String]
    /// `body` already encoded (the client's own bytes, `model` edited in place), for adapters
    /// that forward the OpenAI format as it is; nil when it must be encoded.
    public var encodedBody: ByteBuffer?
    /// Whether the adapter may mark the stable part of the request for the provider's prompt
    /// cache (Anthropic's `cache_control` breakpoints); a model's `prompt_caching: false` clears it.
    public var promptCaching: Bool
    /// How many of the leading OpenAI `messages` are the same from request to request (the
    /// messages a versioned prompt rendered); nil when nothing says so.
    public var stablePrefixMessages: Int?

    public init(
        body: JSONObject, clientHeaders: [String: String] = [:], encodedBody: ByteBuffer? = nil, promptCaching: Bool = true,
        stablePrefixMessages: Int? = nil
    ) {
        self.body = body
        self.clientHeaders = clientHeaders
        self.encodedBody = encodedBody
        self.promptCaching = promptCaching
        self.stablePrefixMessages = stablePrefixMessages
    }

    public var upstreamModel: String { body["model"]?.stringValue ?? "" }
    public var isStream: Bool { body["stream"]?.boolValue ?? false }
}

public enum ChatResult: Sendable {
    /// A whole `chat.completion` object.
    case completion(JSONValue)
    /// A whole `chat.completion` object and the provider's own bytes of it, which can reach the
    /// client as they are.
    case encodedCompletion(JSONValue, ByteBuffer)
    /// `chat.completion.chunk` objects, in order. The last may carry only `usage`.
    case stream(ChunkStream)
}

public typealias ChunkStream = AsyncThrowingStream<JSONValue, any Error>
