import Foundation
import Hummingbird
import KeelCore
import KeelGateway
import KeelStore

/// The admin API over traces: `/api/traces`, `/api/traces/{id}`, `/api/stats`.
struct TraceRoutes {
    let store: any TraceStore & ScoreStore
    /// The gateway whose prompt catalog renders a call by reference stored as called.
    let gateway: Gateway

    func register(on routes: AccessGroup) {
        routes.get("/api/traces") { request, _ in
            let prompts = gateway.snapshot.prompts
            var query = try TraceQueryParameters.query(from: request)
            query.searchedVersions = query.search.map { PromptLibrary.versions(containing: $0, in: prompts) } ?? []
            let page = try await store.traces(query)
            return Response.json([
                "data": .array(page.traces.map { $0.withSentRequest(from: prompts).json }),
                "next_cursor": page.nextCursor.map(JSONValue.string) ?? .null,
            ])
        }
        routes.get("/api/traces/{id}") { _, context in
            let id = try context.pathParameter("id")
            guard let trace = try await store.trace(id: id) else {
                throw KeelError(
                    status: 404, type: "invalid_request_error", message: "No trace has the id '\(id)'.", param: "id", code: "trace_not_found")
            }
            var json = trace.withSentRequest(from: gateway.snapshot.prompts).json.objectValue ?? [:]
            json["scores"] = .array(try await store.scores(traceID: id).map(\.json))
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
            let groupText = try QueryValue.oneOf(parameters["group_by"], "group_by", ["model", "provider", "user", "prompt", "none"]) ?? "none"
            let grouping = StatsQuery.Grouping(rawValue: groupText) ?? .none
            let rows = try await store.stats(StatsQuery(since: Date().addingTimeInterval(-window), groupBy: grouping))
            return Response.json([
                "window_seconds": .int(Int64(window)), "group_by": .string(grouping.rawValue), "data": .array(rows.map(\.json)),
            ])
        }
    }
}

/// Query-string parameters of the trace API, each error naming its parameter.
enum TraceQueryParameters {
    static func query(from request: Request) throws -> TraceQuery {
        let parameters = request.uri.queryParameters
        /// A filter's text: an empty one filters nothing.
        func filter(_ key: String) -> String? {
            parameters[Substring(key)].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        }
        /// A typed value: an empty one is as wrong as any other that is not one.
        func typed(_ key: String) -> String? { parameters[Substring(key)].map(String.init) }
        var query = TraceQuery()
        query.model = filter("model")
        query.provider = filter("provider")
        query.status = filter("status")
        query.user = filter("user")
        query.session = filter("session")
        query.tag = filter("tag")
        if let prompt = filter("prompt") {
            guard let parsed = PromptFilter(prompt) else {
                throw KeelError.invalidRequest(
                    "Invalid value for 'prompt': '\(prompt)' (expected NAME or NAME@VERSION).", param: "prompt", code: "invalid_value")
            }
            query.prompt = parsed
        }
        query.search = filter("q") ?? filter("search")
        query.cursor = typed("cursor")
        if let cursor = query.cursor, TraceCursor.decode(cursor) == nil {
            throw KeelError.invalidRequest(
                "Invalid value for 'cursor': pass the 'next_cursor' of the previous page.", param: "cursor", code: "invalid_value")
        }
        query.since = try typed("since").map { try date($0, param: "since") }
        query.until = try typed("until").map { try date($0, param: "until") }
        query.limit = try QueryValue.integer(parameters["limit"], "limit", in: 1...1000) ?? query.limit
        return query
    }

    static func date(_ text: String, param: String) throws -> Date {
        guard let date = TimeText.date(text) else {
            throw KeelError.invalidRequest(
                "Invalid value for '\(param)': expected an RFC 3339 time, unix seconds or a duration such as 30m.", param: param,
                code: "invalid_value")
        }
        return date
    }

    static func duration(_ text: String, param: String) throws -> TimeInterval {
        guard let seconds = TimeText.duration(text) else {
            throw KeelError.invalidRequest(
                "Invalid value for '\(param)': expected 1 to 99999 seconds, minutes, hours or days, such as 30m, 1h or 7d.", param: param,
                code: "invalid_value")
        }
        return seconds
    }
}
