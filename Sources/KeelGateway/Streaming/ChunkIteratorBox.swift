import KeelCore
import KeelProviders

/// Holds a stream's iterator so that successive `next()` calls can run in different tasks
/// (each under its own timeout). Only one task calls `next()` at a time: the attempt that
/// reads the first chunk, then the relay that reads the rest.
final class ChunkIteratorBox: @unchecked Sendable {
    private var iterator: ChunkStream.AsyncIterator

    init(_ stream: ChunkStream) {
        iterator = stream.makeAsyncIterator()
    }

    func next() async throws -> JSONValue? {
        try await iterator.next()
    }
}
