import Foundation
import KeelCore

/// A span an application sent (OTLP), attached to Keel's traces by its W3C trace id.
public struct Span: Sendable, Equatable {
    public var traceID: String
    public var spanID: String
    public var parentSpanID: String?
    public var name: String
    public var kind: Int?
    public var service: String?
    public var startNanos: Int64
    public var endNanos: Int64
    public var statusCode: Int?
    public var statusMessage: String?
    /// Attribute keys to plain JSON values.
    public var attributes: JSONObject

    public init(
        traceID: String, spanID: String, parentSpanID: String?, name: String, kind: Int?, service: String?, startNanos: Int64, endNanos: Int64,
        statusCode: Int?, statusMessage: String?, attributes: JSONObject
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.name = name
        self.kind = kind
        self.service = service
        self.startNanos = startNanos
        self.endNanos = endNanos
        self.statusCode = statusCode
        self.statusMessage = statusMessage
        self.attributes = attributes
    }

    public var json: JSONValue {
        [
            "trace_id": .string(traceID), "span_id": .string(spanID), "parent_span_id": parentSpanID.json, "name": .string(name),
            "kind": kind.json, "service": service.json,
            "start_time": .string(Trace.format(Date(timeIntervalSince1970: Double(startNanos) / 1e9))),
            "duration_ms": .double(((Double(endNanos) - Double(startNanos)) / 1e6).rounded3), "status_code": statusCode.json,
            "status_message": statusMessage.json, "attributes": .object(attributes),
        ]
    }
}
