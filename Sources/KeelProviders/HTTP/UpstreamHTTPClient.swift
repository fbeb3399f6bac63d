import AsyncHTTPClient
import Foundation
import KeelCore
import NIOCore
import NIOHTTP1

/// Sends JSON to a provider over pooled keep-alive connections and turns every failure into
/// an `UpstreamError`. Timeouts are not set here: the gateway cancels the task, which closes
/// the connection of the exchange in flight.
public struct UpstreamHTTPClient: Sendable {
    public let pool: UpstreamConnectionPool
    /// The egress proxies, read from the environment once, when the gateway starts.
    public let proxies: ProxySettings
    /// Largest non-streamed answer accepted from a provider.
    static let maxResponseBytes = 64 * 1024 * 1024
    /// Largest error body read, for its message.
    static let maxErrorBytes = 64 * 1024
    /// A request none of which was written (its connection had closed) is sent again on another
    /// connection; this many times at most.
    static let maxResends = 3

    /// Benchmark only: AsyncHTTPClient in place of the pool (`AsyncHTTPClientBackend`).
    let alternative: AsyncHTTPClientBackend?

    public init(pool: UpstreamConnectionPool, proxies: ProxySettings = .direct) {
        self.pool = pool
        self.proxies = proxies
        alternative = nil
    }

    /// Benchmark only: calls go through AsyncHTTPClient, `maxConnectionsPerHost` per host.
    public init(asyncHTTPClientWith pool: UpstreamConnectionPool, maxConnectionsPerHost: Int) {
        self.pool = pool
        proxies = .direct
        alternative = AsyncHTTPClientBackend(maxConnectionsPerHost: maxConnectionsPerHost)
    }

    /// Whether `KEEL_UPSTREAM_CLIENT=async-http-client` asks for AsyncHTTPClient (benchmarks only).
    public static func asksForAsyncHTTPClient(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        environment[AsyncHTTPClientBackend.environmentVariable] == AsyncHTTPClientBackend.environmentValue
    }

    /// POSTs `body` (or `encoded`, its bytes, when given) and returns the parsed JSON answer.
    public func postJSON(url: String, headers: [(String, String)], body: @autoclosure () -> JSONObject, encoded: ByteBuffer? = nil) async throws
        -> JSONValue
    {
        try await postJSONKeepingBytes(to: UpstreamTarget(url: url, headers: headers, proxies: proxies), body: body(), encoded: encoded).0
    }

    /// The same, to a target made once.
    public func postJSON(to target: UpstreamTarget, body: @autoclosure () -> JSONObject, encoded: ByteBuffer? = nil) async throws -> JSONValue {
        try await postJSONKeepingBytes(to: target, body: body(), encoded: encoded).0
    }

    /// POSTs like `postJSON` and returns the answer both parsed and as the bytes it came in.
    public func postJSONKeepingBytes(to target: UpstreamTarget, body: @autoclosure () -> JSONObject, encoded: ByteBuffer? = nil) async throws -> (
        JSONValue, ByteBuffer
    ) {
        if let alternative {
            let (status, headers, buffer): (UInt, HTTPHeaders, ByteBuffer)
            do {
                let response = try await alternative.post(target, payload: Self.payload(body(), encoded: encoded))
                (status, headers, buffer) = (response.status.code, response.headers, try await response.body.collect(upTo: Self.maxResponseBytes))
            } catch {
                throw Self.classify(error)
            }
            return try Self.decodeJSON(status: status, headers: headers, buffer: buffer)
        }
        let (head, buffer) = try await exchange(target, body: body(), encoded: encoded) { connection, request, payload in
            let promise = connection.eventLoop.makePromise(of: (HTTPResponseHead, ByteBuffer).self)
            connection.send(head: request, body: payload, delivery: .collect(limit: Self.maxResponseBytes, promise: promise)) { reusable in
                pool.release(connection, reusable: reusable)
            }
            return try await promise.futureResult.get()
        }
        return try Self.decodeJSON(status: head.status.code, headers: head.headers, buffer: buffer)
    }

    private static func decodeJSON(status: UInt, headers: HTTPHeaders, buffer: ByteBuffer) throws -> (JSONValue, ByteBuffer) {
        guard (200..<300).contains(status) else {
            throw UpstreamError.from(status: Int(status), body: Self.text(buffer, limit: Self.maxErrorBytes), retryAfter: Self.retryAfter(headers))
        }
        do throws(JSONParseError) {
            return (try buffer.withUnsafeReadableBytes { bytes throws(JSONParseError) in try JSONValue.parse(bytes: bytes) }, buffer)
        } catch {
            throw UpstreamError.invalidResponse("The upstream answered with invalid JSON: \(error.message)")
        }
    }

    /// POSTs `body` and returns the server-sent events of the answer as they arrive.
    /// Ending the iteration early (or cancelling the consuming task) cancels the request.
    public func postEventStream(
        url: String, headers: [(String, String)], body: @autoclosure () -> JSONObject, encoded: ByteBuffer? = nil
    ) async throws -> ServerSentEventStream {
        try await postEventStream(to: UpstreamTarget(url: url, headers: headers, proxies: proxies), body: body(), encoded: encoded)
    }

    public func postEventStream(to target: UpstreamTarget, body: @autoclosure () -> JSONObject, encoded: ByteBuffer? = nil) async throws
        -> ServerSentEventStream
    {
        if let alternative {
            let response: HTTPClientResponse
            do {
                response = try await alternative.post(target, payload: Self.payload(body(), encoded: encoded))
            } catch {
                throw Self.classify(error)
            }
            let contentType = response.headers.first(name: "content-type") ?? ""
            guard (200..<300).contains(response.status.code), !contentType.contains("application/json") else {
                let text = (try? await response.body.collect(upTo: Self.maxErrorBytes)).map { String(buffer: $0) } ?? ""
                let status = (200..<300).contains(response.status.code) ? 502 : Int(response.status.code)
                throw UpstreamError.from(status: status, body: text, retryAfter: Self.retryAfter(response.headers))
            }
            return ServerSentEventStream(body: .asyncHTTPClient(response.body))
        }
        let (head, bodyParts) = try await exchange(target, body: body(), encoded: encoded) { connection, request, payload in
            let headPromise = connection.eventLoop.makePromise(of: HTTPResponseHead.self)
            let (parts, source) = UpstreamBody.make(reading: connection)
            connection.send(head: request, body: payload, delivery: .stream(head: headPromise, body: source)) { reusable in
                pool.release(connection, reusable: reusable)
            }
            return (try await headPromise.futureResult.get(), parts)
        }
        let contentType = head.headers.first(name: "content-type") ?? ""
        guard (200..<300).contains(head.status.code), !contentType.contains("application/json") else {
            // Some servers answer a stream request with a JSON error and a 200.
            let text = await Self.collectText(bodyParts, limit: Self.maxErrorBytes)
            let status = (200..<300).contains(head.status.code) ? 502 : Int(head.status.code)
            throw UpstreamError.from(status: status, body: text, retryAfter: Self.retryAfter(head.headers))
        }
        return ServerSentEventStream(body: .keel(bodyParts))
    }

    /// Runs `send` on a pooled connection. A request is never sent twice once any byte of it
    /// may have reached the provider (it may have been billed): it is sent again on another
    /// connection only when the one it was given had closed before the write
    /// (`ConnectionFailure.requestWritten == false`; see `UpstreamExchangeHandler`), and each
    /// such re-send is counted in the caller's `UpstreamResends`, which the trace shows.
    private func exchange<Output: Sendable>(
        _ target: UpstreamTarget, body: @autoclosure () -> JSONObject, encoded: ByteBuffer?,
        _ send: @Sendable (UpstreamConnection, HTTPRequestHead, ByteBuffer) async throws -> Output
    ) async throws -> Output {
        let payload = Self.payload(body(), encoded: encoded)
        let head = target.head(contentLength: payload.readableBytes)
        let route = target.route
        var resends = 0
        while true {
            do {
                let lease = try await pool.lease(route)
                do {
                    return try await withTaskCancellationHandler {
                        try await send(lease.connection, head, payload)
                    } onCancel: {
                        lease.connection.close()
                    }
                } catch let failure as UpstreamExchangeHandler.ConnectionFailure
                    where !failure.requestWritten && resends < Self.maxResends && !Task.isCancelled
                {
                    resends += 1
                    UpstreamResends.counter?.record()
                    continue
                }
            } catch {
                throw Self.classify(error)
            }
        }
    }

    private static func payload(_ body: @autoclosure () -> JSONObject, encoded: ByteBuffer?) -> ByteBuffer {
        encoded ?? ByteBuffer(bytes: JSONValue.object(body()).encodedBytes())
    }

    private static func text(_ buffer: ByteBuffer, limit: Int) -> String {
        String(decoding: buffer.readableBytesView.prefix(limit), as: UTF8.self)
    }

    private static func collectText(_ parts: UpstreamBody, limit: Int) async -> String {
        var collected: [UInt8] = []
        do {
            for try await part in parts {
                collected += part.readableBytesView.prefix(limit - collected.count)
                if collected.count >= limit { break }
            }
        } catch {}
        return String(decoding: collected, as: UTF8.self)
    }

    /// Maps a transport error to an `UpstreamError` (cancellation passes through unchanged).
    public static func classify(_ error: any Error) -> any Error {
        if error is UpstreamError || error is CancellationError { return error }
        if Task.isCancelled { return CancellationError() }
        switch error {
        case let failure as UpstreamExchangeHandler.ConnectionFailure:
            let reason = failure.underlying.map { "\($0)" } ?? "the server closed the connection"
            return UpstreamError(kind: .connection, message: "The upstream connection failed: \(reason).")
        case let refused as ProxyTunnelHandler.Refused:
            return UpstreamError(kind: .connection, message: "The upstream connection failed: \(refused).")
        case is UpstreamExchangeHandler.ResponseTooLarge:
            return UpstreamError.invalidResponse("The upstream answer is larger than \(maxResponseBytes) bytes.")
        case ChannelError.connectTimeout:
            return UpstreamError(kind: .timeout, message: "The upstream did not accept a connection in time.")
        default:
            return UpstreamError(kind: .connection, message: "The upstream connection failed: \(error).")
        }
    }

    /// `retry-after-ms`, or `Retry-After` in seconds or as an HTTP date.
    static func retryAfter(_ headers: HTTPHeaders) -> Double? {
        if let ms = headers.first(name: "retry-after-ms").flatMap(Double.init) { return ms / 1000 }
        guard let value = headers.first(name: "retry-after") else { return nil }
        if let seconds = Double(value) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { max(0, $0.timeIntervalSinceNow) }
    }
}
