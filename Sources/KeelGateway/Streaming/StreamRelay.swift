import KeelCore
import KeelProviders

/// Carries an upstream stream, already past its first chunk, to the client: each later chunk
/// must come within the idle timeout; the usage chunk Keel asked for is hidden from a client
/// that did not; output guardrails see each chunk before the client does; a failure ends the
/// stream with a `KeelError`. When the stream ends, however it ends, `onEnd` gets what it said.
/// A `backlog` with a limit keeps the relay at most that many chunks ahead of the client.
struct StreamRelay: Sendable {
    let idleTimeoutMs: Int
    let clientWantsUsage: Bool
    let errors: ClientErrorMapper

    func relay(
        first: JSONValue, rest: ChunkIteratorBox, guarding outputGuard: OutputStreamGuard? = nil, backlog: StreamBacklog? = nil,
        onEnd: @escaping @Sendable (StreamAccumulator, StreamEnding) async -> Void = { _, _ in }
    ) -> ChunkStream {
        let (stream, continuation) = ChunkStream.makeStream()
        let idleTimer = CancellationTimer()
        let idleTimeout = UpstreamError.timeout(afterMs: idleTimeoutMs, what: "stream (no chunk)")
        let task = Task(executorPreference: EventLoopTaskExecutor.current) {
            var accumulated = StreamAccumulator()
            var guarded = outputGuard
            var next: JSONValue? = first
            var handedOn = 0
            do {
                idleTimer.armIdle(milliseconds: idleTimeoutMs)
                while let chunk = next {
                    // What the client may see is also what the trace keeps.
                    let visible = guarded == nil ? chunk : try guarded!.filter(chunk)
                    if let visible {
                        accumulated.add(visible)
                        if let shaped = shape(visible) {
                            backlog?.produced()
                            continuation.yield(shaped)
                            handedOn += 1
                            // The first chunk goes to the client before the rest of a burst is read;
                            // the rest of a burst the upstream sent at once goes out together.
                            if handedOn == 1 || backlog == nil { await Task.yield() }
                            // A client behind by the backlog's limit holds the upstream back. The
                            // wait is the client's, not the upstream's: no idle timeout runs in it.
                            if let backlog, backlog.isFull {
                                idleTimer.disarm()
                                await backlog.roomAvailable()
                                idleTimer.armIdle(milliseconds: idleTimeoutMs)
                            }
                        }
                    }
                    idleTimer.touch()
                    next = try await rest.next()
                }
                idleTimer.disarm()
                if idleTimer.fired { throw idleTimeout }
                for chunk in try guarded?.finish() ?? [] {
                    accumulated.add(chunk)
                    if let shaped = shape(chunk) {
                        backlog?.produced()
                        continuation.yield(shaped)
                    }
                }
                accumulated.guardrails = guarded?.verdicts.map(\.json) ?? []
                // A cancelled upstream iteration ends quietly: that is the client going away.
                await onEnd(accumulated, Task.isCancelled ? .cancelled : .completed)
                continuation.finish()
            } catch {
                idleTimer.disarm()
                accumulated.guardrails = guarded?.verdicts.map(\.json) ?? []
                if !idleTimer.fired && (Task.isCancelled || error is CancellationError) {
                    await onEnd(accumulated, .cancelled)
                    continuation.finish()
                } else {
                    let clientError = errors.map(idleTimer.fired ? idleTimeout : error)
                    await onEnd(accumulated, .failed(clientError))
                    continuation.finish(throwing: clientError)
                }
            }
        }
        idleTimer.guarding(task)
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
