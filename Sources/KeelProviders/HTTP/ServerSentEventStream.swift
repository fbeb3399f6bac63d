import NIOCore

/// The server-sent events of a response body, parsed as the consumer pulls them: no task and
/// no second stream between the socket and the adapter reading the events. Ending the
/// iteration early drops the body, which closes the exchange's connection.
public struct ServerSentEventStream: AsyncSequence, Sendable {
    public typealias Element = ServerSentEvent

    let body: UpstreamBody

    public struct AsyncIterator: AsyncIteratorProtocol {
        var body: UpstreamBody.AsyncIterator
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
        AsyncIterator(body: body.makeAsyncIterator())
    }
}
