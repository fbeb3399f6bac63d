import Foundation
import KeelCore
import Testing

/// Start-up, configuration errors, the built-in default, and graceful shutdown.
@Suite struct LifecycleTests {
    @Test func servesTheBuiltInDefaultWithoutAConfigFile() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("keel-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let keel = try await KeelProcess.start(["serve", "--port", "0"], workingDirectory: empty)
        defer { keel.stop() }
        let models = try await TestHTTP.get(keel.baseURL + "/v1/models")
        #expect(models.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["mock", "mock-failover", "mock-judge"])
        let reply = try await TestHTTP.post(keel.baseURL + "/v1/chat/completions", json: GatewayHarness.chatBody("mock-failover", "hi there"))
        #expect(reply.status == 200)
        #expect(reply.json?["choices"]?[0]?["message"]?["content"] == "hi there")
        let health = try await TestHTTP.get(keel.baseURL + "/healthz")
        #expect(health.json?["status"] == "ok")
    }

    @Test(arguments: [
        ("models:\n  - {name: a, targets: [{provider: nope, model: x}]}\nproviders: [{name: p, kind: mock}]", "models[0].targets[0].provider"),
        (
            "providers: [{name: p, kind: openai, api_key: \"${KEEL_TEST_SURELY_UNSET}\"}]\nmodels: [{name: a, targets: [{provider: p, model: x}]}]",
            "providers[0].api_key"
        ),
        ("providers: [{name: p, kind: mock}]\nmodels: [{name: a, targets: [{provider: p, model: x}]}\n  bad: [", "invalid YAML"),
        ("providers: [{name: p, kind: mock}]\nmodels: [{name: a, timeout: 5, targets: [{provider: p, model: x}]}]", "models[0].timeout"),
    ])
    func configurationErrorStopsStartUpNamingFileAndKey(yaml: String, key: String) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keel-bad-\(UUID().uuidString).yaml")
        try yaml.write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let (status, output) = try await KeelProcess.run(["serve", "--config", path.path, "--port", "0"])
        #expect(status != 0)
        #expect(output.contains(path.path), "\(output)")
        #expect(output.contains(key), "\(output)")
        #expect(!output.contains("Fatal error"))
    }

    @Test func checkCommandValidatesAConfiguration() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keel-ok-\(UUID().uuidString).yaml")
        try """
        providers: [{name: local, kind: mock}]
        models: [{name: smart, targets: [{provider: local, model: echo}]}]
        """.write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let (status, output) = try await KeelProcess.run(["check", "--config", path.path])
        #expect(status == 0)
        #expect(output.contains("model smart: local/echo"))
    }

    @Test func aPostgreSQLPasswordIsNeverPrintedNorInAnError() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keel-pg-\(UUID().uuidString).yaml")
        try """
        storage: {url: "postgres://keel:hunter2-secret@127.0.0.1:1/keel?sslmode=disable"}
        providers: [{name: local, kind: mock}]
        models: [{name: smart, targets: [{provider: local, model: echo}]}]
        """.write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let (checked, checkOutput) = try await KeelProcess.run(["check", "--config", path.path])
        #expect(checked == 0 && checkOutput.contains("postgres://***@127.0.0.1:1/keel"), "\(checkOutput)")
        // The server is down: keel serve fails to start, naming the database without the password.
        let (served, serveOutput) = try await KeelProcess.run(["serve", "--config", path.path, "--port", "0"])
        #expect(served != 0 && serveOutput.contains("cannot open the PostgreSQL database"), "\(serveOutput)")
        #expect(!checkOutput.contains("hunter2") && !serveOutput.contains("hunter2"))
    }

    @Test func sigtermFinishesTheRequestInFlightThenExits() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - {name: slow, targets: [{provider: up, model: slow-800}]}
                """)
        defer { harness.stop() }
        let inFlight = Task { try await harness.chat("slow", "finish me") }
        // Terminate only once the request is surely in flight: the provider has it.
        let deadline = ContinuousClock.now + .seconds(10)
        while try await harness.mockStats()["requests"]?.intValue ?? 0 < 1, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let status = try await harness.gateway.terminateGracefully()
        let reply = try await inFlight.value
        #expect(reply.status == 200)
        #expect(reply.json?["choices"]?[0]?["message"]?["content"] == "finish me")
        #expect(status == 0)
        // Stopped: no new connections.
        await #expect(throws: (any Error).self) {
            try await TestHTTP.request(.GET, harness.gateway.baseURL + "/healthz", timeout: .seconds(2))
        }
    }
}
