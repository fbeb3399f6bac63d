import Foundation
import KeelCore
import Testing

/// `keel serve` reads keel.yaml again on `POST /api/config/reload` and on SIGHUP, without a
/// restart; a file that does not load is refused and the running configuration keeps serving.
struct ConfigReloadTests {
    static let first = "  - {name: first, targets: [{provider: up, model: echo}]}"
    static let second = "  - {name: second, targets: [{provider: up, model: echo}]}"

    @Test func aReloadServesTheNewFileAndABadFileChangesNothing() async throws {
        let harness = try await GatewayHarness.start(models: Self.first)
        defer { harness.stop() }
        let original = try String(contentsOfFile: harness.configPath, encoding: .utf8)
        #expect(try await harness.chat("second").status == 404)

        try original.replacingOccurrences(of: Self.first, with: Self.first + "\n" + Self.second)
            .write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        let reloaded = try await TestHTTP.post(harness.gateway.baseURL + "/api/config/reload", json: [:])
        #expect(reloaded.status == 200, "\(reloaded.body)")
        #expect(reloaded.json?["models"] == ["first", "second"])
        #expect(reloaded.json?["restart_required"] == [])
        #expect(try await harness.chat("second").status == 200)

        try original.replacingOccurrences(of: Self.first, with: "  - {name: third, targets: [{provider: nowhere, model: echo}]}")
            .write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        let refused = try await TestHTTP.post(harness.gateway.baseURL + "/api/config/reload", json: [:])
        #expect(refused.status == 422)
        #expect(refused.json?["error"]?["code"] == "invalid_config")
        let message = refused.json?["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("keel.yaml") && message.contains("nowhere"), "\(message)")
        // The refused file changed nothing: both models still answer.
        #expect(try await harness.chat("first").status == 200)
        #expect(try await harness.chat("second").status == 200)

        // The server's settings are read only at start: a reload says so and serves the rest.
        try original.replacingOccurrences(of: Self.first, with: Self.first + "\n" + Self.second)
            .replacingOccurrences(of: "port: 0", with: "port: 0, max_body_bytes: 1048576")
            .write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        let partly = try await TestHTTP.post(harness.gateway.baseURL + "/api/config/reload", json: [:])
        #expect(partly.json?["restart_required"] == ["server"])
    }

    @Test func sighupReloadsTheFile() async throws {
        let harness = try await GatewayHarness.start(models: Self.first)
        defer { harness.stop() }
        let original = try String(contentsOfFile: harness.configPath, encoding: .utf8)
        try original.replacingOccurrences(of: Self.first, with: Self.second)
            .write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        kill(harness.gateway.process.processIdentifier, SIGHUP)
        let deadline = ContinuousClock.now + .seconds(5)
        var status = 0
        while ContinuousClock.now < deadline {
            status = try await harness.chat("second").status
            if status == 200 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == 200)
        #expect(try await harness.chat("first").status == 404)
        #expect(harness.gateway.exitStatus == nil)
    }
}
