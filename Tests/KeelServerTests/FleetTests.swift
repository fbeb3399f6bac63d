import Foundation
import KeelCore
import KeelStore
import KeelTestSupport
import Testing

/// Two `keel serve` replicas on one PostgreSQL database behave as one gateway: a key made on
/// one works on the other and a revocation holds on both within the cache time, a prompt
/// pushed through one and a label moved through the other are served by both, and traces
/// written by either are read from either.
struct FleetTests {
    static let admin = ObjectIsolationTests.admin

    @Test func twoReplicasShareKeysPromptsAndTraces() async throws {
        let harness = try await GatewayHarness.start(
            models: PromptServingTests.models, extra: "auth: {admin_key: \"\(ObjectIsolationTests.adminKey)\"}",
            storage: try await TestPostgres.shared.database())
        defer { harness.stop() }
        let second = try await harness.startReplica()
        defer { second.stop() }
        let (first, other) = (harness.gateway.baseURL, second.baseURL)

        // A key made on one replica answers on the other; revoked there, it stops on the first within 2 s.
        let secret = try await ObjectIsolationTests.makeKey(harness, "fleet")
        let bearer = ObjectIsolationTests.bearer(secret)
        for base in [other, first] {
            let answered = try await TestHTTP.post(base + "/v1/chat/completions", json: GatewayHarness.chatBody("smart", "hello"), headers: bearer)
            #expect(answered.status == 200, "\(answered.body)")
        }
        // Revoked on the other replica, the key stops on the first at once: the database
        // announces the change, and the first forgets the lookup it cached (for 2 s) from above.
        let revoked = try await TestHTTP.request(.DELETE, other + "/api/keys/fleet", headers: Self.admin)
        #expect(revoked.status == 200, "\(revoked.body)")
        let refused = try await Self.eventually(1) {
            try await TestHTTP.post(first + "/v1/chat/completions", json: GatewayHarness.chatBody("smart", "hello"), headers: bearer).status == 401
        }
        #expect(refused, "the revoked key still answers on the first replica")

        // A prompt pushed through one replica, its label moved through the other: both serve the new version.
        for style in ["Be brief.", "Be thorough."] {
            let source = PromptServingTests.file.replacingOccurrences(of: "Be brief.", with: style)
            let pushed = try await TestHTTP.post(first + "/api/prompts", json: ["source": .string(source)], headers: Self.admin)
            #expect(pushed.status == 201, "\(pushed.body)")
        }
        let moved = try await TestHTTP.post(
            other + "/api/prompts/support-reply/labels", json: ["label": "production", "version": 2], headers: Self.admin)
        #expect(moved.status == 200, "\(moved.body)")
        let reference: JSONValue = [
            "model": "smart", "messages": [], "prompt": ["id": "support-reply", "variables": ["product": "Keel", "question": "Why?"]],
        ]
        for base in [first, other] {
            let served = try await Self.eventually {
                try await TestHTTP.post(base + "/v1/chat/completions", json: reference, headers: Self.admin).headers.first(name: "x-keel-prompt")
                    == "support-reply@2"
            }
            #expect(served, "\(base) does not serve support-reply@2")
        }

        // A rollout started through one replica is served by the other: both arms answer there.
        let started = try await TestHTTP.post(
            first + "/api/rollouts", json: ["prompt": "support-reply", "candidate": 1, "steps": [50, 100], "step_requests": 1000, "sticky": "none"],
            headers: Self.admin)
        #expect(started.status == 201, "\(started.body)")
        let bothArms = try await Self.eventually {
            var versions = Set<String>()
            for _ in 0..<20 {
                versions.insert(
                    try await TestHTTP.post(other + "/v1/chat/completions", json: reference, headers: Self.admin).headers.first(name: "x-keel-prompt")
                        ?? "none")
            }
            return versions == ["support-reply@1", "support-reply@2"]
        }
        #expect(bothArms, "the second replica does not serve the rollout's candidate")

        // Traces written by either replica are read from either.
        let traced = try await Self.eventually {
            let page = try await TestHTTP.get(first + "/api/traces?limit=100", headers: Self.admin)
            return (page.json?["data"]?.arrayValue ?? []).count >= 4
        }
        #expect(traced)
        let stats = try await TestHTTP.get(other + "/api/stats?window=1h", headers: Self.admin)
        #expect(stats.status == 200 && (stats.json?["data"]?[0]?["requests"]?.intValue ?? 0) >= 4, "\(stats.body)")
    }

    /// Concurrent requests spread over both replicas: one key's budget holds for the fleet
    /// (reserved and settled in the database), and one key's rate limit admits the limit, not
    /// the limit per replica.
    @Test func oneBudgetAndOneRateLimitHoldAcrossBothReplicas() async throws {
        let harness = try await GatewayHarness.start(
            models: PromptServingTests.models,
            extra: """
                auth: {admin_key: "\(ObjectIsolationTests.adminKey)"}
                pricing: [{provider: up, model: "*", input: 1000, output: 1000}]
                """,
            storage: try await TestPostgres.shared.database())
        defer { harness.stop() }
        let second = try await harness.startReplica()
        defer { second.stop() }
        let bases = [harness.gateway.baseURL, second.baseURL]

        let budgeted = try await Self.key(harness, ["name": "budgeted", "budget": "0.1usd/day"])
        let body = GatewayHarness.chatBody("smart", "one two three four five six seven eight", extra: ["max_tokens": 6])
        let replies = try await withThrowingTaskGroup(of: TestHTTP.Reply.self) { group in
            for index in 0..<40 {
                group.addTask { try await TestHTTP.post(bases[index % 2] + "/v1/chat/completions", json: body, headers: budgeted) }
            }
            return try await group.reduce(into: [TestHTTP.Reply]()) { $0.append($1) }
        }
        let served = replies.filter { $0.status == 200 }
        #expect(!served.isEmpty)
        #expect(replies.filter { $0.status != 200 }.allSatisfy { $0.status == 429 && $0.json?["error"]?["code"] == "budget_exceeded" })
        let spent = served.compactMap { $0.json?["usage"] }.map { usage in
            Double((usage["prompt_tokens"]?.intValue ?? 0) + (usage["completion_tokens"]?.intValue ?? 0)) * 1000 / 1_000_000
        }.reduce(0, +)
        #expect(spent > 0 && spent <= 0.1 + 1e-9, "the fleet spent $\(spent) of a $0.1 budget over \(served.count) requests")

        let limited = try await Self.key(harness, ["name": "limited", "rpm": 10])
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<30 {
                group.addTask {
                    try await TestHTTP.post(bases[index % 2] + "/v1/chat/completions", json: GatewayHarness.chatBody("smart", "hi"), headers: limited)
                        .status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        // Ten a minute for the fleet (one more may refill while the requests run), where each replica alone would admit ten.
        let admitted = statuses.filter { $0 == 200 }.count
        #expect((10...11).contains(admitted), "\(admitted) of 30 admitted against 10 a minute")
        #expect(statuses.filter { $0 != 200 }.allSatisfy { $0 == 429 })
    }

    @Test func keelStoreMigrateCopiesALaptopsStoreIntoPostgreSQL() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keel-laptop-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let laptop = try SQLiteTraceStore(path: path)
        try await laptop.createKey(APIKeySecret.mint(name: "laptop").key)
        _ = try await laptop.pushPrompt(
            NewPromptRecord(name: "support-reply", hash: "h1", source: "name: support-reply", author: "ada", commitMessage: nil))
        let database = try await TestPostgres.shared.database()
        let (status, output) = try await KeelProcess.run(["store", "migrate", "--from", "sqlite://" + path, "--to", database])
        #expect(status == 0 && output.contains("api_keys: 1 rows") && output.contains("prompt_versions: 1 rows"), "\(output)")
        let fleet = try await StoreFactory.open(StorageConfig(url: database))
        #expect(try await fleet.keys(includingRevoked: true).map(\.name) == ["laptop"])
        let (refused, message) = try await KeelProcess.run(["store", "migrate", "--from", "sqlite:///nowhere/keel.db", "--to", database])
        #expect(refused != 0 && message.contains("--from"), "\(message)")
    }

    @Test func aKilledReplicasBatchIsFinishedByTheOther() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - {name: slowchat, targets: [{provider: inproc, model: "echo+slow-60"}]}
                """,
            extra: "batch: {concurrency: 4, lease_s: 2}", storage: try await TestPostgres.shared.database())
        defer { harness.stop() }
        let file = try await BatchTests.upload(harness, lines: (0..<200).map(BatchTests.line))
        let created = try await TestHTTP.post(
            harness.v1 + "/batches", json: ["input_file_id": .string(file), "endpoint": "/v1/chat/completions", "completion_window": "24h"])
        let id = try #require(created.json?["id"]?.stringValue)
        _ = try await BatchTests.poll(harness, id) { ($0["request_counts"]?["completed"]?.intValue ?? 0) >= 20 }
        // A second replica finds the batch held by the first and leaves it; killed, the first's
        // lease runs out and the second finishes the batch.
        let second = try await harness.startReplica()
        defer { second.stop() }
        try await Task.sleep(for: .seconds(1.5))
        let meanwhile = try await TestHTTP.get(harness.v1 + "/batches/\(id)").json?["request_counts"]?["completed"]?.intValue ?? 0
        #expect(meanwhile > 20 && meanwhile < 200, "the batch runs on, once: \(meanwhile)")
        harness.gateway.stop()
        let deadline = ContinuousClock.now + .seconds(60)
        var finished: JSONValue?
        while ContinuousClock.now < deadline {
            let batch = try await TestHTTP.get(second.baseURL + "/v1/batches/\(id)").json
            if batch?["status"] == "completed" {
                finished = batch
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        let done = try #require(finished, "the surviving replica did not finish the batch")
        let counts = done["request_counts"]
        #expect(counts?["total"] == 200 && (counts?["completed"]?.intValue ?? 0) + (counts?["failed"]?.intValue ?? 0) == 200, "\(done)")
        // Lines the killed replica had in flight are failed as interrupted, never sent twice.
        #expect((counts?["failed"]?.intValue ?? 0) <= 4, "\(done)")
        let output = try await TestHTTP.get(second.baseURL + "/v1/files/\(try #require(done["output_file_id"]?.stringValue))/content")
        let answered = output.body.split(separator: "\n").compactMap { try? JSONValue.parse(String($0))["custom_id"]?.stringValue }
        #expect(answered.count == Set(answered).count, "a line answered twice")
    }

    @Test func aDatabaseRestartUnderLoadLosesNoTrace() async throws {
        let server = TestPostgres()
        let harness = try await GatewayHarness.start(models: PromptServingTests.models, storage: try await server.database())
        defer { harness.stop() }
        // Requests every 20 ms while the database goes away for three seconds and comes back.
        let load = Task {
            var answered: [String] = []
            for index in 0..<300 {
                let reply = try await harness.chat("smart", "request \(index)")
                if reply.status == 200, let id = reply.headers.first(name: "x-keel-trace-id") { answered.append(id) }
                try await Task.sleep(for: .milliseconds(20))
            }
            return answered
        }
        try await Task.sleep(for: .seconds(1))
        try await server.restart(after: .seconds(3))
        let answered = try await load.value
        #expect(answered.count == 300, "the gateway kept answering while its database was down")
        // Every answered request's trace reaches the database once it is back: eventually, which
        // on a machine busy with the whole suite (this test has taken 94 s there, 12 s alone) can
        // be well after the 2 s between the writer's tries of its dead letters.
        let stored = try await Self.eventually(60) {
            let stats = try await TestHTTP.get(harness.gateway.baseURL + "/api/stats?window=1h")
            return (stats.json?["data"]?[0]?["requests"]?.intValue ?? 0) >= answered.count
        }
        // On a failure, what the writer was doing: still retrying, dead letters waiting, or done.
        let health = stored ? nil : try await TestHTTP.get(harness.gateway.baseURL + "/healthz").json?["traces"]
        #expect(stored, "traces were lost across the database restart; the writer: \(health.map { $0.encodedString() } ?? "?")")
        for id in [answered[0], answered[answered.count / 2], answered[answered.count - 1]] {
            #expect(try await TestHTTP.get(harness.gateway.baseURL + "/api/traces/\(id)").status == 200)
        }
    }

    @Test func oneReplicaLeadsTheMonitorAndTheOtherFollowsItsActions() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - name: chat
                    retries: 0
                    targets: [{provider: up, model: "fail-503"}, {provider: up, model: echo}]
                  - {name: spare, targets: [{provider: up, model: echo}]}
                """, resilience: ", breaker_failure_threshold: 100000",
            extra: IncidentTests.extra + "\nremediation: {actions: {eject_target: auto}, eject_for_s: 600}",
            storage: try await TestPostgres.shared.database())
        defer { harness.stop() }
        let second = try await harness.startReplica()
        defer { second.stop() }
        // Only the follower sees the outage of up/fail-503 (hidden from clients by failover):
        // the leader detects it from the fleet's traces, not from its own traffic.
        let bases = [harness.gateway.baseURL, second.baseURL]
        var follower: String?
        for _ in 0..<100 where follower == nil {
            var roles: [String: String] = [:]
            for base in bases { roles[base] = try await TestHTTP.get(base + "/healthz").json?["store"]?["monitor"]?.stringValue }
            follower = roles.values.contains("leader") ? roles.first { $0.value == "follower" }?.key : nil
            if follower == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let followerBase = try #require(follower, "no replica leads the monitor")
        let traffic = Task {
            while !Task.isCancelled {
                _ = try? await TestHTTP.post(
                    followerBase + "/v1/chat/completions", json: GatewayHarness.chatBody("chat", "hello"), headers: IncidentTests.admin)
                try? await Task.sleep(for: .milliseconds(25))
            }
        }
        defer { traffic.cancel() }
        let incidents = { () async throws -> [JSONValue] in
            try await TestHTTP.get(second.baseURL + "/api/incidents?limit=100", headers: IncidentTests.admin).json?["data"]?.arrayValue ?? []
        }
        let opened = try await IncidentCorrelationTests.waitFor(20) {
            try await incidents().first { $0["kind"] == "target_errors" && $0["actions"]?[0]?["status"] == "applied" }
        }
        #expect(opened != nil, "no target_errors incident with its ejection applied")
        // Both replicas route around the ejected target: the follower put the leader's action in force.
        let routedAround = try await Self.eventually(5) {
            var upstreams = Set<String>()
            for base in [harness.gateway.baseURL, second.baseURL] {
                let reply = try await TestHTTP.post(
                    base + "/v1/chat/completions", json: GatewayHarness.chatBody("chat", "hello"), headers: IncidentTests.admin)
                var trace: JSONValue?
                for _ in 0..<50 where trace == nil {
                    let read = try await TestHTTP.get(
                        base + "/api/traces/\(reply.headers.first(name: "x-keel-trace-id") ?? "")", headers: IncidentTests.admin)
                    if read.status == 200 { trace = read.json } else { try await Task.sleep(for: .milliseconds(50)) }
                }
                upstreams.formUnion(trace?["attempts"]?.arrayValue?.compactMap { $0["upstream_model"]?.stringValue } ?? ["unread"])
            }
            return upstreams == ["echo"]
        }
        #expect(routedAround, "a replica still tries the ejected target")
        // /healthz says which replica leads, and what a budget does when the database is down.
        var roles: [String] = []
        for base in [harness.gateway.baseURL, second.baseURL] {
            let store = try await TestHTTP.get(base + "/healthz").json?["store"]
            #expect(store?["kind"] == "postgres" && store?["budgets_when_unreachable"] == "closed", "\(store ?? .null)")
            roles.append(store?["monitor"]?.stringValue ?? "?")
        }
        #expect(roles.sorted() == ["follower", "leader"])
        try await Task.sleep(for: .seconds(2))
        let outages = try await incidents().filter { $0["kind"] == "target_errors" }
        #expect(outages.count == 1, "one incident for the fleet, not one per replica: \(outages.map { $0["id"] ?? .null })")

        // Reverted through the follower's API, the action is handed to the leader, which undoes it.
        let id = try #require(opened?["id"]?.stringValue)
        let actionID = try #require(opened?["actions"]?[0]?["id"]?.stringValue)
        let asked = try await TestHTTP.post(
            followerBase + "/api/incidents/\(id)/actions/\(actionID)/revert", json: ["by": "ana"], headers: IncidentTests.admin)
        #expect(asked.status == 200 && asked.json?["actions"]?[0]?["status"] == "revert_requested", "\(asked.body)")
        let reverted = try await Self.eventually(5) {
            let incident = try await TestHTTP.get(followerBase + "/api/incidents/\(id)", headers: IncidentTests.admin).json
            return incident?["actions"]?[0]?["status"] == "reverted"
        }
        #expect(reverted, "the leader did not carry out the revert asked through the follower")
    }

    static func key(_ harness: GatewayHarness, _ body: JSONValue) async throws -> [String: String] {
        let created = try await TestHTTP.post(harness.gateway.baseURL + "/api/keys", json: body, headers: admin)
        return ObjectIsolationTests.bearer(try #require(created.json?["key"]?.stringValue, "\(created.body)"))
    }

    /// Whether `condition` holds within `seconds`, asked every 100 ms.
    static func eventually(_ seconds: Double = 3, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        repeat {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        return false
    }
}
