import Foundation
import KeelCore

/// Turns a provider's own stream events into OpenAI chunks, one event at a time.
protocol StreamEventTranslator: Sendable {
    mutating func translate(_ event: ServerSentEvent) throws(UpstreamError) -> [JSONValue]
    /// Chunks owed when the upstream stream ends.
    mutating func finish() -> [JSONValue]
}

extension AnthropicStreamTranslator: StreamEventTranslator {
    mutating func finish() -> [JSONValue] { [] }
}


enum StreamEventTranslation {
    static func chunks<Translator: StreamEventTranslator>(
        from events: some AsyncSequence<ServerSentEvent, any Error> & Sendable, translator: Translator
    ) -> ChunkStream {
        let (stream, continuation) = ChunkStream.makeStream()
        let task = Task {
            var translator = translator
            do {
                for try await event in events {
                    for chunk in try translator.translate(event) { continuation.yield(chunk) }
                }
                for chunk in translator.finish() { continuation.yield(chunk) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    static var now: Int { Int(Date().timeIntervalSince1970) }
}
extension GeminiStreamTranslator: StreamEventTranslator {}
