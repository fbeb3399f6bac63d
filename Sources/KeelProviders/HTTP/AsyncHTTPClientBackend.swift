import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// The same upstream calls through AsyncHTTPClient instead of Keel's own pooled client, for
/// measuring one against the other (README, Performance). Chosen by `KEEL_UPSTREAM_CLIENT=async-http-client`
/// in the gateway's environment, for benchmarks only: it takes no proxy from the environment
/// and reports no re-sends, and its client is never shut down (it lives as long as the process).
struct AsyncHTTPClientBackend: Sendable {
    /// The environment variable, and the value of it, that selects this backend.
    static let environmentVariable = "KEEL_UPSTREAM_CLIENT"
    static let environmentValue = "async-http-client"

    let client: HTTPClient

    init(maxConnectionsPerHost: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnectionsPerHost)
        configuration.httpVersion = .http1Only
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    /// POSTs `payload` to `target` and returns the answer's status, headers and body as it arrives.
    func post(_ target: UpstreamTarget, payload: ByteBuffer) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: target.url)
        request.method = .POST
        request.headers = target.headersWithoutFraming
        request.body = .bytes(payload)
        return try await client.execute(request, deadline: .distantFuture)
    }
}
