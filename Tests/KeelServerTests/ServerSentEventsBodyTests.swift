import HTTPTypes
import Hummingbird
import KeelCore
import KeelGateway
import KeelProviders
import NIOCore
import Synchronization
import Testing

@testable import KeelServer

/// How the client writer groups the chunks of a relayed stream into writes.
@Suite struct ServerSentEventsBodyTests {
    final class Writes: Sendable {
        let texts = Mutex<[String]>([])
    }

    struct RecordingWriter: ResponseBodyWriter {
        let writes: Writes
        mutating func write(_ buffer: ByteBuffer) async throws { writes.texts.withLock { $0.append(String(buffer: buffer)) } }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    /// A client writer at work on a stream that the test feeds as a relay would.
    static func writing(backlog: StreamBacklog) -> (ChunkStream.Continuation, Writes, Task<Void, any Error>) {
        let (chunks, continuation) = ChunkStream.makeStream()
        let writes = Writes()
        let task = Task {
            var writer: any ResponseBodyWriter = RecordingWriter(writes: writes)
            try await ServerSentEventsBody.write(chunks, backlog: backlog, to: &writer)
        }
        return (continuation, writes, task)
    }

    @Test func theFirstChunkGoesAloneAndABurstGoesInOneWrite() async throws {
        let backlog = StreamBacklog()
        let (continuation, writes, writing) = Self.writing(backlog: backlog)
        backlog.produced()
        continuation.yield(["n": 0])
        try await Self.waitFor(writes, count: 1)
        // A burst of five the upstream sent at once, handed on by the relay before the writer runs.
        for _ in 1...5 { backlog.produced() }
        for index in 1...5 { continuation.yield(["n": .int(Int64(index))]) }
        try await Self.waitFor(writes, count: 2)
        continuation.finish()
        try await writing.value
        let texts = writes.texts.withLock { $0 }
        #expect(
            texts == [
                "data: {\"n\":0}\n\n",
                (1...5).map { "data: {\"n\":\($0)}\n\n" }.joined(),
                "data: [DONE]\n\n",
            ])
    }

    static func waitFor(_ writes: Writes, count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while writes.texts.withLock({ $0.count }) < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
        #expect(writes.texts.withLock { $0.count } == count)
    }

    @Test func aChunkIsWrittenAsSoonAsTheWriterHasCaughtUp() async throws {
        let backlog = StreamBacklog()
        let (continuation, writes, writing) = Self.writing(backlog: backlog)
        for index in 0..<3 {
            backlog.produced()
            continuation.yield(["n": .int(Int64(index))])
            try await Self.waitFor(writes, count: index + 1)
        }
        continuation.finish()
        try await writing.value
        #expect(writes.texts.withLock { $0.last } == "data: [DONE]\n\n")
    }

    @Test func withoutABacklogEachChunkIsItsOwnWrite() async throws {
        let (chunks, continuation) = ChunkStream.makeStream()
        for index in 0..<3 { continuation.yield(["n": .int(Int64(index))]) }
        continuation.finish(throwing: KeelError.invalidRequest("stopped"))
        let writes = Writes()
        var writer: any ResponseBodyWriter = RecordingWriter(writes: writes)
        try await ServerSentEventsBody.write(chunks, backlog: nil, to: &writer)
        let texts = writes.texts.withLock { $0 }
        #expect(texts.count == 4)
        #expect(texts.last?.contains("stopped") == true)
    }
}
