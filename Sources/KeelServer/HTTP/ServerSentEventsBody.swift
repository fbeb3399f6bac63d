import Hummingbird
import KeelCore
import KeelGateway
import KeelProviders
import NIOHTTP1

/// Writes OpenAI chunks as server-sent events: `data: {...}` each, `data: [DONE]` at the end,
/// or an `error` object if the stream fails after it started. A client that went away cancels
/// the task writing the stream (see `HTTPConnectionHandler`), which ends the iteration and so
/// cancels the upstream; failing to write to it does the same.
enum ServerSentEventsBody {
    static let headers: HTTPHeaders = ["content-type": "text/event-stream", "cache-control": "no-cache", "connection": "keep-alive"]

    /// Events wait for the chunks behind them in a burst up to this many bytes.
    static let burstBytes = 16 * 1024

    /// With a `backlog`, the chunks of a burst go out in one write; without one, each goes alone.
    static func body(chunks: ChunkStream, backlog: StreamBacklog? = nil) -> ResponseBody {
        ResponseBody { writer in
            try await write(chunks, backlog: backlog, to: &writer)
            try await writer.finish(nil)
        }
    }

    /// Any `ChunkStream`-like sequence of JSON values, errors reported as events.
    static func write(_ chunks: ChunkStream, backlog: StreamBacklog?, to writer: inout any ResponseBodyWriter) async throws {
        var pending: [UInt8] = []
        do {
            for try await chunk in chunks {
                backlog?.consumed()
                append(chunk, to: &pending)
                if backlog?.isEmpty ?? true || pending.count >= burstBytes {
                    try await writer.write(ByteBuffer(bytes: pending))
                    pending.removeAll(keepingCapacity: true)
                }
            }
            pending.append(contentsOf: "data: [DONE]\n\n".utf8)
            try await writer.write(ByteBuffer(bytes: pending))
        } catch let error as KeelError {
            append(error.body, to: &pending)
            try await writer.write(ByteBuffer(bytes: pending))
        }
    }

    /// `data: {...}` and the blank line that ends the event.
    private static func append(_ chunk: JSONValue, to pending: inout [UInt8]) {
        pending.append(contentsOf: "data: ".utf8)
        chunk.encode(into: &pending)
        pending.append(contentsOf: "\n\n".utf8)
    }
}
