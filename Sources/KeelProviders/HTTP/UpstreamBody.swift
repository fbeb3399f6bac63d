import NIOCore
import Synchronization

/// The body of a streamed upstream answer, read with back-pressure: the connection's handler
/// yields each body part into a bounded buffer, and once `highWatermark` parts wait unread it
/// stops reading the socket until the consumer has taken all but `lowWatermark - 1`. A slow
/// client then holds the provider back through TCP instead of Keel buffering its whole answer.
/// Dropping the iteration before the end closes the exchange's connection.
public struct UpstreamBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    typealias Producer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, UpstreamBodyDemand
    >

    /// Body parts are at most one socket read (NIO reads up to 64 KiB at a time), so Keel holds
    /// about `highWatermark` x 64 KiB of a stream at most, plus what one read delivers past it.
    static let lowWatermark = 2
    static let highWatermark = 8

    private let producer: Producer
    /// Bytes yielded by the connection and not yet taken by the consumer.
    let buffered: BufferedBytes

    /// What the connection's handler feeds.
    struct Source: Sendable {
        fileprivate let producer: Producer.Source
        let demand: UpstreamBodyDemand
        let buffered: BufferedBytes

        /// Whether the handler may go on reading the socket.
        func yield(_ buffer: ByteBuffer) -> Bool {
            buffered.add(buffer.readableBytes)
            return producer.yield(buffer) == .produceMore
        }

        func finish() { producer.finish() }

        func finish(throwing error: any Error) { producer.finish(error) }
    }

    /// A body read from `connection`, and the source its handler feeds.
    static func make(reading connection: UpstreamConnection) -> (UpstreamBody, Source) {
        let demand = UpstreamBodyDemand(connection: connection)
        let made = Producer.makeSequence(
            backPressureStrategy: .init(lowWatermark: lowWatermark, highWatermark: highWatermark), finishOnDeinit: false, delegate: demand)
        let buffered = BufferedBytes()
        return (UpstreamBody(producer: made.sequence, buffered: buffered), Source(producer: made.source, demand: demand, buffered: buffered))
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate var parts: Producer.AsyncIterator
        let buffered: BufferedBytes

        public mutating func next() async throws -> ByteBuffer? {
            let part = try await parts.next()
            if let part { buffered.add(-part.readableBytes) }
            return part
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(parts: producer.makeAsyncIterator(), buffered: buffered)
    }

    /// A counter of the bytes a body holds, and the most it held at once.
    final class BufferedBytes: Sendable {
        private let current = Atomic(0)
        private let peak = Atomic(0)

        func add(_ bytes: Int) {
            let now = current.add(bytes, ordering: .relaxed).newValue
            if bytes > 0 { peak.max(now, ordering: .relaxed) }
        }

        var now: Int { current.load(ordering: .relaxed) }
        var mostAtOnce: Int { peak.load(ordering: .relaxed) }
    }
}

/// Tells the connection's handler, on its event loop, that the consumer wants more of the body
/// (reading resumes) or has stopped reading it before its end (the connection closes).
final class UpstreamBodyDemand: NIOAsyncSequenceProducerDelegate {
    private let connection: UpstreamConnection

    init(connection: UpstreamConnection) {
        self.connection = connection
    }

    func produceMore() {
        connection.onEventLoop { handler in handler.resumeReading(for: self) }
    }

    func didTerminate() {
        connection.onEventLoop { handler in handler.bodyDropped(by: self) }
    }
}
