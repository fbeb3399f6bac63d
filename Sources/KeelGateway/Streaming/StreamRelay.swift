import KeelCore
import KeelProviders

/// Carries an upstream stream, already past its first chunk, to the client: each later chunk
/// must come within the idle timeout; the usage chunk Keel asked for is hidden from a client
/// that did not; a failure ends the stream with a `KeelError`.
struct StreamRelay: Sendable {
    let idleTimeoutMs: Int
    let clientWantsUsage: Bool
    let errors: ClientErrorMapper

    func relay(first: JSONValue, rest: ChunkIteratorBox) -> ChunkStream {
        let (stream, continuation) = ChunkStream.makeStream()
        let task = Task {
            do {
                if let shaped = shape(first) { continuation.yield(shaped) }
                while let chunk = try await withTimeout(
                    milliseconds: idleTimeoutMs, onTimeout: UpstreamError.timeout(afterMs: idleTimeoutMs, what: "stream (no chunk)"),
                    { try await rest.next() })
                {
                    if let shaped = shape(chunk) { continuation.yield(shaped) }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: errors.map(error))
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// The chunk as the client should see it, or nil to drop it.
    func shape(_ chunk: JSONValue) -> JSONValue? {
        guard !clientWantsUsage, case .object(var object) = chunk else { return chunk }
        if object["choices"]?.arrayValue?.isEmpty ?? false, object["usage"] != nil { return nil }
        if object["usage"]?.isNull ?? false { object["usage"] = nil }
        return .object(object)
    }
}
