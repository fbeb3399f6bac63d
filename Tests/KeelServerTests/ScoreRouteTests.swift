import Foundation
import KeelCore
import Testing

/// Scores through the HTTP server: recorded and listed with an API key on the key's own traces
/// only, with the admin key on any; shown on the trace and summed up in the stats.
@Suite(.timeLimit(.minutes(3))) struct ScoreRouteTests {
    static let adminKey = ObjectIsolationTests.adminKey
    static let admin = ["authorization": "Bearer \(adminKey)"]

    static func bearer(_ secret: String) -> [String: String] { ["authorization": "Bearer \(secret)"] }

    static func start() async throws -> GatewayHarness {
        try await GatewayHarness.start(
            models: "  - {name: chat, targets: [{provider: inproc, model: echo}]}", extra: "auth: {admin_key: \"\(adminKey)\"}")
    }

    /// A trace made with `secret`, once stored.
    static func trace(_ harness: GatewayHarness, as secret: String) async throws -> String {
        let reply = try await harness.chat("chat", headers: bearer(secret))
        #expect(reply.status == 200, "\(reply.body)")
        let id = try #require(reply.headers.first(name: "x-keel-trace-id"))
        _ = try await harness.trace(id, headers: admin)
        return id
    }

    static func score(_ harness: GatewayHarness, _ body: JSONValue, as headers: [String: String]) async throws -> TestHTTP.Reply {
        try await TestHTTP.post(harness.gateway.baseURL + "/api/scores", json: body, headers: headers)
    }

    static func list(_ harness: GatewayHarness, _ query: String, as headers: [String: String]) async throws -> [JSONValue] {
        let reply = try await TestHTTP.get(harness.gateway.baseURL + "/api/scores" + query, headers: headers)
        #expect(reply.status == 200, "\(reply.body)")
        return reply.json?["data"]?.arrayValue ?? []
    }

    @Test func aKeyScoresItsTraceAndTheTraceAndStatsShowIt() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let alice = try await ObjectIsolationTests.makeKey(harness, "alice")
        let traceID = try await Self.trace(harness, as: alice)

        let thumbs = try await Self.score(
            harness, ["trace_id": .string(traceID), "name": "user_feedback", "value": true, "comment": "nice"], as: Self.bearer(alice))
        #expect(thumbs.status == 201, "\(thumbs.body)")
        let json = try #require(thumbs.json)
        #expect(json["id"]?.stringValue?.hasPrefix("score_") == true)
        #expect(json["data_type"] == "boolean" && json["value"]?.doubleValue == 1 && json["source"] == "api")
        #expect(json["comment"] == "nice" && json["trace_id"]?.stringValue == traceID)
        #expect(json["api_key_id"]?.stringValue?.isEmpty == false)

        let numeric = try await Self.score(harness, ["trace_id": .string(traceID), "name": "quality", "value": 0.5], as: Self.admin)
        #expect(numeric.status == 201 && numeric.json?["data_type"] == "numeric" && numeric.json?["api_key_id"] == .null)
        let zero = try await Self.score(
            harness, ["trace_id": .string(traceID), "name": "user_feedback", "value": 0, "data_type": "boolean", "source": "annotation"],
            as: Self.admin)
        #expect(zero.status == 201 && zero.json?["value"]?.doubleValue == 0 && zero.json?["source"] == "annotation")
        let category = try await Self.score(harness, ["trace_id": .string(traceID), "name": "tone", "value": "good"], as: Self.bearer(alice))
        #expect(category.status == 201 && category.json?["data_type"] == "categorical" && category.json?["string_value"] == "good")
        #expect(category.json?["value"] == .null)

        let listed = try await Self.list(harness, "?trace_id=\(traceID)", as: Self.bearer(alice))
        #expect(listed.count == 4)
        #expect(try await Self.list(harness, "?name=user_feedback", as: Self.admin).count == 2)
        #expect(try await Self.list(harness, "?source=annotation", as: Self.admin).count == 1)
        #expect(try await Self.list(harness, "?limit=1", as: Self.admin).first?["name"] == "tone")
        #expect(try await Self.list(harness, "?since=1h", as: Self.admin).count == 4)

        let trace = try await harness.trace(traceID, headers: Self.admin)
        #expect(trace["scores"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["user_feedback", "quality", "user_feedback", "tone"])

        for group in ["none", "model", "provider", "user", "prompt"] {
            let stats = try await TestHTTP.get(harness.gateway.baseURL + "/api/stats?window=1h&group_by=\(group)", headers: Self.admin)
            #expect(stats.status == 200, "\(stats.body)")
            let row = try #require(stats.json?["data"]?.arrayValue?.first { $0["scores"]?["user_feedback"] != nil }, "\(group): \(stats.body)")
            #expect(row["scores"]?["user_feedback"]?["mean"]?.doubleValue == 0.5, "\(group)")
            #expect(row["scores"]?["user_feedback"]?["count"]?.intValue == 2, "\(group)")
            #expect(row["scores"]?["quality"]?["mean"]?.doubleValue == 0.5, "\(group)")
            #expect(row["scores"]?["tone"]?["values"]?["good"]?.intValue == 1, "\(group)")
        }
    }

    @Test func aKeyCannotScoreOrSeeAnotherKeysTrace() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let alice = try await ObjectIsolationTests.makeKey(harness, "alice")
        let bob = try await ObjectIsolationTests.makeKey(harness, "bob")
        let aliceTrace = try await Self.trace(harness, as: alice)
        let bobTrace = try await Self.trace(harness, as: bob)
        #expect(try await Self.score(harness, ["trace_id": .string(aliceTrace), "name": "x", "value": 1], as: Self.bearer(alice)).status == 201)
        #expect(try await Self.score(harness, ["trace_id": .string(bobTrace), "name": "x", "value": 1], as: Self.admin).status == 201)

        let refused = try await Self.score(harness, ["trace_id": .string(aliceTrace), "name": "x", "value": 0], as: Self.bearer(bob))
        #expect(refused.status == 404, "\(refused.body)")
        #expect(refused.json?["error"]?["code"] == "trace_not_found" && refused.json?["error"]?["param"] == "trace_id")
        let missing = try await Self.score(harness, ["trace_id": "no-such-trace", "name": "x", "value": 0], as: Self.bearer(bob))
        #expect(missing.status == 404 && missing.json?["error"]?["code"] == "trace_not_found")
        #expect(refused.json?["error"]?["message"]?.stringValue == "No trace has the id '\(aliceTrace)'.")

        #expect(try await Self.list(harness, "?trace_id=\(aliceTrace)", as: Self.bearer(bob)).isEmpty)
        #expect(try await Self.list(harness, "", as: Self.bearer(bob)).compactMap { $0["trace_id"]?.stringValue } == [bobTrace])
        #expect(try await Self.list(harness, "", as: Self.bearer(alice)).compactMap { $0["trace_id"]?.stringValue } == [aliceTrace])
        #expect(try await Self.list(harness, "", as: Self.admin).count == 2)
    }

    @Test func eachBadInputIsA4xxNamingItsParameter() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let alice = try await ObjectIsolationTests.makeKey(harness, "alice")
        let traceID = try await Self.trace(harness, as: alice)
        let trace = JSONValue.string(traceID)
        let cases: [(JSONValue, String?)] = [
            (["name": "x", "value": 1], "trace_id"),
            (["trace_id": 5, "name": "x", "value": 1], "trace_id"),
            (["trace_id": trace, "value": 1], "name"),
            (["trace_id": trace, "name": "", "value": 1], "name"),
            (["trace_id": trace, "name": .string(String(repeating: "n", count: 201)), "value": 1], "name"),
            (["trace_id": trace, "name": "bad\nname", "value": 1], "name"),
            (["trace_id": trace, "name": "x"], "value"),
            (["trace_id": trace, "name": "x", "value": ["a"]], "value"),
            (["trace_id": trace, "name": "x", "value": "good", "data_type": "numeric"], "value"),
            (["trace_id": trace, "name": "x", "value": 2, "data_type": "boolean"], "value"),
            (["trace_id": trace, "name": "x", "value": 1, "data_type": "categorical"], "value"),
            (["trace_id": trace, "name": "x", "value": "", "data_type": "categorical"], "value"),
            (["trace_id": trace, "name": "x", "value": 1, "data_type": "vector"], "data_type"),
            (["trace_id": trace, "name": "x", "value": 1, "source": "eval"], "source"),
            (["trace_id": trace, "name": "x", "value": 1, "source": "robot"], "source"),
            (["trace_id": trace, "name": "x", "value": 1, "comment": 3], "comment"),
            (["x"], nil),
        ]
        for (body, param) in cases {
            let reply = try await Self.score(harness, body, as: Self.bearer(alice))
            #expect(reply.status == 400, "\(body): \(reply.status) \(reply.body)")
            #expect(reply.json?["error"]?["param"]?.stringValue == param, "\(body): \(reply.body)")
        }
        for query in ["?source=robot", "?since=yesterday", "?limit=0"] {
            let reply = try await TestHTTP.get(harness.gateway.baseURL + "/api/scores" + query, headers: Self.bearer(alice))
            #expect(reply.status == 400, "\(query): \(reply.body)")
        }
        #expect(try await Self.list(harness, "", as: Self.admin).isEmpty)
    }
}
