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

extension GeminiStreamTranslator: StreamEventTranslator {}

/// Chunks out of server-sent events, produced in the consumer's own task as it asks for them:
/// no task in between, so a burst of events is parsed, relayed and written one chunk at a
/// time, and dropping the stream drops the connection's body, which closes it.
enum StreamEventTranslation {
    static func chunks<Translator: StreamEventTranslator, Events: AsyncSequence & Sendable>(
        from events: Events, translator: Translator
    ) -> ChunkStream where Events.Element == ServerSentEvent, Events.Failure == any Error {
        let reader = ChunkReader(events: events.makeAsyncIterator(), translator: translator)
        return ChunkStream(unfolding: { try await reader.next() })
    }

    static var now: Int { Int(Date().timeIntervalSince1970) }
}

/// The state of one stream's translation. A stream has a single iterator, so only one task
/// reads it at a time: the state is never touched concurrently.
private final class ChunkReader<Events: AsyncIteratorProtocol, Translator: StreamEventTranslator>: @unchecked Sendable
where Events.Element == ServerSentEvent {
    private var events: Events
    private var translator: Translator
    private var pending: [JSONValue] = []
    private var finished = false

    init(events: Events, translator: Translator) {
        self.events = events
        self.translator = translator
    }

    func next() async throws -> JSONValue? {
        while pending.isEmpty {
            guard !finished else { return nil }
            if let event = try await events.next() {
                pending = try translator.translate(event)
            } else {
                finished = true
                pending = translator.finish()
            }
        }
        return pending.removeFirst()
    }
}
