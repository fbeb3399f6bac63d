import KeelCore
import KeelStore
import Testing

@Suite struct SpanJSONTests {
    /// An application may send any 64-bit times: the span's duration once overflowed Int64 on
    /// `GET /api/traces/{id}` and stopped the gateway.
    @Test func extremeTimesGiveADurationWithoutOverflow() {
        let span = Span(
            traceID: String(repeating: "a", count: 32), spanID: String(repeating: "b", count: 16), parentSpanID: nil, name: "far",
            kind: nil, service: nil, startNanos: .min, endNanos: .max, statusCode: nil, statusMessage: nil, attributes: [:])
        let duration = span.json["duration_ms"]?.doubleValue
        #expect(duration.map { $0 > 1.8e13 && $0.isFinite } == true, "\(String(describing: duration))")
    }
}
