import Foundation
import KeelCore
import KeelProviders
import KeelStore
import NIOCore

/// A request as the server hands it to the gateway.
public struct IncomingRequest: Sendable {
    public var body: Data
    /// Header names lower-cased.
    public var headers: [String: String]
    public var traceID: TraceID
    /// Set on Keel's own call made for a client's request; never from a client request.
    var internalCall: InternalCall?
    /// The Keel API key the client called with, once authenticated.
    public var apiKey: APIKey?
    /// Set when a rollout's candidate failed this request: it is answered again by the stable
    /// version, with the candidate's attempts first in its trace.
    var candidateFallback: CandidateFallback?
    /// Set on a shadow rollout's copy of a live request: the prompt version it runs.
    var shadowVersion: Int?
    /// Set on a shadow copy of a model's rollout: the upstream it runs on.
    var shadowTarget: TargetConfig?

    public init(body: Data, headers: [String: String], traceID: TraceID = .generate()) {
        self.body = body
        self.headers = headers
        self.traceID = traceID
    }

    /// Keel's own call of `kind` for `client`'s request: run under the client's key, so that
    /// its cost is held to that key's budgets and shows in its spend, and tagged `keel-internal`
    /// and the kind on its trace.
    static func internalCall(_ kind: InternalCall, body: Data, for client: IncomingRequest) -> IncomingRequest {
        var call = IncomingRequest(body: body, headers: ["x-keel-tags": "keel-internal,\(kind.rawValue)"])
        call.internalCall = kind
        call.apiKey = client.apiKey
        return call
    }
}

/// A request a rollout's candidate failed with a provider error, to be answered by the stable version.
struct CandidateFallback: Sendable {
    /// For a prompt's rollout; nil for a model's, whose stable arm is the configured targets.
    var stableVersion: Int?
    var attempts: [AttemptRecord]
}

/// What Keel calls a model for, on a client's behalf.
enum InternalCall: String, Sendable {
    /// A classifier guard's judgement: the classifier's own input checks would refuse the very
    /// text it is asked to judge, so they are skipped.
    case classifier
    /// The semantic cache's embedding of the request.
    case cacheEmbedding = "cache-embedding"
    /// A shadow rollout's candidate, run on a copy of a live request after its answer.
    case shadow = "rollout-shadow"
}

public struct GatewayResponse: Sendable {
    public enum Content: Sendable {
        case json(JSONValue)
        /// A JSON answer and its encoding, to send as it is.
        case encodedJSON(JSONValue, ByteBuffer)
        /// Chunks for the client, in order; the stream fails with a `KeelError`.
        case stream(ChunkStream)
    }

    public var content: Content
    /// For a relayed stream: the chunks relayed and not yet taken, so writes can batch a burst.
    public var backlog: StreamBacklog?
    public var route: RouteInfo
    /// `hit` or `miss` for a model with a response cache (the `x-keel-cache` header).
    public var cache: String?
    /// The prompt version that served the request (the `x-keel-prompt` header).
    public var prompt: ServedPrompt?
    /// The model's configured fallback answer, given because every target failed (`x-keel-fallback`).
    public var isFallback = false
}

/// A request that ended in an error, with the route it had taken so far.
public struct GatewayError: Error, Sendable {
    public var error: KeelError
    public var route: RouteInfo
    /// The prompt version the request had resolved before it failed.
    public var prompt: ServedPrompt?

    /// A provider's failure (an upstream error, a timeout, every target down), as opposed to a
    /// request Keel refused or a client that went away.
    var isProviderFailure: Bool {
        !route.attempts.isEmpty && error.status >= 500
    }

    public init(_ error: KeelError, route: RouteInfo = RouteInfo()) {
        self.error = error
        self.route = route
    }
}
