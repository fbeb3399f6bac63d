import AsyncHTTPClient
import KeelCore
import NIOCore

/// The server-sent events of a response body, parsed as the consumer pulls them: no task and
/// no second stream between the socket and the adapter reading the events. Ending the
/// iteration early drops the body, which closes the exchange's connection.
public struct ServerSentEventStream: AsyncSequence, Sendable {
    public typealias Element = ServerSentEvent

    /// Where the bytes come from: Keel's client, or AsyncHTTPClient in a benchmark.
    enum Body: Sendable {
        case keel(UpstreamBody)
        case asyncHTTPClient(HTTPClientResponse.Body)
    }

    let body: Body

    /// Keel's own body, with its counter of buffered bytes.
    var keelBody: UpstreamBody? {
        if case .keel(let body) = body { return body }
        return nil
    }

    enum BodyIterator {
        case keel(UpstreamBody.AsyncIterator)
        case asyncHTTPClient(HTTPClientResponse.Body.AsyncIterator)

        mutating func next() async throws -> ByteBuffer? {
            switch self {
            case .keel(var parts):
                let part = try await parts.next()
                self = .keel(parts)
                return part
            case .asyncHTTPClient(var parts):
                let part = try await parts.next()
                self = .asyncHTTPClient(parts)
                return part
            }
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var body: BodyIterator
        var parser = ServerSentEventParser()
        var pending: [ServerSentEvent] = []
        var next = 0
        var finished = false

        public mutating func next() async throws -> ServerSentEvent? {
            while true {
                if next < pending.count {
                    defer { next += 1 }
                    return pending[next]
                }
                guard !finished else { return nil }
                pending.removeAll(keepingCapacity: true)
                next = 0
                let buffer: ByteBuffer?
                do {
                    buffer = try await body.next()
                } catch {
                    throw UpstreamHTTPClient.classify(error)
                }
                if let buffer {
                    pending = parser.feed(buffer.readableBytesView)
                } else {
                    finished = true
                    if let last = parser.finish() { pending = [last] }
                }
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        switch body {
        case .keel(let parts): AsyncIterator(body: .keel(parts.makeAsyncIterator()))
        case .asyncHTTPClient(let parts): AsyncIterator(body: .asyncHTTPClient(parts.makeAsyncIterator()))
        }
    }
}
