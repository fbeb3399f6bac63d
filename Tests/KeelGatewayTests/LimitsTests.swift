import Foundation
import KeelCore
import KeelStore
import Synchronization
import Testing

@testable import KeelGateway

/// Captures what a ledger announces.
final class EventCapture: TraceSink {
    let events = Mutex<[StoredEvent]>([])
    func begin() {}
    func enqueue(_ trace: Trace) async {}
    func record(_ event: StoredEvent) async { events.withLock { $0.append(event) } }
}

@Suite struct LimitsTests {
    static let scope = SpendLedger.Scope(kind: .key, id: "key-1", name: "team-a")
    static let budget = Budget(usd: 1, period: .day)

    @Test func reservationsKeepInFlightRequestsWithinTheBudget() async throws {
        let capture = EventCapture()
        let ledger = SpendLedger(store: nil, sink: capture)
        let first = try await ledger.reserve(0.4, under: [(Self.scope, Self.budget)]) { [] }
        _ = try await ledger.reserve(0.4, under: [(Self.scope, Self.budget)]) { [] }
        await #expect(throws: KeelError.self) { try await ledger.reserve(0.4, under: [(Self.scope, Self.budget)]) { [] } }
        do {
            _ = try await ledger.reserve(0.4, under: [(Self.scope, Self.budget)]) { [] }
        } catch {
            #expect(error.status == 429 && error.code == "budget_exceeded" && error.message.contains("key 'team-a' (1usd/day)"))
            #expect((error.retryAfter ?? 0) >= 1)
        }
        // The first settles below its reservation: room for another.
        await ledger.settle(first, budgets: [Self.scope: Self.budget], cost: 0.1)
        _ = try await ledger.reserve(0.4, under: [(Self.scope, Self.budget)]) { [] }
        #expect(capture.events.withLock { $0.isEmpty })
    }

    @Test func alertsAtFiftyEightyAndAHundredPercentOnce() async throws {
        let capture = EventCapture()
        let ledger = SpendLedger(store: nil, sink: capture)
        for cost in [0.3, 0.3, 0.25, 0.1, 0.2] {
            let reservation = try await ledger.reserve(0, under: [(Self.scope, Self.budget)]) { [] }
            await ledger.settle(reservation, budgets: [Self.scope: Self.budget], cost: cost)
        }
        let alerts = capture.events.withLock { $0 }
        #expect(alerts.map { $0.detail["percent"] } == [50, 80, 100])
        #expect(alerts.allSatisfy { $0.kind == "budget_alert" && $0.detail["name"] == "team-a" })
        await #expect(throws: KeelError.self) { try await ledger.reserve(0.01, under: [(Self.scope, Self.budget)]) { [] } }
    }

    @Test func requestsPerMinuteRefillAndTokensSettleWithRealUsage() throws {
        let limiter = RateLimiter()
        let rpm = [RateLimiter.Limit(owner: "key 'a'", unit: .requests, perMinute: 2)]
        _ = try limiter.admit(rpm, tokens: 0)
        _ = try limiter.admit(rpm, tokens: 0)
        do {
            _ = try limiter.admit(rpm, tokens: 0)
            Issue.record("a third request within the minute passed")
        } catch {
            #expect(error.status == 429 && error.code == "rpm_exceeded")
            #expect(error.retryAfter == 30)
        }
        let tpm = [RateLimiter.Limit(owner: "model 'm'", unit: .tokens, perMinute: 100)]
        let debits = try limiter.admit(tpm, tokens: 80)
        #expect(throws: KeelError.self) { try limiter.admit(tpm, tokens: 30) }
        limiter.settle(debits, used: 10)
        _ = try limiter.admit(tpm, tokens: 30)
        // A request larger than the whole minute passes alone on a full bucket.
        let big = [RateLimiter.Limit(owner: "model 'n'", unit: .tokens, perMinute: 50)]
        _ = try limiter.admit(big, tokens: 500)
        #expect(throws: KeelError.self) { try limiter.admit(big, tokens: 1) }
    }

    @Test func estimatesCountInputAndTheOutputAllowance() {
        let body: JSONObject = ["messages": [["role": "user", "content": "hello there"]], "max_tokens": 50]
        let estimate = Limits.estimate(body)
        #expect(estimate.completionTokens == 50 && estimate.promptTokens > 5)
        #expect(Limits.estimate(["messages": []]).completionTokens == Limits.defaultOutputAllowance)
        #expect(Limits.estimate(["input": "text"]).completionTokens == 0)
    }
}

/// A key store whose database is down: every read fails.
private struct UnreachableKeyStore: APIKeyStore {
    struct Down: Error {}
    func createKey(_ key: APIKey) async throws { throw Down() }
    func keys(includingRevoked: Bool) async throws -> [APIKey] { throw Down() }
    func revokeKey(_ idOrName: String) async throws -> Bool { throw Down() }
    func key(hash: String) async throws -> APIKey? { throw Down() }
    func key(id: String) async throws -> APIKey? { throw Down() }
    func hasKeys() async throws -> Bool { throw Down() }
    func spend(apiKeyIDs: [String], since date: Date) async throws -> Double { throw Down() }
}

@Suite struct BudgetsWhenTheStoreIsDownTests {
    @Test func closedRefusesAndOpenAdmitsWhenASpendCannotBeRead() async throws {
        let closed = SpendLedger(store: UnreachableKeyStore(), sink: nil)
        do {
            _ = try await closed.reserve(0.1, under: [(LimitsTests.scope, LimitsTests.budget)]) { [] }
            Issue.record("a budget that could not be read admitted a request")
        } catch {
            #expect(error.status == 503 && error.code == "budget_unavailable")
        }
        let open = SpendLedger(store: UnreachableKeyStore(), sink: nil, failOpen: true)
        // Admitted unbudgeted, even past what the budget would allow, while the spend cannot be read.
        for _ in 0..<3 { _ = try await open.reserve(0.9, under: [(LimitsTests.scope, LimitsTests.budget)]) { [] } }
    }
}
