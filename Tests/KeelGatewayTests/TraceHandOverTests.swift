import Foundation
import KeelCore
import KeelProviders
import KeelStore
import Synchronization
import Testing

@testable import KeelGateway

/// Keeps the traces handed to it.
final class TraceCapture: TraceSink {
    private let traces = Mutex<[Trace]>([])
    var all: [Trace] { traces.withLock { $0 } }
    func begin() {}
    func enqueue(_ trace: consuming Trace) async {
        let trace = trace
        traces.withLock { $0.append(trace) }
    }
    func record(_ event: StoredEvent) async {}
}

/// What a trace carries to the store: the client's own bytes when Keel stores them unchanged,
/// without the parsed copy (let go on the request's thread); the parsed request otherwise.
@Suite struct TraceHandOverTests {
    private static func gateway(_ sink: TraceCapture) throws -> Gateway {
        let config = try ConfigLoader.parse(
            yaml: """
                providers:
                  - {name: local, kind: mock}
                models:
                  - {name: chat, targets: [{provider: local, model: echo}]}
                """)
        return Gateway(config: config, providers: ["local": MockProvider(name: "local")], traces: sink)
    }

    @Test func anUnchangedRequestGoesAsItsBytesWithoutTheParsedCopy() async throws {
        let sink = TraceCapture()
        let body = #"{"model":"chat","messages":[{"role":"user","content":"hello"}],"temperature":0.2}"#
        _ = try await Self.gateway(sink).chatCompletion(IncomingRequest(body: Data(body.utf8), headers: [:]))
        let trace = try #require(sink.all.first)
        #expect(trace.requestJSON == body)
        #expect(trace.request == .null)
    }

    @Test func aRequestStoredReencodedKeepsItsParsedCopy() async throws {
        let sink = TraceCapture()
        // `\u00e9` is escaped needlessly: the store gets the request encoded again, so searchable.
        let body = #"{"model":"chat","messages":[{"role":"user","content":"caf\u00e9"}]}"#
        _ = try await Self.gateway(sink).chatCompletion(IncomingRequest(body: Data(body.utf8), headers: [:]))
        let trace = try #require(sink.all.first)
        #expect(trace.requestJSON == nil)
        #expect(trace.request["messages"]?[0]?["content"]?.stringValue == "café")
    }
}
