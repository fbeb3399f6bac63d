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
    /// The OpenAI-format body, with `model` already set to the target's upstream model. Made on
    /// each read from the request's body and this target's edits: an adapter that forwards
    /// `encodedBody` never makes it (nor, for a call by reference, renders the body).
    public var body: JSONObject {
        get {
            var body = source.value
            if let targetModel { body["model"] = .string(targetModel) }
            if asksStreamUsage {
                var options = body["stream_options"]?.objectValue ?? [:]
                options["include_usage"] = true
                body["stream_options"] = .object(options)
            }
            return body
        }
        set {
            source = DeferredObject(newValue)
            targetModel = nil
            asksStreamUsage = false
        }
    }
    private var source: DeferredObject
    private var targetModel: String?
    private var asksStreamUsage = false
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
    /// Whether the body asks for a stream.
    public let isStream: Bool

    public init(
        body: JSONObject, clientHeaders: [String: String] = [:], encodedBody: ByteBuffer? = nil, promptCaching: Bool = true,
        stablePrefixMessages: Int? = nil
    ) {
        source = DeferredObject(body)
        isStream = body["stream"]?.boolValue ?? false
        self.clientHeaders = clientHeaders
        self.encodedBody = encodedBody
        self.promptCaching = promptCaching
        self.stablePrefixMessages = stablePrefixMessages
    }

    /// A chat request's body for a target: `model` set to `targetModel`, and a stream's usage
    /// asked for when `asksStreamUsage`, once something reads `body`. `isStream` is what the
    /// body's `stream` says.
    public init(
        body: DeferredObject, targetModel: String, isStream: Bool, asksStreamUsage: Bool, clientHeaders: [String: String] = [:],
        encodedBody: ByteBuffer? = nil, promptCaching: Bool = true
    ) {
        source = body
        self.targetModel = targetModel
        self.isStream = isStream
        self.asksStreamUsage = asksStreamUsage
        self.clientHeaders = clientHeaders
        self.encodedBody = encodedBody
        self.promptCaching = promptCaching
    }

    public var upstreamModel: String { targetModel ?? body["model"]?.stringValue ?? "" }
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
