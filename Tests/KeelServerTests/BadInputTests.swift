import Foundation
import KeelCore
import NIOHTTP1
import Testing

/// No malformed request gets a 500: each is a 4xx whose OpenAI-style body names the problem.
@Suite struct BadInputTests {
    struct Case: Sendable {
        let name: String
        let path: String
        let body: String
        let status: Int
        let param: String?
        var method = HTTPMethod.POST
    }

    static let cases: [Case] = [
        Case(name: "not JSON", path: "/v1/chat/completions", body: "{not json", status: 400, param: nil),
        Case(name: "empty body", path: "/v1/chat/completions", body: "", status: 400, param: nil),
        Case(name: "JSON array", path: "/v1/chat/completions", body: "[1,2]", status: 400, param: nil),
        Case(
            name: "missing model", path: "/v1/chat/completions", body: #"{"messages":[{"role":"user","content":"hi"}]}"#, status: 400, param: "model"),
        Case(
            name: "model not a string", path: "/v1/chat/completions", body: #"{"model":42,"messages":[{"role":"user","content":"hi"}]}"#, status: 400,
            param: "model"),
        Case(
            name: "unknown model", path: "/v1/chat/completions", body: #"{"model":"gpt-9","messages":[{"role":"user","content":"hi"}]}"#, status: 404,
            param: "model"),
        Case(name: "missing messages", path: "/v1/chat/completions", body: #"{"model":"chat"}"#, status: 400, param: "messages"),
        Case(name: "messages not an array", path: "/v1/chat/completions", body: #"{"model":"chat","messages":"hi"}"#, status: 400, param: "messages"),
        Case(name: "empty messages", path: "/v1/chat/completions", body: #"{"model":"chat","messages":[]}"#, status: 400, param: "messages"),
        Case(
            name: "message not an object", path: "/v1/chat/completions", body: #"{"model":"chat","messages":["hi"]}"#, status: 400,
            param: "messages[0]"),
        Case(
            name: "unknown role", path: "/v1/chat/completions", body: #"{"model":"chat","messages":[{"role":"wizard","content":"hi"}]}"#, status: 400,
            param: "messages[0].role"),
        Case(
            name: "content a number", path: "/v1/chat/completions", body: #"{"model":"chat","messages":[{"role":"user","content":5}]}"#, status: 400,
            param: "messages[0].content"),
        Case(
            name: "tool message without id", path: "/v1/chat/completions", body: #"{"model":"chat","messages":[{"role":"tool","content":"x"}]}"#,
            status: 400, param: "messages[0].tool_call_id"),
        Case(
            name: "stream not a boolean", path: "/v1/chat/completions",
            body: #"{"model":"chat","stream":"yes","messages":[{"role":"user","content":"hi"}]}"#, status: 400, param: "stream"),
        Case(
            name: "temperature out of range", path: "/v1/chat/completions",
            body: #"{"model":"chat","temperature":7,"messages":[{"role":"user","content":"hi"}]}"#, status: 400, param: "temperature"),
        Case(
            name: "max_tokens a string", path: "/v1/chat/completions",
            body: #"{"model":"chat","max_tokens":"ten","messages":[{"role":"user","content":"hi"}]}"#, status: 400, param: "max_tokens"),
        Case(
            name: "n zero", path: "/v1/chat/completions", body: #"{"model":"chat","n":0,"messages":[{"role":"user","content":"hi"}]}"#, status: 400,
            param: "n"),
        Case(
            name: "tools not an array", path: "/v1/chat/completions",
            body: #"{"model":"chat","tools":{},"messages":[{"role":"user","content":"hi"}]}"#, status: 400, param: "tools"),
        Case(
            name: "tool without name", path: "/v1/chat/completions",
            body: #"{"model":"chat","tools":[{"type":"function","function":{}}],"messages":[{"role":"user","content":"hi"}]}"#, status: 400,
            param: "tools[0].function.name"),
        Case(
            name: "bad tool_choice", path: "/v1/chat/completions",
            body: #"{"model":"chat","tool_choice":"always","messages":[{"role":"user","content":"hi"}]}"#, status: 400, param: "tool_choice"),
        Case(
            name: "bad response_format", path: "/v1/chat/completions",
            body: #"{"model":"chat","response_format":{"type":"yaml"},"messages":[{"role":"user","content":"hi"}]}"#, status: 400,
            param: "response_format.type"),
        Case(
            name: "seed a fraction", path: "/v1/chat/completions",
            body: #"{"model":"chat","seed":1.5,"messages":[{"role":"user","content":"hi"}]}"#, status: 400, param: "seed"),
        Case(
            name: "seed below Int64", path: "/v1/chat/completions",
            body: #"{"model":"chat","seed":-9223372036854775809,"messages":[{"role":"user","content":"hi"}]}"#, status: 400, param: "seed"),
        Case(
            name: "json_schema.schema not an object", path: "/v1/chat/completions",
            body: #"{"model":"chat","messages":[{"role":"user","content":"hi"}],"#
                + #""response_format":{"type":"json_schema","json_schema":{"name":"a","schema":[1]}}}"#,
            status: 400, param: "response_format.json_schema.schema"),
        Case(
            name: "stop a number", path: "/v1/chat/completions", body: #"{"model":"chat","stop":3,"messages":[{"role":"user","content":"hi"}]}"#,
            status: 400, param: "stop"),
        Case(name: "deeply nested garbage", path: "/v1/chat/completions", body: String(repeating: "[", count: 5000), status: 400, param: nil),
        Case(
            name: "invalid UTF-8 escape", path: "/v1/chat/completions", body: #"{"model":"chat","messages":[{"role":"user","content":"\ud800"}]}"#,
            status: 400, param: nil),
        Case(name: "embeddings without input", path: "/v1/embeddings", body: #"{"model":"chat"}"#, status: 400, param: "input"),
        Case(name: "embeddings empty input", path: "/v1/embeddings", body: #"{"model":"chat","input":[]}"#, status: 400, param: "input"),
        Case(
            name: "embeddings bad format", path: "/v1/embeddings", body: #"{"model":"chat","input":"x","encoding_format":"hex"}"#, status: 400,
            param: "encoding_format"),
        Case(name: "OTLP resource not an object", path: "/v1/traces", body: #"{"resourceSpans":[5]}"#, status: 400, param: "resourceSpans[0]"),
        Case(
            name: "OTLP spans not an array", path: "/v1/traces",
            body: #"{"resourceSpans":[{"scopeSpans":[{"spans":{}}]}]}"#, status: 400, param: "resourceSpans[0].scopeSpans[0].spans"),
        Case(
            name: "OTLP old-named spans are read too", path: "/v1/traces",
            body: #"{"resourceSpans":[{"scopeSpans":[],"instrumentationLibrarySpans":[{"spans":[{"name":"x"}]}]}]}"#, status: 400,
            param: "resourceSpans[0].instrumentationLibrarySpans[0].spans[0].traceId"),
        Case(name: "unknown path", path: "/v1/completions/nope", body: "{}", status: 404, param: nil),
        Case(name: "key name of newlines", path: "/api/keys", body: #"{"name":"\n\t \r"}"#, status: 400, param: "name"),
        Case(
            name: "budget over 40 characters", path: "/api/keys",
            body: #"{"name":"b","budget":"000000000000000000000000000000000001usd/day"}"#, status: 400, param: "budget"),
        // Query values: each of these once stopped the gateway (a time out of the store's range), was
        // a 500 (a cursor that was not one) or was silently replaced by a default.
        Case(name: "since far beyond any date", path: "/api/traces?since=1e300", body: "", status: 400, param: "since", method: .GET),
        Case(name: "window far beyond any date", path: "/api/stats?window=1e300d", body: "", status: 400, param: "window", method: .GET),
        Case(name: "since not a number", path: "/api/events?since=nan", body: "", status: 400, param: "since", method: .GET),
        Case(name: "until infinite", path: "/api/cost?until=inf", body: "", status: 400, param: "until", method: .GET),
        Case(name: "a day February lacks", path: "/api/traces?until=2023-02-29T00:00:00Z", body: "", status: 400, param: "until", method: .GET),
        Case(name: "empty since", path: "/api/traces?since=", body: "", status: 400, param: "since", method: .GET),
        Case(name: "cursor not a cursor", path: "/api/traces?cursor=abc_def", body: "", status: 400, param: "cursor", method: .GET),
        Case(name: "events limit too large", path: "/api/events?limit=1001", body: "", status: 400, param: "limit", method: .GET),
        Case(name: "empty eval verdict", path: "/api/evals?verdict=", body: "", status: 400, param: "verdict", method: .GET),
        Case(name: "empty incident status", path: "/api/incidents?status=", body: "", status: 400, param: "status", method: .GET),
        Case(name: "event without a kind", path: "/api/events", body: "{}", status: 400, param: "kind"),
        Case(name: "batches limit zero", path: "/v1/batches?limit=0", body: "", status: 400, param: "limit", method: .GET),
        Case(name: "keys all not a boolean", path: "/api/keys?all=maybe", body: "", status: 400, param: "all", method: .GET),
        Case(
            name: "completion_window a number", path: "/v1/batches",
            body: #"{"input_file_id":"file-1","endpoint":"/v1/embeddings","completion_window":24}"#, status: 400, param: "completion_window"),
    ]

    /// One gateway takes every case in turn: it must answer each one and still be up after all.
    @Test func malformedRequestsAre4xxNamingTheProblem() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let root = harness.gateway.baseURL
        for testCase in Self.cases {
            let reply = try await TestHTTP.request(testCase.method, root + testCase.path, body: testCase.body)
            #expect(reply.status == testCase.status, "\(testCase.name): \(reply.body)")
            guard let error = reply.json?["error"] else {
                Issue.record("\(testCase.name): no error object in \(reply.body)")
                continue
            }
            #expect(error["message"]?.stringValue?.isEmpty == false, "\(testCase.name)")
            #expect(error["type"]?.stringValue != nil, "\(testCase.name)")
            #expect(error.objectValue?.keys.contains("param") == true, "\(testCase.name)")
            #expect(error.objectValue?.keys.contains("code") == true, "\(testCase.name)")
            if let param = testCase.param { #expect(error["param"]?.stringValue == param, "\(testCase.name)") }
        }
        #expect(try await harness.chat("chat", "still up").status == 200)
    }

    /// JSON Schema counts `16.0` as an integer, and so does Keel: in integer fields and token ids.
    @Test func numbersWithoutAFractionAreIntegers() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        // Written by hand: Keel's own JSON writer would write 16.0 as 16.
        let body = #"{"model":"chat","max_tokens":16.0,"seed":-5.0,"n":1.0,"messages":[{"role":"user","content":"hi"}]}"#
        let chat = try await TestHTTP.request(.POST, harness.v1 + "/chat/completions", body: body)
        #expect(chat.status == 200, "\(chat.body)")
        let embeddings = try await TestHTTP.request(.POST, harness.v1 + "/embeddings", body: #"{"model":"chat","input":[1.0,2.0]}"#)
        #expect(embeddings.status == 200, "\(embeddings.body)")
    }

    @Test func bodyOverTheLimitIsA413() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let big = String(repeating: "x", count: 70_000)
        let reply = try await harness.chat("chat", big)
        #expect(reply.status == 413)
        #expect(reply.json?["error"]?["code"] == "request_too_large")
        // The server is still there.
        #expect(try await harness.chat("chat", "small").status == 200)
    }

    /// A method a path does not have is a 405 that lists the methods it has (RFC 9110), on
    /// paths with parameters too; a path Keel does not have stays a 404.
    @Test func wrongMethodIsA405WithAllow() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        for (method, path, allowed) in [
            (HTTPMethod.GET, "/chat/completions", "POST"), (.PUT, "/files", "POST, GET"), (.PATCH, "/files/file-123", "GET, DELETE"),
            (.GET, "/batches/batch_1/cancel", "POST"),
        ] {
            let reply = try await TestHTTP.request(method, harness.v1 + path)
            #expect(reply.status == 405, "\(method) \(path): \(reply.status) \(reply.body)")
            #expect(reply.headers.first(name: "allow") == allowed, "\(method) \(path)")
            #expect(reply.json?["error"]?["code"] == "method_not_allowed", "\(method) \(path): \(reply.body)")
        }
        #expect(try await TestHTTP.request(.GET, harness.v1 + "/files/file-123/nothing").status == 404)
    }

    static func start() async throws -> GatewayHarness {
        try await GatewayHarness.start(
            models: """
                  - {name: chat, targets: [{provider: up, model: echo}]}
                """,
            server: ", max_body_bytes: 65536")
    }
}
