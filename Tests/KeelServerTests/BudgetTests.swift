import Foundation
import KeelCore
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
        let deadline = ContinuousClock.now + .seconds(5)
        var spent = 0.0
        var traced = 0
        repeat {
            try await Task.sleep(for: .milliseconds(100))
            let page = try await TestHTTP.get(harness.gateway.baseURL + "/api/traces?limit=200", headers: Self.admin)
            let ok = page.json?["data"]?.arrayValue?.filter { $0["api_key"] == "small" && $0["status"] == "ok" } ?? []
            traced = ok.count
            spent = ok.compactMap { $0["cost_usd"]?.doubleValue }.reduce(0, +)
        } while traced < served && ContinuousClock.now < deadline
        #expect(traced == served)
        #expect(spent > 0 && spent <= 0.1 + 1e-9, "spent \(spent) with \(served) streams")
        let after = try await harness.chat("chat", headers: key)
        #expect(after.status == 429 || spent + 0.02 <= 0.1)
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
        #expect(try await harness.chat("limited", headers: open).status == 200)
        #expect(try await harness.chat("limited", headers: open).status == 200)
        let limited = try await harness.chat("limited", headers: open)
        #expect(limited.status == 429)
        #expect(limited.json?["error"]?["code"] == "rpm_exceeded")
        #expect(limited.headers.first(name: "retry-after") == "30")
    }
}
