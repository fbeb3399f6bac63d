import Foundation
import KeelCore
import NIOHTTP1
import Testing

/// Keel API keys and the admin key, through the real gateway and the real `keel keys`.
@Suite struct AuthTests {
    static let adminKey = "admin-key-for-the-tests-0123456789"
    static let admin = ["authorization": "Bearer \(adminKey)"]

    static func start() async throws -> GatewayHarness {
        try await GatewayHarness.start(
            models: """
                  - {name: chat, targets: [{provider: inproc, model: echo}]}
                  - {name: other, targets: [{provider: inproc, model: echo}]}
                """,
            extra: """
                auth: {admin_key: "\(adminKey)"}
                """)
    }

    static func bearer(_ key: String) -> [String: String] { ["authorization": "Bearer \(key)"] }

    /// Whether a chat with `secret` answers `status` within the 2 seconds the README promises
    /// (and 200 ms for the request itself), from now.
    static func within2Seconds(_ harness: GatewayHarness, secret: String, reaches status: Int) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(2_200)
        while ContinuousClock.now < deadline {
            if try await harness.chat("other", headers: bearer(secret)).status == status { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test func keysGateV1OnceOneExistsAndTheAdminKeyGatesApi() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let api = harness.gateway.baseURL + "/api/keys"

        // No key yet: /v1 is open, /api needs the admin key.
        #expect(try await harness.chat("chat").status == 200)
        let locked = try await TestHTTP.get(api)
        #expect(locked.status == 401)
        #expect(locked.json?["error"]?["code"] == "invalid_admin_key")
        #expect(try await TestHTTP.get(harness.gateway.baseURL + "/healthz").status == 200)

        let created = try await TestHTTP.post(
            api, json: ["name": "team-a", "team": "growth", "budget": "50usd/month", "rpm": 600, "models": ["chat"]], headers: Self.admin)
        #expect(created.status == 201)
        let secret = try #require(created.json?["key"]?.stringValue)
        #expect(secret.hasPrefix("sk-keel-"))
        #expect(created.json?["budget"] == "50usd/month")

        // Now /v1 needs a key, and only its models.
        let missing = try await harness.chat("chat")
        #expect(missing.status == 401)
        #expect(missing.json?["error"]?["code"] == "missing_api_key")
        let wrong = try await harness.chat("chat", headers: Self.bearer("sk-keel-not-a-real-key-at-all-0000000000000"))
        #expect(wrong.status == 401)
        #expect(wrong.json?["error"]?["code"] == "invalid_api_key")
        let allowed = try await harness.chat("chat", headers: Self.bearer(secret))
        #expect(allowed.status == 200)
        let forbidden = try await harness.chat("other", headers: Self.bearer(secret))
        #expect(forbidden.status == 403)
        #expect(forbidden.json?["error"]?["code"] == "model_not_allowed")
        let models = try await TestHTTP.get(harness.gateway.baseURL + "/v1/models", headers: Self.bearer(secret))
        #expect(models.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["chat"])

        let trace = try await harness.trace(try #require(allowed.headers.first(name: "x-keel-trace-id")), headers: Self.admin)
        #expect(trace["api_key"] == "team-a")

        // Listed without its secret; revoked at once.
        let listed = try await TestHTTP.get(api, headers: Self.admin)
        #expect(listed.json?["data"]?[0]?["name"] == "team-a")
        #expect(!listed.body.contains(secret))
        let duplicate = try await TestHTTP.post(api, json: ["name": "team-a"], headers: Self.admin)
        #expect(duplicate.status == 409)
        let badBudget = try await TestHTTP.post(api, json: ["name": "b", "budget": "lots"], headers: Self.admin)
        #expect(badBudget.status == 400)
        #expect(badBudget.json?["error"]?["param"] == "budget")
        let revoked = try await TestHTTP.request(.DELETE, api + "/team-a", headers: Self.admin)
        #expect(revoked.status == 200)
        #expect(try await harness.chat("chat", headers: Self.bearer(secret)).status == 401)

        // The store holds the hash only: no file of it (the database, its WAL, its shared memory)
        // holds the secret or its hex, looked for while the gateway still runs.
        let files = try FileManager.default.contentsOfDirectory(atPath: harness.directory.path).filter { $0.hasPrefix("keel.db") }
        #expect(files.contains("keel.db-wal"), "\(files)")
        let secretHex = Data(secret.utf8).map { String(format: "%02x", $0) }.joined()
        for file in files {
            let bytes = try Data(contentsOf: harness.directory.appendingPathComponent(file))
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds the key's secret")
            #expect(bytes.range(of: Data(secret.dropFirst(8).utf8)) == nil, "\(file) holds the key's secret without its prefix")
            #expect(bytes.range(of: Data(secretHex.utf8)) == nil, "\(file) holds the key's secret in hex")
        }
    }

    /// Path parameters are percent-decoded: the key `team a` is revoked at `/api/keys/team%20a`
    /// (it was looked up as `team%20a` and not found).
    @Test func aKeyWhoseNameNeedsEncodingIsRevokedByItsName() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let api = harness.gateway.baseURL + "/api/keys"
        #expect(try await TestHTTP.post(api, json: ["name": "team a/ü"], headers: Self.admin).status == 201)
        let revoked = try await TestHTTP.request(.DELETE, api + "/team%20a%2F%C3%BC", headers: Self.admin)
        #expect(revoked.status == 400, "an encoded '/' is refused before routing: \(revoked.body)")
        #expect(try await TestHTTP.post(api, json: ["name": "team b ü"], headers: Self.admin).status == 201)
        let decoded = try await TestHTTP.request(.DELETE, api + "/team%20b%20%C3%BC", headers: Self.admin)
        #expect(decoded.status == 200, "\(decoded.body)")
        #expect(decoded.json?["revoked"] == "team b ü")
        // Sent raw: the HTTP client would not send %FF as it is.
        let notUTF8 = try await RawConnection.sendAndReadToEnd(
            port: harness.gateway.port,
            "DELETE /api/keys/team%FF HTTP/1.1\r\nHost: keel\r\nAuthorization: Bearer \(Self.adminKey)\r\nConnection: close\r\n\r\n")
        #expect(notUTF8.hasPrefix("HTTP/1.1 400"), "\(notUTF8)")
        #expect(notUTF8.contains(#""param":"key""#), "\(notUTF8)")
    }

    @Test func keelKeysWorksBesideARunningGateway() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let (status, output) = try await KeelProcess.run(
            ["keys", "create", "--config", harness.configPath, "--name", "cli", "--tpm", "200000", "--models", "chat,other"],
            environment: GatewayHarness.environment)
        #expect(status == 0, "\(output)")
        let secret = try #require(output.split(separator: "\n").last.map(String.init))
        #expect(secret.hasPrefix("sk-keel-") && secret.count == 48)

        // The gateway finds the new key in the store within its cache time: 2 seconds.
        #expect(try await Self.within2Seconds(harness, secret: secret, reaches: 200))
        #expect(try await harness.chat("other").status == 401)

        let (_, list) = try await KeelProcess.run(["keys", "list", "--config", harness.configPath], environment: GatewayHarness.environment)
        #expect(list.contains("cli") && list.contains("200000 tpm") && !list.contains(secret), "\(list)")
        let (badStatus, badOutput) = try await KeelProcess.run(
            ["keys", "create", "--config", harness.configPath, "--name", "x", "--models", "nope"], environment: GatewayHarness.environment)
        #expect(badStatus != 0 && badOutput.contains("not a configured model"), "\(badOutput)")
        let (revokeStatus, _) = try await KeelProcess.run(
            ["keys", "revoke", "--config", harness.configPath, "cli"], environment: GatewayHarness.environment)
        #expect(revokeStatus == 0)
        #expect(try await Self.within2Seconds(harness, secret: secret, reaches: 401), "a key revoked by keel keys still worked after 2 seconds")
        let (again, _) = try await KeelProcess.run(
            ["keys", "revoke", "--config", harness.configPath, "cli"], environment: GatewayHarness.environment)
        #expect(again == 1)
    }
}
