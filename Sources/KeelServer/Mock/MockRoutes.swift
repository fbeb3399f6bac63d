import Foundation
import HTTPTypes
import Hummingbird
import KeelCore
import KeelProviders
import Synchronization

/// `keel mock`: Keel's mock provider as a standalone server that speaks the OpenAI API, the
/// Anthropic Messages API and the Gemini API, for tests, demos and benchmarks.
struct MockRoutes<Context: RequestContext> {
    let engine: MockEngine
    let maxBodyBytes: Int
    let collector = MockCollector()
    let alerts = MockCollector()

    func register(on router: Router<Context>) {
        router.post("/v1/chat/completions") { request, _ in try await openAIChat(request) }
        router.post("/v1/embeddings") { request, _ in try await openAIEmbeddings(request) }
        router.get("/v1/models") { _, _ in
            Response.json(["object": "list", "data": [["id": "echo", "object": "model", "created": 0, "owned_by": "keel-mock"]]])
        }
        registerProviderProtocols(on: router)
        // A stand-in OpenTelemetry collector (OTLP/HTTP JSON), for tests of Keel's span export.
        router.post("/v1/traces") { request, _ in
            var request = request
            let body = try await MockRequest.object(from: request.collectBody(limit: maxBodyBytes))
            collector.record(.object(body))
            return Response.json([:])
        }
        router.get("/mock/otlp") { _, _ in Response.json(["requests": .array(collector.received)]) }
        // A stand-in alert receiver (PagerDuty Events v2, Slack, Alertmanager webhooks all POST
        // JSON): what it received, with the channel named in the path, at GET /mock/alerts.
        router.post("/mock/alerts/{channel}") { request, context in
            var request = request
            let body = try await MockRequest.object(from: request.collectBody(limit: maxBodyBytes))
            alerts.record(["channel": .string(context.parameters.get("channel") ?? ""), "body": .object(body)])
            return Response.json(["status": "success", "message": "Event processed"], status: .accepted)
        }
        router.get("/mock/alerts") { _, _ in Response.json(["alerts": .array(alerts.received)]) }
        router.get("/mock/stats") { _, _ in
            let stats = engine.stats
            return Response.json([
                "requests": .int(Int64(stats.requests)), "active_streams": .int(Int64(stats.activeStreams)),
                "cancelled_streams": .int(Int64(stats.cancelledStreams)),
            ])
        }
    }

    private func openAIChat(_ request: Request) async throws -> Response {
        var request = request
        let body = try await MockRequest.object(from: request.collectBody(limit: maxBodyBytes))
        let includeUsage = body["stream_options"]?["include_usage"]?.boolValue == true
        let wire = MockWireFormat(
            completion: OpenAIMockCodec.completion(from:),
            events: { reply in
                var chunks = OpenAIMockCodec.chunks(from: reply)
                if !includeUsage { chunks.removeLast() }
                return chunks.map { ServerSentEvent(data: $0.encodedString()) } + [ServerSentEvent(data: "[DONE]")]
            },
            errorBody: MockErrors.openAIBody, errorEvent: { ServerSentEvent(data: MockErrors.openAIBody($0).encodedString()) })
        return try await answer(OpenAIMockCodec.prompt(from: body), headers: request.headers, in: wire)
    }

    /// Answers `prompt` in a wire format: waits, fails or streams as the behaviour says.
    func answer(_ prompt: MockPrompt, headers: HTTPFields, in wire: MockWireFormat) async throws -> Response {
        let behaviour = MockBehaviour.parse(model: prompt.model, headers: headers.lowercasedDictionary)
        let reply: MockReply
        do {
            reply = try await engine.respond(to: prompt, behaviour: behaviour)
        } catch var failure as MockEngine.Failure {
            if behaviour.echoKey { failure.message += " Incorrect API key provided: \(MockErrors.credential(in: headers))." }
            return .json(wire.errorBody(failure), status: .init(code: failure.status), headers: MockErrors.headers(failure))
        }
        guard prompt.stream else { return .json(wire.completion(reply)) }
        return stream(wire.events(reply), behaviour: behaviour, failureEvent: wire.errorEvent)
    }

    private func openAIEmbeddings(_ request: Request) async throws -> Response {
        var request = request
        let body = try await MockRequest.object(from: request.collectBody(limit: maxBodyBytes))
        let model = body["model"]?.stringValue ?? ""
        let behaviour = MockBehaviour.parse(model: model, headers: request.headers.lowercasedDictionary)
        do {
            _ = try await engine.respond(to: MockPrompt(model: model, lastUserText: ""), behaviour: behaviour)
        } catch let failure as MockEngine.Failure {
            return MockErrors.openAI(failure)
        }
        return .json(try OpenAIMockCodec.embeddings(for: body))
    }

    /// Sends `events` paced as `behaviour` says, breaking off with `failureEvent` where told.
    func stream(
        _ events: [ServerSentEvent], behaviour: MockBehaviour,
        failureEvent: @escaping @Sendable (MockEngine.Failure) -> ServerSentEvent
    ) -> Response {
        let engine = self.engine
        let body = ResponseBody { writer in
            try await engine.trackStream {
                for (index, event) in events.enumerated() {
                    do {
                        try await engine.pace(piece: index, behaviour: behaviour)
                    } catch let failure as MockEngine.Failure {
                        try await writer.write(ByteBuffer(string: failureEvent(failure).encoded()))
                        return
                    }
                    try await writer.write(ByteBuffer(string: event.encoded()))
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}

enum MockRequest {
    static func object(from data: Data) throws -> JSONObject {
        guard let object = (try? JSONValue.parse(data))?.objectValue else {
            throw KeelError.invalidRequest("The mock expects a JSON object body.", code: "invalid_json")
        }
        return object
    }
}

/// What the mock's collector endpoint received.
final class MockCollector: Sendable {
    private let requests = Mutex<[JSONValue]>([])

    func record(_ request: JSONValue) { requests.withLock { $0.append(request) } }
    var received: [JSONValue] { requests.withLock { $0 } }
}

/// How one wire protocol writes the mock's answers and failures.
struct MockWireFormat: Sendable {
    let completion: @Sendable (MockReply) -> JSONValue
    let events: @Sendable (MockReply) -> [ServerSentEvent]
    let errorBody: @Sendable (MockEngine.Failure) -> JSONValue
    let errorEvent: @Sendable (MockEngine.Failure) -> ServerSentEvent
}

/// A mock failure in each protocol's error format.
enum MockErrors {
    /// The key a request carried, in whichever header its protocol uses.
    static func credential(in headers: HTTPFields) -> String {
        let names = ["authorization", "x-api-key", "x-goog-api-key"].compactMap { HTTPField.Name($0) }
        return names.lazy.compactMap { headers[$0] }.first ?? "(none)"
    }

    static func headers(_ failure: MockEngine.Failure) -> HTTPFields {
        var headers: HTTPFields = [:]
        if let seconds = failure.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        return headers
    }

    static func openAIBody(_ failure: MockEngine.Failure) -> JSONValue {
        KeelError(status: failure.status, type: KeelError.type(forStatus: failure.status), message: failure.message, code: "mock_failure").body
    }

    static func openAI(_ failure: MockEngine.Failure) -> Response {
        .json(openAIBody(failure), status: .init(code: failure.status), headers: headers(failure))
    }

    static func anthropicBody(_ failure: MockEngine.Failure) -> JSONValue {
        let type: String
        switch failure.status {
        case 429: type = "rate_limit_error"
        case 529: type = "overloaded_error"
        case 400: type = "invalid_request_error"
        case 401: type = "authentication_error"
        case 403: type = "permission_error"
        case 404: type = "not_found_error"
        default: type = "api_error"
        }
        return ["type": "error", "error": ["type": .string(type), "message": .string(failure.message)]]
    }

    static func geminiBody(_ failure: MockEngine.Failure) -> JSONValue {
        let status: String
        switch failure.status {
        case 429: status = "RESOURCE_EXHAUSTED"
        case 400: status = "INVALID_ARGUMENT"
        case 403: status = "PERMISSION_DENIED"
        case 404: status = "NOT_FOUND"
        case 503: status = "UNAVAILABLE"
        default: status = "INTERNAL"
        }
        return ["error": ["code": .int(Int64(failure.status)), "message": .string(failure.message), "status": .string(status)]]
    }

}
