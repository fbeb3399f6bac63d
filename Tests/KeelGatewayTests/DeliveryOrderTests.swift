import Foundation
import KeelCore
import KeelProviders
import KeelStore
import Synchronization
import Testing

@testable import KeelGateway

/// What happened, in order: deliveries and traces handed to the sink.
private final class EventLog: Sendable {
    private let entries = Mutex<[String]>([])
    func add(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}

/// A sink that notes when a trace is handed over.
private final class OrderedSink: TraceSink {
    let log: EventLog
    init(log: EventLog) { self.log = log }
    func begin() {}
    func enqueue(_ trace: consuming Trace) async { log.add("trace \(trace.operation) \(trace.status)") }
    func record(_ event: StoredEvent) async {}
}

/// A whole answer goes to the client before its trace is made: pricing, metrics and the store
/// are not part of the answer's latency. Keel's own callers get the answer once it is recorded.
@Suite struct DeliveryOrderTests {
    static let config = """
        providers:
          - {name: local, kind: mock}
        models:
          - {name: chat, targets: [{provider: local, model: echo}]}
          - {name: embed, targets: [{provider: local, model: embed}]}
        """

    private static func gateway(log: EventLog) throws -> Gateway {
        let config = try ConfigLoader.parse(yaml: Self.config)
        return Gateway(config: config, providers: ["local": MockProvider(name: "local")], traces: OrderedSink(log: log))
    }

    private static func request(_ json: JSONValue) -> IncomingRequest {
        IncomingRequest(body: json.encoded(), headers: [:])
    }

    @Test func aChatAnswerIsDeliveredBeforeItsTraceIsRecorded() async throws {
        let log = EventLog()
        let gateway = try Self.gateway(log: log)
        let body: JSONValue = ["model": "chat", "messages": [["role": "user", "content": "hello"]]]
        try await gateway.chatCompletion(Self.request(body)) { response in
            let recordedYet = log.all
            #expect(recordedYet.isEmpty)
            #expect(response.content.wholeAnswer?["object"]?.stringValue == "chat.completion")
            log.add("delivered")
        }
        #expect(log.all == ["delivered", "trace chat ok"])
    }

    @Test func embeddingsAreDeliveredBeforeTheirTraceIsRecorded() async throws {
        let log = EventLog()
        let gateway = try Self.gateway(log: log)
        try await gateway.embeddings(Self.request(["model": "embed", "input": "hello"])) { _ in
            log.add("delivered")
        }
        #expect(log.all == ["delivered", "trace embeddings ok"])
    }

    @Test func keelsOwnCallersGetTheAnswerOnceItIsRecorded() async throws {
        let log = EventLog()
        let gateway = try Self.gateway(log: log)
        let body: JSONValue = ["model": "chat", "messages": [["role": "user", "content": "hello"]]]
        let response = try await gateway.chatCompletion(Self.request(body))
        #expect(response.content.wholeAnswer != nil)
        #expect(log.all == ["trace chat ok"])
    }

    @Test func aFailedRequestIsRecordedAndNeverDelivered() async throws {
        let log = EventLog()
        let gateway = try Self.gateway(log: log)
        let body: JSONValue = ["model": "nonexistent", "messages": [["role": "user", "content": "hello"]]]
        await #expect(throws: GatewayError.self) {
            try await gateway.chatCompletion(Self.request(body)) { _ in log.add("delivered") }
        }
        #expect(log.all == ["trace chat invalid_request_error"])
    }
}
