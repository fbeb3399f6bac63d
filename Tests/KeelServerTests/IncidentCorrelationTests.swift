import Foundation
import KeelCore
import Synchronization
import Testing

/// Incidents that name their cause and act on it, end to end with the windows shrunk to
/// seconds: a silent model version swap followed by falling online-eval scores opens a
/// `quality` incident whose first cause is the swap, and the model fails over; a prompt change
/// that triples tokens per request opens a cost incident naming the prompt version.
struct IncidentCorrelationTests {
    static let admin = IncidentTests.admin

    static func incidents(_ harness: GatewayHarness) async throws -> [JSONValue] {
        try await TestHTTP.get(harness.gateway.baseURL + "/api/incidents?limit=100", headers: admin).json?["data"]?.arrayValue ?? []
    }

    static func waitFor<T>(_ seconds: Int, _ probe: () async throws -> T?) async throws -> T? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if let found = try await probe() { return found }
            try await Task.sleep(for: .milliseconds(200))
        }
        return nil
    }

    /// Sends `body` every 250 ms with the headers `headers()` gives at the time.
    static func traffic(_ harness: GatewayHarness, body: @escaping @Sendable () -> JSONValue, headers: @escaping @Sendable () -> [String: String])
        -> Task<Void, Never>
    {
        Task {
            while !Task.isCancelled {
                _ = try? await TestHTTP.post(harness.v1 + "/chat/completions", json: body(), headers: admin.merging(headers()) { $1 })
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// Both faults at once in one gateway (one process pair, not two, on a 2-core machine): a
    /// silent swap on `chat`'s first target, and a prompt change on `smart`.
    @Test func aSilentSwapOpensAQualityIncidentThatFailsOverAndAGrownPromptACostIncidentNamingIt() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - {name: chat, targets: [{provider: inproc, model: "echo+tag-first"}, {provider: inproc, model: "echo+tag-second"}]}
                \(PromptServingTests.models)
                """,
            extra: """
                auth: {admin_key: "\(ObjectIsolationTests.adminKey)"}
                evals:
                  online:
                    - {name: echo-ok, model: chat, sample: 1.0, assert: [{type: icontains, value: "hello"}]}
                monitoring:
                  interval_s: 0.5
                  resolve_after_s: 30
                  detectors:
                    quality: {score: echo-ok, drop: 0.3, window_s: 4, baseline_s: 60, min_requests: 5}
                    tokens_per_request: {ratio: 2.0, window_s: 3, baseline_s: 60, min_requests: 5}
                remediation:
                  max_actions_per_hour: 5
                  actions: {eject_target: auto, fail_over: auto, abort_rollout: auto, rollback_prompt: suggest, clamp_output: suggest}
                """)
        defer { harness.stop() }
        func push(_ system: String) async throws {
            let source = PromptServingTests.file.replacingOccurrences(of: "You answer questions about {{product}}. Be brief.", with: system)
            let created = try await TestHTTP.post(harness.gateway.baseURL + "/api/prompts", json: ["source": .string(source)], headers: Self.admin)
            #expect(created.status == 201, "\(created.body)")
        }
        try await push("You answer questions about {{product}}. Be brief.")
        let swapped = Switch()
        let chat = Self.traffic(
            harness, body: { GatewayHarness.chatBody("chat", "hello there") },
            headers: {
                swapped.isOn
                    ? ["x-mock-response-model": "echo-2026-12", "x-mock-reply": "I cannot discuss that."]
                    : ["x-mock-response-model": "echo-2026-06"]
            })
        defer { chat.cancel() }
        let reference: JSONObject = ["id": "support-reply", "variables": ["product": "Keel", "question": "How do I rotate a key?"]]
        let prompted = Self.traffic(harness, body: { ["messages": [], "prompt": .object(reference)] as JSONValue }, headers: { [:] })
        defer { prompted.cancel() }
        try await Task.sleep(for: .seconds(5))
        swapped.turnOn()
        try await push(String(repeating: "You answer questions about {{product}} with care, citing the manual and the changelog. ", count: 8))
        let moved = try await TestHTTP.post(
            harness.gateway.baseURL + "/api/prompts/support-reply/labels", json: ["label": "production", "version": 2], headers: Self.admin)
        #expect(moved.status == 200, "\(moved.body)")

        // The swap: a quality incident on chat, caused first by the version change, and the model fails over.
        let quality = try #require(
            try await Self.waitFor(30) { try await Self.incidents(harness).first { $0["kind"] == "quality" && $0["scope"]?["model"] == "chat" } },
            "no quality incident on chat")
        let first = try #require(quality["causes"]?[0], "\(quality)")
        #expect(first["kind"] == "model_version_changed", "\(quality["causes"] ?? .null)")
        #expect(first["title"]?.stringValue?.contains("echo-2026-12") == true)
        let action = try #require(quality["actions"]?.arrayValue?.first { $0["kind"] == "fail_over" }, "\(quality)")
        #expect(action["mode"] == "auto" && action["status"] == "applied", "\(action)")
        #expect(action["subject"] == ["model": "chat", "target": "inproc/echo+tag-first"])
        let reply = try await TestHTTP.post(harness.v1 + "/chat/completions", json: GatewayHarness.chatBody("chat", "hello"), headers: Self.admin)
        let trace = try await harness.trace(try #require(reply.headers.first(name: "x-keel-trace-id")), headers: Self.admin)
        #expect(trace["upstream_model"] == "echo+tag-second", "\(trace)")
        let changed = try await Self.incidents(harness).first { $0["kind"] == "model_version_changed" }
        #expect(changed?["scope"] == ["target": "inproc/echo+tag-first"], "\(changed ?? .null)")

        // The prompt change: a tokens incident on smart naming the new version, its rollback suggested.
        let cost = try #require(
            try await Self.waitFor(30) {
                try await Self.incidents(harness).first { $0["kind"] == "tokens_per_request" && $0["scope"]?["model"] == "smart" }
            }, "no tokens incident on smart")
        let causes = cost["causes"]?.arrayValue ?? []
        #expect(causes.contains { $0["title"]?.stringValue?.contains("support-reply@2") == true }, "\(causes)")
        #expect(causes.first?["kind"] == "prompt_version" || causes.first?["kind"] == "prompt_label_moved", "\(causes)")
        let rollback = cost["actions"]?.arrayValue?.first { $0["kind"] == "rollback_prompt" }
        #expect(rollback?["status"] == "suggested" && rollback?["subject"]?["from"] == 2, "\(cost["actions"] ?? .null)")

        // A person reverts the failover: the first target leads again.
        let id = try #require(quality["id"]?.stringValue)
        let actionID = try #require(action["id"]?.stringValue)
        let reverted = try await TestHTTP.post(
            harness.gateway.baseURL + "/api/incidents/\(id)/actions/\(actionID)/revert", json: ["by": "ana"], headers: Self.admin)
        #expect(reverted.status == 200, "\(reverted.body)")
        #expect(reverted.json?["actions"]?.arrayValue?.first { $0["id"]?.stringValue == actionID }?["status"] == "reverted")
        let again = try await TestHTTP.post(
            harness.gateway.baseURL + "/api/incidents/\(id)/actions/\(actionID)/revert", json: [:], headers: Self.admin)
        #expect(again.status == 409 && again.json?["error"]?["code"] == "action_not_applied", "\(again.body)")
        let back = try await TestHTTP.post(harness.v1 + "/chat/completions", json: GatewayHarness.chatBody("chat", "hello"), headers: Self.admin)
        #expect(
            try await harness.trace(try #require(back.headers.first(name: "x-keel-trace-id")), headers: Self.admin)["upstream_model"]
                == "echo+tag-first")
    }

    /// One gateway for the rest: external events, a model's fallback answer, and an SLO's burn.
    @Test func externalEventsFallbackAnswersAndAnSLOBurn() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - {name: busy, retries: 0, fallback_answer: "We are busy; try again in a minute.", targets: [{provider: down, model: gpt}]}
                  - {name: bare, retries: 0, targets: [{provider: down, model: gpt}]}
                  - {name: flaky, retries: 0, targets: [{provider: up, model: "fail-503+times-30"}]}
                """, resilience: ", breaker_failure_threshold: 100000",
            extra: """
                auth: {admin_key: "\(ObjectIsolationTests.adminKey)"}
                monitoring: {interval_s: 0.5}
                slos:
                  - {name: flaky-availability, model: flaky, objective: availability, target: 0.99, windows: [{long_s: 30, short_s: 3, burn_rate: 10, severity: critical}]}
                """)
        defer { harness.stop() }

        // External changes: recorded, checked, read back.
        let url = harness.gateway.baseURL + "/api/events"
        let created = try await TestHTTP.post(url, json: ["kind": "deploy", "title": "web 1.4.2", "model": "smart"], headers: Self.admin)
        #expect(created.status == 201, "\(created.body)")
        #expect(created.json?["detail"]?["model"] == "smart" && created.json?["detail"]?["source"] == "api")
        let bad: [(JSONObject, String, String)] = [
            ([:], "kind", "invalid_value"), (["kind": "Deploy!"], "kind", "invalid_value"),
            (["kind": "model_version_changed"], "kind", "reserved_kind"), (["kind": "deploy", "at": "yesterday"], "at", "invalid_value"),
            (["kind": "deploy", "colour": "red"], "colour", "unknown_parameter"), (["kind": "deploy", "detail": "x"], "detail", "invalid_type"),
        ]
        for (body, param, code) in bad {
            let reply = try await TestHTTP.post(url, json: .object(body), headers: Self.admin)
            #expect(reply.status == 400 && reply.json?["error"]?["param"]?.stringValue == param, "\(body): \(reply.body)")
            #expect(reply.json?["error"]?["code"]?.stringValue == code, "\(body): \(reply.body)")
        }
        #expect(try await TestHTTP.post(url, json: ["kind": "deploy"]).status == 401)
        let listed = try await TestHTTP.get(url, headers: Self.admin).json?["data"]?.arrayValue ?? []
        #expect(listed.contains { $0["kind"] == "deploy" && $0["detail"]?["title"] == "web 1.4.2" })

        // Every target down: the fallback answer, marked, in both shapes; the failure still traced.
        let reply = try await harness.chat("busy", "hello", headers: Self.admin)
        #expect(reply.status == 200, "\(reply.body)")
        #expect(reply.headers.first(name: "x-keel-fallback") == "true")
        #expect(reply.json?["choices"]?[0]?["message"]?["content"] == "We are busy; try again in a minute.")
        #expect(reply.json?["object"] == "chat.completion" && reply.json?["keel"]?["fallback"] == true)
        let trace = try await harness.trace(try #require(reply.headers.first(name: "x-keel-trace-id")), headers: Self.admin)
        #expect(trace["status"] != "ok", "\(trace)")
        let (streamed, chunks) = try await TestHTTP.streamEvents(
            harness.v1 + "/chat/completions", json: GatewayHarness.chatBody("busy", "hello", stream: true), headers: Self.admin)
        #expect(streamed.status == 200 && chunks.contains { $0.contains("We are busy") } && chunks.last == "[DONE]", "\(chunks)")
        #expect(try await harness.chat("bare", "hello", headers: Self.admin).status >= 500)

        // Failures clients see burn the SLO's budget: an slo_burn incident, and /metrics exports both.
        for _ in 0..<20 {
            _ = try await TestHTTP.post(harness.v1 + "/chat/completions", json: GatewayHarness.chatBody("flaky", "hello"), headers: Self.admin)
        }
        let incident = try #require(
            try await Self.waitFor(10) { try await Self.incidents(harness).first { $0["kind"] == "slo_burn" } }, "no slo_burn incident")
        #expect(incident["scope"] == ["model": "flaky"] && incident["severity"] == "critical", "\(incident)")
        #expect(incident["figures"]?["slo"] == "flaky-availability")
        let metrics = try await TestHTTP.get(harness.gateway.baseURL + "/metrics", headers: Self.admin).body
        #expect(metrics.contains(#"keel_slo_burn_rate{slo="flaky-availability",window_s="3"}"#), "\(metrics.suffix(2000))")
        #expect(metrics.contains(#"keel_incidents_open{kind="slo_burn",severity="critical"} 1"#), "\(metrics.suffix(2000))")
    }
}

/// A flag the traffic loop reads and the test flips.
final class Switch: Sendable {
    private let state = Mutex(false)
    var isOn: Bool { state.withLock { $0 } }
    func turnOn() { state.withLock { $0 = true } }
}
