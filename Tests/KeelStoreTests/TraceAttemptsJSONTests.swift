import Foundation
import KeelCore
import Testing

@testable import KeelStore

@Suite struct TraceAttemptsJSONTests {
    /// The stores write a trace's attempts straight as JSON text: it must read back as the
    /// attempts' JSON value encoded did, whatever the attempts hold.
    @Test(arguments: [
        [],
        [Trace.Attempt(provider: "openai", upstreamModel: "gpt-4o", outcome: .ok, status: 200, latencyMs: 99.1234)],
        [
            Trace.Attempt(
                provider: "anthropic", upstreamModel: "claude \"3\"", outcome: .error, status: 529,
                error: "overloaded:\n\t\u{1}é “quoted” \\ /", latencyMs: 1_234.5),
            Trace.Attempt(provider: "mock", upstreamModel: "m", outcome: .skipped, latencyMs: 0),
            Trace.Attempt(provider: "p", upstreamModel: "u", outcome: .resent, error: "sent again", latencyMs: 0.0004),
        ],
    ])
    func writtenAttemptsReadBackAsTheirJSON(_ attempts: [Trace.Attempt]) throws {
        var trace = Trace(id: "t", startedAt: Date(timeIntervalSince1970: 0), latencyMs: 1, model: "m")
        trace.attempts = attempts
        var written: [UInt8] = []
        trace.writeAttemptsJSON(into: &written)
        // Read back as the encoded value was (a whole number of milliseconds reads as an integer).
        let encoded = JSONValue.array(attempts.map(\.json)).encodedBytes()
        #expect(try JSONValue.parse(Data(written)) == JSONValue.parse(Data(encoded)), "\(String(decoding: written, as: UTF8.self))")
    }
}
