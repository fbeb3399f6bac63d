import Hummingbird
import KeelCore
import KeelProviders

/// Writes OpenAI chunks as server-sent events: `data: {...}` each, `data: [DONE]` at the end,
/// or an `error` object if the stream fails after it started. A client that went away makes
/// the next write fail, which ends the iteration and so cancels the upstream. (Hummingbird's
/// `consumeWithCancellationOnInboundClose` would notice sooner but closes the connection after
/// every stream, which breaks clients that reuse pooled connections.)
enum ServerSentEventsBody {
    static var headers: HTTPFields {
        [.contentType: "text/event-stream", .cacheControl: "no-cache", .connection: "keep-alive"]
    }

    static func body(chunks: ChunkStream) -> ResponseBody {
        ResponseBody { writer in
            try await write(chunks, to: &writer)
            try await writer.finish(nil)
        }
    }

    /// Any `ChunkStream`-like sequence of JSON values, errors reported as events.
    static func write(_ chunks: ChunkStream, to writer: inout any ResponseBodyWriter) async throws {
        do {
            for try await chunk in chunks {
                try await writer.write(ByteBuffer(string: "data: \(chunk.encodedString())\n\n"))
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
        } catch let error as KeelError {
            try await writer.write(ByteBuffer(string: "data: \(error.body.encodedString())\n\n"))
        }
    }
}
