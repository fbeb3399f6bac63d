import Foundation
import KeelCore
import Testing

/// `/api/signals`: the monitor's live figures. A failover hides an outage from clients, not
/// from the target's figures; a restart rebuilds them from the store.
struct SignalRouteTests {
    static let admin = ["authorization": "Bearer \(ObjectIsolationTests.adminKey)"]

    @Test func anOutageHiddenByFailoverShowsOnItsTargetAndSurvivesARestart() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - name: chat
                    retries: 0
                    targets: [{provider: inproc, model: fail-503}, {provider: inproc, model: echo}]
                """, extra: "auth: {admin_key: \"\(ObjectIsolationTests.adminKey)\"}")
        defer { harness.stop() }
        for index in 0..<12 {
            let reply = try await TestHTTP.post(
                harness.v1 + "/chat/completions", json: GatewayHarness.chatBody("chat", "hello \(index)"), headers: Self.admin)
            #expect(reply.status == 200)
        }
        func rows(_ query: String) async throws -> [String: JSONValue] {
            let deadline = ContinuousClock.now + .seconds(10)
            while true {
                let reply = try await TestHTTP.get(harness.gateway.baseURL + "/api/signals?" + query, headers: Self.admin)
                #expect(reply.status == 200, "\(reply.body)")
                let data = reply.json?["data"]?.arrayValue ?? []
                let byKey = Dictionary(data.map { ($0["key"]?.stringValue ?? "", $0) }, uniquingKeysWith: { first, _ in first })
                if byKey.values.contains(where: { ($0["requests"]?.intValue ?? 0) >= 12 }) || ContinuousClock.now > deadline { return byKey }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let models = try await rows("window=5m&group_by=model")
        #expect(models["chat"]?["requests"] == 12 && models["chat"]?["error_rate"]?.doubleValue == 0, "\(models)")
        let targets = try await rows("window=5m&group_by=target")
        // Breakers open after a few failures: the skipped attempts count against the target too.
        #expect(targets["inproc/fail-503"]?["attempts"] == 12 && targets["inproc/fail-503"]?["attempt_error_rate"]?.doubleValue == 1, "\(targets)")
        #expect(targets["inproc/echo"]?["attempt_error_rate"]?.doubleValue == 0 && targets["inproc/echo"]?["requests"] == 12)

        try await harness.restartGateway()
        let rebuilt = try await rows("window=1h&group_by=target")
        #expect(rebuilt["inproc/fail-503"]?["attempts"] == 12, "\(rebuilt)")

        let bad = try await TestHTTP.get(harness.gateway.baseURL + "/api/signals?group_by=planet", headers: Self.admin)
        #expect(bad.status == 400 && bad.json?["error"]?["param"] == "group_by")
        let tooLong = try await TestHTTP.get(harness.gateway.baseURL + "/api/signals?window=2d", headers: Self.admin)
        #expect(tooLong.status == 200 && (tooLong.json?["window_seconds"]?.doubleValue ?? 0) < 2 * 86_400, "\(tooLong.body)")
        let badWindow = try await TestHTTP.get(harness.gateway.baseURL + "/api/signals?window=soon", headers: Self.admin)
        #expect(badWindow.status == 400 && badWindow.json?["error"]?["param"] == "window")
    }
}
