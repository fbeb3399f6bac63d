import Foundation
import KeelCore
import KeelStore

/// Reads an OTLP/HTTP JSON `ExportTraceServiceRequest` into spans. Deprecated `gen_ai.*`
/// attribute names are kept and their current names added.
enum OTLPSpanDecoder {
    static let renamedAttributes = [
        "gen_ai.system": "gen_ai.provider.name",
        "gen_ai.usage.prompt_tokens": "gen_ai.usage.input_tokens",
        "gen_ai.usage.completion_tokens": "gen_ai.usage.output_tokens",
    ]

    /// Every span of the body, from `scopeSpans` and from `instrumentationLibrarySpans` (the older
    /// name); a part of the wrong type is a 400 naming where it is.
    static func spans(from body: JSONValue) throws(KeelError) -> [Span] {
        guard let resourceSpans = body["resourceSpans"]?.arrayValue else {
            throw KeelError.invalidRequest("Expected an OTLP JSON body with 'resourceSpans'.", param: "resourceSpans", code: "invalid_otlp")
        }
        var spans: [Span] = []
        for (resourceIndex, resource) in resourceSpans.enumerated() {
            let resourcePath = "resourceSpans[\(resourceIndex)]"
            try expectObject(resource, at: resourcePath)
            let service = attributes(resource["resource"]?["attributes"])["service.name"]?.stringValue
            for key in ["scopeSpans", "instrumentationLibrarySpans"] {
                for (scopeIndex, scope) in try list(resource[key], at: "\(resourcePath).\(key)").enumerated() {
                    let scopePath = "\(resourcePath).\(key)[\(scopeIndex)]"
                    try expectObject(scope, at: scopePath)
                    for (spanIndex, span) in try list(scope["spans"], at: "\(scopePath).spans").enumerated() {
                        let path = "\(scopePath).spans[\(spanIndex)]"
                        try expectObject(span, at: path)
                        spans.append(try decode(span, service: service, path: path))
                    }
                }
            }
        }
        return spans
    }

    /// An array that may be absent (or null): empty then.
    private static func list(_ value: JSONValue?, at path: String) throws(KeelError) -> [JSONValue] {
        switch value {
        case nil, .null?: return []
        case .array(let items)?: return items
        case let other?:
            throw KeelError.invalidRequest("'\(path)' must be an array, not \(other.typeName).", param: path, code: "invalid_otlp")
        }
    }

    private static func expectObject(_ value: JSONValue, at path: String) throws(KeelError) {
        guard value.objectValue == nil else { return }
        throw KeelError.invalidRequest("'\(path)' must be an object, not \(value.typeName).", param: path, code: "invalid_otlp")
    }

    private static func decode(_ span: JSONValue, service: String?, path: String) throws(KeelError) -> Span {
        func id(_ key: String, length: Int) throws(KeelError) -> String {
            guard let value = span[key]?.stringValue.flatMap({ hexID($0, length: length) }) else {
                throw KeelError.invalidRequest("'\(path).\(key)' must be \(length) hex digits.", param: "\(path).\(key)", code: "invalid_otlp")
            }
            return value
        }
        func nanos(_ key: String) throws(KeelError) -> Int64 {
            if let text = span[key]?.stringValue, let value = Int64(text) { return value }
            if let value = span[key]?.integerValue { return value }
            throw KeelError.invalidRequest("'\(path).\(key)' must be a time in nanoseconds.", param: "\(path).\(key)", code: "invalid_otlp")
        }
        guard let name = span["name"]?.stringValue else {
            throw KeelError.invalidRequest("Missing required parameter: '\(path).name'.", param: "\(path).name", code: "invalid_otlp")
        }
        let parent = span["parentSpanId"]?.stringValue.flatMap { hexID($0, length: 16) }
        var attributes = attributes(span["attributes"])
        for (old, new) in renamedAttributes where attributes[new] == nil {
            if let value = attributes[old] { attributes[new] = value }
        }
        return Span(
            traceID: try id("traceId", length: 32), spanID: try id("spanId", length: 16), parentSpanID: parent, name: name,
            kind: span["kind"]?.intValue ?? kind(span["kind"]?.stringValue), service: service,
            startNanos: try nanos("startTimeUnixNano"), endNanos: try nanos("endTimeUnixNano"),
            statusCode: span["status"]?["code"]?.intValue ?? statusCode(span["status"]?["code"]?.stringValue),
            statusMessage: span["status"]?["message"]?.stringValue, attributes: attributes)
    }

    /// A trace or span id in hex, as OTLP/JSON sends it, or in base64, as exporters that use the
    /// plain protobuf JSON mapping (swift-otel among them) send it.
    static func hexID(_ text: String, length: Int) -> String? {
        let lowered = text.lowercased()
        let isASCIIHex = { (byte: UInt8) in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
        }
        if lowered.utf8.count == length, lowered.utf8.allSatisfy(isASCIIHex) { return lowered }
        guard let bytes = Data(base64Encoded: text), bytes.count * 2 == length else { return nil }
        return bytes.lowercaseHex
    }

    /// OTLP `[{"key", "value": AnyValue}]` to plain JSON.
    static func attributes(_ list: JSONValue?) -> JSONObject {
        var result: JSONObject = [:]
        for item in list?.arrayValue ?? [] {
            guard let key = item["key"]?.stringValue else { continue }
            result[key] = value(item["value"])
        }
        return result
    }

    private static func value(_ any: JSONValue?) -> JSONValue {
        guard let any else { return .null }
        if let text = any["stringValue"] { return text }
        if let bool = any["boolValue"] { return bool }
        if let int = any["intValue"] { return int.stringValue.flatMap { Int64($0) }.map(JSONValue.int) ?? int }
        if let double = any["doubleValue"] { return double }
        if let array = any["arrayValue"]?["values"]?.arrayValue { return .array(array.map { value($0) }) }
        if let list = any["kvlistValue"]?["values"] { return .object(attributes(list)) }
        if let bytes = any["bytesValue"] { return bytes }
        return .null
    }

    private static func kind(_ name: String?) -> Int? {
        ["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"]
            .firstIndex { $0 == name }
    }

    private static func statusCode(_ name: String?) -> Int? {
        ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"].firstIndex { $0 == name }
    }
}

/// The spans of one W3C trace as a tree: Keel's requests (with their attempts) and the
/// application's own spans, each under its parent.
enum SpanTree {
    static func build(keelTraces: [Trace], spans: [Span]) -> JSONValue {
        var nodes: [(id: String, parent: String?, start: Int64, node: JSONObject)] = []
        for trace in keelTraces {
            guard let spanID = trace.spanID else { continue }
            let start = Int64(trace.startedAt.timeIntervalSince1970 * 1e9)
            var children: [JSONValue] = []
            for attempt in trace.attempts {
                children.append([
                    "type": "keel_attempt", "name": .string("attempt \(attempt.provider)/\(attempt.upstreamModel)"),
                    "outcome": .string(attempt.outcome.rawValue), "status": attempt.status.map { .int(Int64($0)) } ?? .null,
                    "duration_ms": .double(attempt.latencyMs), "children": [],
                ])
            }
            nodes.append(
                (
                    spanID, trace.parentSpanID, start,
                    [
                        "type": "keel_request", "span_id": .string(spanID), "trace_id": .string(trace.id),
                        "name": .string("\(trace.operation) \(trace.model)"), "status": .string(trace.status),
                        "duration_ms": .double(trace.latencyMs),
                        "start_time": .string(Trace.format(trace.startedAt)), "children": .array(children),
                    ]
                ))
        }
        for span in spans {
            var node = span.json.objectValue ?? [:]
            node["type"] = "app_span"
            node["children"] = []
            nodes.append((span.spanID, span.parentSpanID, span.startNanos, node))
        }
        nodes.sort { $0.start < $1.start }
        let ids = Set(nodes.map(\.id))
        func subtree(_ id: String) -> [JSONValue] {
            nodes.filter { $0.parent == id }.map { child in
                var node = child.node
                node["children"] = .array((node["children"]?.arrayValue ?? []) + subtree(child.id))
                return .object(node)
            }
        }
        let roots = nodes.filter { $0.parent.map { !ids.contains($0) } ?? true }
        return .array(
            roots.map { root in
                var node = root.node
                node["children"] = .array((node["children"]?.arrayValue ?? []) + subtree(root.id))
                return .object(node)
            })
    }
}
