import Foundation
import KeelCore
import KeelStore
import Testing

/// Budgets and rate limits through the real gateway: concurrent streams must not spend past a
/// key's budget, a team's budget binds its keys, and limited requests get a 429 with Retry-After.
@Suite struct BudgetTests {
    static let admin = ["authorization": "Bearer \(AuthTests.adminKey)"]

    static func start() async throws -> GatewayHarness {
        try await GatewayHarness.start(
            models: """
                  - {name: chat, targets: [{provider: inproc, model: echo}]}
                  - {name: limited, targets: [{provider: inproc, model: echo}], rpm: 2}
                  - {name: cached, targets: [{provider: inproc, model: echo}], cache: {ttl_s: 60}}
                """,
            extra: """
                auth: {admin_key: "\(AuthTests.adminKey)"}
                pricing: [{provider: inproc, model: "*", input: 1000, output: 1000}]
                teams: [{name: growth, budget: 0.05usd/day}]
                """)
    }

    static func key(_ harness: GatewayHarness, _ body: JSONValue) async throws -> [String: String] {
        let created = try await TestHTTP.post(harness.gateway.baseURL + "/api/keys", json: body, headers: admin)
        return ["authorization": "Bearer \(try #require(created.json?["key"]?.stringValue))"]
    }

    @Test func fiftyConcurrentStreamsStayWithinTheKeysBudget() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let key = try await Self.key(harness, ["name": "small", "budget": "0.1usd/day"])
        let body = GatewayHarness.chatBody("chat", "one two three four five six seven eight", stream: true, extra: ["max_tokens": 6])
        let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for _ in 0..<50 {
                group.addTask {
                    let (reply, _) = try await TestHTTP.streamEvents(harness.v1 + "/chat/completions", json: body, headers: key)
                    return (reply.status, reply.json?["error"]?["code"]?.stringValue)
                }
            }
            return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
        }
        let served = statuses.filter { $0.0 == 200 }.count
        #expect(served >= 1)
        #expect(statuses.filter { $0.0 == 429 }.allSatisfy { $0.1 == "budget_exceeded" })
        #expect(served + statuses.filter { $0.0 == 429 }.count == 50)

        // Every served stream is traced with its cost; together they stay within the budget.
        let answeredForSmall = { (traces: [JSONValue]) in traces.filter { $0["api_key"] == "small" && $0["status"] == "ok" } }
        let ok = answeredForSmall(try await harness.traces("limit=200", headers: Self.admin) { answeredForSmall($0).count >= served })
        let spent = ok.compactMap { $0["cost_usd"]?.doubleValue }.reduce(0, +)
        #expect(ok.count == served)
        #expect(spent > 0 && spent <= 0.1 + 1e-9, "spent \(spent) with \(served) streams")
        let after = try await harness.chat("chat", headers: key)
        #expect(after.status == 429 || spent + 0.02 <= 0.1)
    }

    @Test func aNewKeyGivenARevokedKeysNameStartsWithItsOwnBudget() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let body: JSONValue = ["name": "reused", "budget": "0.05usd/day"]
        let first = try await Self.key(harness, body)
        var exhausted = false
        for _ in 0..<20 where !exhausted {
            exhausted = try await harness.chat("chat", extra: ["max_tokens": 6], headers: first).status == 429
        }
        #expect(exhausted, "the first key never reached its budget")
        #expect(try await TestHTTP.request(.DELETE, harness.gateway.baseURL + "/api/keys/reused", headers: Self.admin).status == 200)

        let second = try await Self.key(harness, body)
        let reply = try await harness.chat("chat", extra: ["max_tokens": 6], headers: second)
        #expect(reply.status == 200, "the new key inherited the spend of the revoked key of its name: \(reply.body)")
        // And after a restart, when the spend is read back from the stored traces.
        try await harness.restartGateway()
        #expect(try await harness.chat("chat", extra: ["max_tokens": 6], headers: second).status == 200)
    }

    @Test func aTeamBudgetBindsItsKeysAndRateLimitsAnswerWithRetryAfter() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let member = try await Self.key(harness, ["name": "member", "team": "growth"])
        var refusal: TestHTTP.Reply?
        for _ in 0..<20 {
            let reply = try await harness.chat("chat", "a short question", extra: ["max_tokens": 5], headers: member)
            if reply.status == 429 {
                refusal = reply
                break
            }
            #expect(reply.status == 200)
        }
        let refused = try #require(refusal)
        #expect(refused.json?["error"]?["code"] == "budget_exceeded")
        #expect(refused.json?["error"]?["message"]?.stringValue?.contains("team 'growth' (0.05usd/day)") == true)
        #expect(refused.headers.first(name: "retry-after").flatMap(Int.init) ?? 0 >= 1)
        let events = try await TestHTTP.get(harness.gateway.baseURL + "/api/events", headers: Self.admin)
        let alerts = events.json?["data"]?.arrayValue?.filter { $0["kind"] == "budget_alert" } ?? []
        #expect(alerts.contains { $0["detail"]?["percent"] == 50 })

        let open = try await Self.key(harness, ["name": "free"])
        let firstRequest = ContinuousClock.now
        #expect(try await harness.chat("limited", headers: open).status == 200)
        #expect(try await harness.chat("limited", headers: open).status == 200)
        let limited = try await harness.chat("limited", headers: open)
        #expect(limited.status == 429)
        #expect(limited.json?["error"]?["code"] == "rpm_exceeded")
        // At 2 rpm the bucket gains a request every 30 s: the wait is 30 s less the time since
        // the first request took the bucket's first token (a loaded machine takes seconds here).
        let elapsed = Int((ContinuousClock.now - firstRequest).components.seconds) + 1
        let retryAfter = try #require(limited.headers.first(name: "retry-after").flatMap(Int.init))
        #expect((30 - elapsed)...30 ~= retryAfter, "Retry-After \(retryAfter) after \(elapsed) s")
    }

    @Test func spendIsReportedByKeyTeamModelAndDayWithCacheSavings() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let alpha = try await Self.key(harness, ["name": "alpha", "team": "growth"])
        let beta = try await Self.key(harness, ["name": "beta"])
        for _ in 0..<2 { #expect(try await harness.chat("chat", "hello", extra: ["max_tokens": 3], headers: alpha).status == 200) }
        #expect(try await harness.chat("cached", "same question", headers: beta).status == 200)
        #expect(try await harness.chat("cached", "same question", headers: beta).headers.first(name: "x-keel-cache") == "hit")

        let url = harness.gateway.baseURL + "/api/cost?group_by=key,model"
        var rows: [JSONValue] = []
        let deadline = ContinuousClock.now + .seconds(5)
        repeat {
            try await Task.sleep(for: .milliseconds(100))
            rows = try await TestHTTP.get(url, headers: Self.admin).json?["data"]?.arrayValue ?? []
        } while rows.map({ $0["requests"]?.intValue ?? 0 }).reduce(0, +) < 4 && ContinuousClock.now < deadline
        let alphaRow = try #require(rows.first { $0["key"] == "alpha" })
        #expect(alphaRow["requests"] == 2 && alphaRow["model"] == "chat" && (alphaRow["cost_usd"]?.doubleValue ?? 0) > 0)
        let betaRow = try #require(rows.first { $0["key"] == "beta" })
        #expect(betaRow["requests"] == 2 && betaRow["cache_hits"] == 1 && (betaRow["saved_usd"]?.doubleValue ?? 0) > 0)

        let teams = try await TestHTTP.get(harness.gateway.baseURL + "/api/cost?group_by=team", headers: Self.admin)
        #expect(teams.json?["data"]?.arrayValue?.contains { $0["team"] == "growth" && $0["requests"] == 2 } == true)
        for wrong in ["color", "", "key,"] {
            let bad = try await TestHTTP.get(harness.gateway.baseURL + "/api/cost?group_by=\(wrong)", headers: Self.admin)
            #expect(bad.status == 400 && bad.json?["error"]?["param"] == "group_by", "group_by=\(wrong): \(bad.body)")
        }

        let (status, output) = try await KeelProcess.run(
            ["cost", "--config", harness.configPath, "--group-by", "day", "--json"], environment: GatewayHarness.environment)
        #expect(status == 0, "\(output)")
        let report = try JSONValue.parse(output)
        let today = Trace.format(Date()).prefix(10)
        #expect(report["data"]?[0]?["day"]?.stringValue == String(today))
        #expect(report["total"]?["requests"] == 4)
    }
}
