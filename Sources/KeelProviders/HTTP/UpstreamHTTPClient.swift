import AsyncHTTPClient
import Foundation
import KeelCore
import NIOCore
import NIOHTTP1

/// Sends JSON to a provider over a pooled AsyncHTTPClient and turns every failure into an
/// `UpstreamError`. Timeouts are not set here: the gateway cancels the task, which cancels the
/// request.
public struct UpstreamHTTPClient: Sendable {
    public let client: HTTPClient
    /// Largest non-streamed answer accepted from a provider.
    static let maxResponseBytes = 64 * 1024 * 1024
    /// Largest error body read, for its message.
    static let maxErrorBytes = 64 * 1024

    public init(client: HTTPClient) {
        self.client = client
    }

    /// POSTs `body` and returns the response once its head has arrived with a 2xx status.
    public func post(url: String, headers: [(String, String)], body: JSONObject) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: "application/json, text/event-stream")
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: JSONValue.object(body).encoded()))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: .distantFuture)
        } catch {
            throw Self.classify(error)
        }
        guard (200..<300).contains(response.status.code) else {
            let text = (try? await Self.collect(response, limit: Self.maxErrorBytes)).map { String(buffer: $0) } ?? ""
            throw UpstreamError.from(status: Int(response.status.code), body: text, retryAfter: Self.retryAfter(response.headers))
        }
        return response
    }

    /// POSTs `body` and returns the parsed JSON answer.
    public func postJSON(url: String, headers: [(String, String)], body: JSONObject) async throws -> JSONValue {
        let response = try await post(url: url, headers: headers, body: body)
        let buffer: ByteBuffer
        do {
            buffer = try await Self.collect(response, limit: Self.maxResponseBytes)
        } catch {
            throw Self.classify(error)
        }
        do throws(JSONParseError) {
            return try JSONValue.parse(Data(buffer.readableBytesView))
        } catch {
            throw UpstreamError.invalidResponse("The upstream answered with invalid JSON: \(error.message)")
        }
    }

    /// POSTs `body` and returns the server-sent events of the answer as they arrive.
    /// Ending the iteration early (or cancelling the consuming task) cancels the request.
    public func postEventStream(url: String, headers: [(String, String)], body: JSONObject) async throws -> AsyncThrowingStream<ServerSentEvent, any Error> {
        let response = try await post(url: url, headers: headers, body: body)
        let contentType = response.headers.first(name: "content-type") ?? ""
        if contentType.contains("application/json") {
            // Some servers answer a stream request with a JSON error and a 200.
            let text = (try? await Self.collect(response, limit: Self.maxErrorBytes)).map { String(buffer: $0) } ?? ""
            throw UpstreamError.from(status: 502, body: text, retryAfter: nil)
        }
        let (stream, continuation) = AsyncThrowingStream<ServerSentEvent, any Error>.makeStream()
        let reader = Task {
            var parser = ServerSentEventParser()
            do {
                for try await buffer in response.body {
                    for event in parser.feed(buffer.readableBytesView) {
                        continuation.yield(event)
                    }
                }
                if let last = parser.finish() { continuation.yield(last) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: Self.classify(error))
            }
        }
        continuation.onTermination = { _ in reader.cancel() }
        return stream
    }

    static func collect(_ response: HTTPClientResponse, limit: Int) async throws -> ByteBuffer {
        try await response.body.collect(upTo: limit)
    }

    /// Maps a transport error to an `UpstreamError` (cancellation passes through unchanged).
    public static func classify(_ error: any Error) -> any Error {
        if error is UpstreamError || error is CancellationError { return error }
        if let httpError = error as? HTTPClientError {
            switch httpError {
            case .cancelled: return CancellationError()
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                return UpstreamError(kind: .timeout, message: "The upstream timed out (\(httpError)).")
            default:
                return UpstreamError(kind: .connection, message: "The upstream connection failed: \(httpError).")
            }
        }
        if error is NIOTooManyBytesError {
            return UpstreamError.invalidResponse("The upstream answer is larger than \(maxResponseBytes) bytes.")
        }
        return UpstreamError(kind: .connection, message: "The upstream connection failed: \(error).")
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
