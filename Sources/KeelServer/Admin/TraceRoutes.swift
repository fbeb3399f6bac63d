import Foundation
import Hummingbird
import KeelCore
import KeelStore

/// The admin API over traces: `/api/traces`, `/api/traces/{id}`, `/api/stats`, `/api/events`.
struct TraceRoutes {
    let store: any TraceStore

    func register(on routes: AccessGroup) {
        routes.get("/api/traces") { request, _ in
            let page = try await store.traces(try TraceQueryParameters.query(from: request))
            return Response.json(["data": .array(page.traces.map(\.json)), "next_cursor": page.nextCursor.map(JSONValue.string) ?? .null])
        }
        routes.get("/api/traces/{id}") { _, context in
            let id = try context.parameters.require("id")
            guard let trace = try await store.trace(id: id) else {
                throw KeelError(status: 404, type: "invalid_request_error", message: "No trace has the id '\(id)'.", param: "id", code: "trace_not_found")
            }
            var json = trace.json.objectValue ?? [:]
            if let otelTraceID = trace.otelTraceID {
                let spans = try await store.spans(otelTraceID: otelTraceID)
                let related = try await store.traces(otelTraceID: otelTraceID)
                json["spans"] = SpanTree.build(keelTraces: related, spans: spans)
            }
            return Response.json(.object(json))
        }
        routes.post("/v1/traces") { request, _ in
            var request = request
            if let type = request.headers[.contentType], type.contains("protobuf") {
                throw KeelError(
                    status: 415, type: "invalid_request_error", message: "Keel accepts OTLP/HTTP in JSON (application/json), not protobuf.",
                    code: "unsupported_media_type")
            }
            let data = try await request.collectBody(limit: 16 * 1024 * 1024)
            let body: JSONValue
            do throws(JSONParseError) {
                body = try JSONValue.parse(data)
            } catch {
                throw KeelError.invalidRequest("We could not parse the JSON body of your request: \(error.message)", code: "invalid_json")
            }
            try await store.insertSpans(try OTLPSpanDecoder.spans(from: body))
            return Response.json(["partialSuccess": [:]])
        }
        routes.get("/api/stats") { request, _ in
            let parameters = request.uri.queryParameters
            let window = try TraceQueryParameters.duration(parameters["window"].map(String.init) ?? "1h", param: "window")
            let groupText = parameters["group_by"].map(String.init) ?? "none"
            guard let grouping = StatsQuery.Grouping(rawValue: groupText) else {
                throw KeelError.invalidRequest(
                    "Invalid value for 'group_by': '\(groupText)'. Supported values are: model, provider, user, none.", param: "group_by",
                    code: "invalid_value")
            }
            let rows = try await store.stats(StatsQuery(since: Date().addingTimeInterval(-window), groupBy: grouping))
            return Response.json([
                "window_seconds": .int(Int64(window)), "group_by": .string(grouping.rawValue), "data": .array(rows.map(\.json)),
            ])
        }
        routes.get("/api/events") { request, _ in
            let parameters = request.uri.queryParameters
            let since = try parameters["since"].map { try TraceQueryParameters.date(String($0), param: "since") }
            let events = try await store.events(since: since, limit: Int(parameters["limit"].map(String.init) ?? "") ?? 100)
            return Response.json(["data": .array(events.map(\.json))])
        }
    }
}

/// Query-string parameters of the trace API, each error naming its parameter.
enum TraceQueryParameters {
    static func query(from request: Request) throws -> TraceQuery {
        let parameters = request.uri.queryParameters
        func value(_ key: String) -> String? {
            parameters[Substring(key)].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        }
        var query = TraceQuery()
        query.model = value("model")
        query.provider = value("provider")
        query.status = value("status")
        query.user = value("user")
        query.session = value("session")
        query.tag = value("tag")
        query.search = value("q") ?? value("search")
        query.cursor = value("cursor")
        if let cursor = query.cursor, !cursor.contains("_") {
            throw KeelError.invalidRequest("Invalid value for 'cursor'.", param: "cursor", code: "invalid_value")
        }
        query.since = try value("since").map { try date($0, param: "since") }
        query.until = try value("until").map { try date($0, param: "until") }
        if let limit = value("limit") {
            guard let number = Int(limit), (1...1000).contains(number) else {
                throw KeelError.invalidRequest("Invalid value for 'limit': expected an integer from 1 to 1000.", param: "limit", code: "invalid_value")
            }
            query.limit = number
        }
        return query
    }

    static func date(_ text: String, param: String) throws -> Date {
        guard let date = TimeText.date(text) else {
            throw KeelError.invalidRequest(
                "Invalid value for '\(param)': expected an ISO 8601 time, unix seconds or a duration such as 30m.", param: param,
                code: "invalid_value")
        }
        return date
    }

    static func duration(_ text: String, param: String) throws -> TimeInterval {
        guard let seconds = TimeText.duration(text) else {
            throw KeelError.invalidRequest(
                "Invalid value for '\(param)': expected a duration such as 30m, 1h or 7d.", param: param, code: "invalid_value")
        }
        return seconds
    }
}
