import Foundation
import KeelCore
import Synchronization
import Testing

/// The incident layer end to end, with the windows shrunk to seconds: a provider outage that a
/// failover hides from every client opens a `target_errors` incident, pages a PagerDuty-shaped
/// receiver and an Alertmanager webhook, and resolves (with its resolve events) once the
/// provider is back.
struct IncidentTests {
    static let admin = ["authorization": "Bearer \(ObjectIsolationTests.adminKey)"]
    static let extra = """
        auth: {admin_key: "\(ObjectIsolationTests.adminKey)"}
        monitoring:
          interval_s: 0.5
          resolve_after_s: 2
          detectors:
            target_errors: {error_rate: 0.5, window_s: 3, min_requests: 5}
        alerts:
          - {name: oncall, kind: pagerduty, routing_key: "r0ut1ng-key", url: "{MOCK}/mock/alerts/oncall"}
          - {name: hook, kind: webhook, url: "{MOCK}/mock/alerts/hook"}
        """

    @Test func anOutageHiddenByFailoverOpensPagesAndResolvesAnIncident() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - name: chat
                    retries: 0
                    targets: [{provider: up, model: "fail-503+times-25"}, {provider: up, model: echo}]
                """, resilience: ", breaker_failure_threshold: 100000", extra: Self.extra)
        defer { harness.stop() }
        let started = ContinuousClock.now
        let statuses = Mutex<[Int]>([])
        let traffic = Task {
            while !Task.isCancelled {
                if let reply = try? await TestHTTP.post(
                    harness.v1 + "/chat/completions", json: GatewayHarness.chatBody("chat", "hello"), headers: Self.admin)
                {
                    statuses.withLock { $0.append(reply.status) }
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { traffic.cancel() }

        func incidents(_ query: String = "") async throws -> [JSONValue] {
            try await TestHTTP.get(harness.gateway.baseURL + "/api/incidents" + query, headers: Self.admin).json?["data"]?.arrayValue ?? []
        }
        func alerts() async throws -> [JSONValue] {
            try await TestHTTP.get(harness.mock.baseURL + "/mock/alerts").json?["alerts"]?.arrayValue ?? []
        }
        func waitFor<T>(_ seconds: Int, _ probe: () async throws -> T?) async throws -> T? {
            let deadline = ContinuousClock.now + .seconds(seconds)
            while ContinuousClock.now < deadline {
                if let found = try await probe() { return found }
                try await Task.sleep(for: .milliseconds(100))
            }
            return nil
        }

        // Opened within 10 s of the outage's start, on the failing target; clients saw none of it.
        let opened = try #require(
            try await waitFor(10) { try await incidents("?status=open").first { $0["kind"] == "target_errors" } }, "no incident within 10 s")
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(opened["scope"] == ["target": "up/fail-503+times-25"], "\(opened)")
        #expect(opened["severity"] == "critical")
        let id = try #require(opened["id"]?.stringValue)

        // Paged: PagerDuty's trigger deduplicated by the incident id, and Alertmanager's firing webhook.
        let trigger = try #require(
            try await waitFor(10) {
                try await alerts().first { $0["channel"] == "oncall" && $0["body"]?["event_action"] == "trigger" }
            })
        #expect(trigger["body"]?["routing_key"] == "r0ut1ng-key" && trigger["body"]?["dedup_key"]?.stringValue == id)
        #expect(trigger["body"]?["payload"]?["severity"] == "critical")
        #expect(trigger["body"]?["payload"]?["summary"]?.stringValue?.contains("up/fail-503+times-25") == true)
        #expect(trigger["body"]?["payload"]?["custom_details"]?["figures"]?["attempts"] != nil)
        let firing = try #require(try await waitFor(10) { try await alerts().first { $0["channel"] == "hook" && $0["body"]?["status"] == "firing" } })
        #expect(firing["body"]?["alerts"]?[0]?["labels"]?["alertname"] == "target_errors")
        #expect(firing["body"]?["alerts"]?[0]?["labels"]?["incident_id"]?.stringValue == id)

        // The provider is back after 25 failures: the incident resolves by itself, and the resolves go out.
        let resolve = try #require(
            try await waitFor(30) {
                try await alerts().first { $0["channel"] == "oncall" && $0["body"]?["event_action"] == "resolve" }
            }, "no resolve")
        #expect(resolve["body"]?["dedup_key"]?.stringValue == id)
        #expect(try await waitFor(10) { try await alerts().first { $0["channel"] == "hook" && $0["body"]?["status"] == "resolved" } } != nil)
        let detail = try #require(try await TestHTTP.get(harness.gateway.baseURL + "/api/incidents/\(id)", headers: Self.admin).json)
        #expect(detail["status"] == "resolved")
        let types = detail["timeline"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
        #expect(types.first == "breach" && types.contains("resolved"), "\(types)")
        #expect(statuses.withLock { $0.allSatisfy { $0 == 200 } })

        // A resolved incident is not resolved twice; an unknown one is not found.
        let again = try await TestHTTP.post(harness.gateway.baseURL + "/api/incidents/\(id)/resolve", json: [:], headers: Self.admin)
        #expect(again.status == 409 && again.json?["error"]?["code"] == "incident_not_open")
        #expect(try await TestHTTP.get(harness.gateway.baseURL + "/api/incidents/inc_nope", headers: Self.admin).status == 404)
        let listed = try await KeelProcess.run(["incidents", "list", "--config", harness.configPath], environment: GatewayHarness.environment)
        #expect(listed.status == 0 && listed.output.contains(id), "\(listed.output)")
        let health = try await TestHTTP.get(harness.gateway.baseURL + "/healthz")
        #expect(health.json?["alerts"]?["failing_channels"] == [])
    }

    @Test func aPersonAcknowledgesAndResolvesAndTheDrillReachesEveryChannel() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - name: chat
                    retries: 0
                    targets: [{provider: up, model: "fail-503"}, {provider: up, model: echo}]
                """, resilience: ", breaker_failure_threshold: 100000",
            // Held open long enough for a person to take it on a loaded machine.
            extra: Self.extra.replacingOccurrences(of: "resolve_after_s: 2", with: "resolve_after_s: 60"))
        defer { harness.stop() }
        for _ in 0..<10 {
            _ = try await TestHTTP.post(harness.v1 + "/chat/completions", json: GatewayHarness.chatBody("chat", "hello"), headers: Self.admin)
        }
        var open: JSONValue?
        let deadline = ContinuousClock.now + .seconds(10)
        while open == nil, ContinuousClock.now < deadline {
            open = try await TestHTTP.get(harness.gateway.baseURL + "/api/incidents?status=open", headers: Self.admin).json?["data"]?[0]
            try await Task.sleep(for: .milliseconds(100))
        }
        let id = try #require(open?["id"]?.stringValue)
        let acked = try await TestHTTP.post(harness.gateway.baseURL + "/api/incidents/\(id)/ack", json: ["by": "alice"], headers: Self.admin)
        #expect(acked.status == 200 && acked.json?["status"] == "acknowledged", "\(acked.body)")
        let resolved = try await TestHTTP.post(harness.gateway.baseURL + "/api/incidents/\(id)/resolve", json: ["by": "alice"], headers: Self.admin)
        #expect(resolved.status == 200 && resolved.json?["status"] == "resolved")
        let events = resolved.json?["timeline"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
        #expect(events.contains("acknowledged") && events.contains("resolved"), "\(events)")

        let drill = try await KeelProcess.run(["incidents", "drill", "--config", harness.configPath], environment: GatewayHarness.environment)
        #expect(drill.status == 0, "\(drill.output)")
        #expect(drill.output.contains("oncall: trigger delivered") && drill.output.contains("hook: resolve delivered"), "\(drill.output)")
    }
}
