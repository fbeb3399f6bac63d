import Foundation
import KeelCore
import Testing

/// Files and batches belong to the key that made them and to its team: another key is told
/// they do not exist and does not see them in lists; the admin key sees them all. A batch runs
/// under its key's id: revoking the key cancels it, and a new key of the same name inherits
/// nothing.
@Suite(.timeLimit(.minutes(3))) struct ObjectIsolationTests {
    static let adminKey = "admin-key-for-the-isolation-tests-0123"
    static let admin = ["authorization": "Bearer \(adminKey)"]

    static func bearer(_ secret: String) -> [String: String] { ["authorization": "Bearer \(secret)"] }

    static func makeKey(_ harness: GatewayHarness, _ name: String, team: String? = nil) async throws -> String {
        var body: JSONObject = ["name": .string(name)]
        body["team"] = team.map(JSONValue.string)
        let created = try await TestHTTP.post(harness.gateway.baseURL + "/api/keys", json: .object(body), headers: admin)
        #expect(created.status == 201, "\(created.body)")
        return try #require(created.json?["key"]?.stringValue)
    }

    static func upload(_ harness: GatewayHarness, lines: Int, as secret: String) async throws -> String {
        let content = (0..<lines).map(BatchTests.line).joined(separator: "\n")
        let reply = try await TestHTTP.postMultipart(
            harness.v1 + "/files", fields: ["purpose": "batch"], file: ("file", "input.jsonl", content), headers: bearer(secret))
        #expect(reply.status == 200, "\(reply.body)")
        return try #require(reply.json?["id"]?.stringValue)
    }

    static func ids(_ reply: TestHTTP.Reply) -> Set<String> {
        Set(reply.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [])
    }

    @Test func anotherKeyCannotSeeOrTouchAKeysFilesAndBatches() async throws {
        let harness = try await GatewayHarness.start(
            models: "  - {name: slowchat, targets: [{provider: inproc, model: \"echo+slow-60\"}]}",
            extra: "auth: {admin_key: \"\(Self.adminKey)\"}\nbatch: {concurrency: 2}")
        defer { harness.stop() }
        let alice = try await Self.makeKey(harness, "alice", team: "research")
        let aliceTeammate = try await Self.makeKey(harness, "carol", team: "research")
        let bob = try await Self.makeKey(harness, "bob")

        let file = try await Self.upload(harness, lines: 3, as: alice)
        let batch = try await TestHTTP.post(
            harness.v1 + "/batches", json: ["input_file_id": .string(file), "endpoint": "/v1/chat/completions"], headers: Self.bearer(alice))
        #expect(batch.status == 200, "\(batch.body)")
        let batchID = try #require(batch.json?["id"]?.stringValue)

        // Bob: every route answers as if they did not exist.
        for path in ["/files/\(file)", "/files/\(file)/content", "/batches/\(batchID)"] {
            let reply = try await TestHTTP.get(harness.v1 + path, headers: Self.bearer(bob))
            #expect(reply.status == 404, "\(path): \(reply.status) \(reply.body)")
        }
        #expect(try await TestHTTP.request(.DELETE, harness.v1 + "/files/\(file)", headers: Self.bearer(bob)).status == 404)
        #expect(try await TestHTTP.post(harness.v1 + "/batches/\(batchID)/cancel", json: [:], headers: Self.bearer(bob)).status == 404)
        let bobsBatch = try await TestHTTP.post(
            harness.v1 + "/batches", json: ["input_file_id": .string(file), "endpoint": "/v1/chat/completions"], headers: Self.bearer(bob))
        #expect(bobsBatch.status == 404, "a key ran a batch on another key's file: \(bobsBatch.body)")
        #expect(!Self.ids(try await TestHTTP.get(harness.v1 + "/files", headers: Self.bearer(bob))).contains(file))
        #expect(!Self.ids(try await TestHTTP.get(harness.v1 + "/batches", headers: Self.bearer(bob))).contains(batchID))

        // Alice's team sees them; the admin key sees everything.
        #expect(try await TestHTTP.get(harness.v1 + "/files/\(file)", headers: Self.bearer(aliceTeammate)).status == 200)
        #expect(Self.ids(try await TestHTTP.get(harness.v1 + "/files", headers: Self.bearer(aliceTeammate))).contains(file))
        #expect(Self.ids(try await TestHTTP.get(harness.v1 + "/files", headers: Self.admin)).contains(file))
        #expect(Self.ids(try await TestHTTP.get(harness.v1 + "/batches", headers: Self.admin)).contains(batchID))

        // The batch's output belongs to Alice too.
        let done = try await poll(harness, batchID, as: alice) { $0["status"] == "completed" }
        let output = try #require(done["output_file_id"]?.stringValue)
        #expect(try await TestHTTP.get(harness.v1 + "/files/\(output)/content", headers: Self.bearer(alice)).status == 200)
        #expect(try await TestHTTP.get(harness.v1 + "/files/\(output)/content", headers: Self.bearer(bob)).status == 404)
    }

    @Test func revokingTheKeyCancelsItsBatchAndANewKeyOfTheSameNameInheritsNothing() async throws {
        let harness = try await GatewayHarness.start(
            models: "  - {name: slowchat, targets: [{provider: inproc, model: \"echo+slow-60\"}]}",
            extra: "auth: {admin_key: \"\(Self.adminKey)\"}\nbatch: {concurrency: 1}")
        defer { harness.stop() }
        let first = try await Self.makeKey(harness, "worker")
        // Long enough (at least 60 s) that a loaded machine cannot finish it before the revocation.
        let file = try await Self.upload(harness, lines: 1000, as: first)
        let created = try await TestHTTP.post(
            harness.v1 + "/batches", json: ["input_file_id": .string(file), "endpoint": "/v1/chat/completions"], headers: Self.bearer(first))
        let batchID = try #require(created.json?["id"]?.stringValue)
        _ = try await poll(harness, batchID, as: first) { ($0["request_counts"]?["completed"]?.intValue ?? 0) >= 3 }

        #expect(try await TestHTTP.request(.DELETE, harness.gateway.baseURL + "/api/keys/worker", headers: Self.admin).status == 200)
        let ended = try await poll(harness, batchID, as: nil) { ["cancelled", "completed", "failed", "expired"].contains($0["status"]?.stringValue) }
        #expect(ended["status"] == "cancelled")
        #expect((ended["request_counts"]?["completed"]?.intValue ?? 1000) < 1000)

        let second = try await Self.makeKey(harness, "worker")
        #expect(try await TestHTTP.get(harness.v1 + "/batches/\(batchID)", headers: Self.bearer(second)).status == 404)
        #expect(try await TestHTTP.get(harness.v1 + "/files/\(file)", headers: Self.bearer(second)).status == 404)
        #expect(Self.ids(try await TestHTTP.get(harness.v1 + "/files", headers: Self.bearer(second))).isEmpty)
    }

    /// Polls a batch as `secret` (the admin key when nil) until `done` holds.
    func poll(_ harness: GatewayHarness, _ id: String, as secret: String?, until done: (JSONValue) -> Bool) async throws -> JSONValue {
        try await BatchTests.poll(harness, id, headers: secret.map(Self.bearer) ?? Self.admin, until: done)
    }
}
