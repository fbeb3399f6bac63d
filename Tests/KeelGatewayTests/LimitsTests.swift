import Foundation
import KeelCore
import KeelStore
import KeelTestSupport
import Synchronization
import Testing

@testable import KeelGateway

/// Captures what a ledger announces.
final class EventCapture: TraceSink {
    let events = Mutex<[StoredEvent]>([])
    func begin() {}
    func enqueue(_ trace: consuming Trace) async {}
    func record(_ event: StoredEvent) async { events.withLock { $0.append(event) } }
}

/// Where budgets and rate limits are kept: each test of the suite runs against both.
enum LimitsBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// In this process.
    case process
    /// In a PostgreSQL database shared by a fleet.
    case fleet

    var testDescription: String { rawValue }

    /// A ledger and a limiter on a new, empty store, and (for a fleet) the store, to make a second replica's.
    func open(sink: (any TraceSink)?) async throws -> (any BudgetLedger, any RateLimiting, (any SharedLimitStore)?) {
        switch self {
        case .process:
            return (SpendLedger(store: nil, sink: sink), RateLimiter(), nil)
        case .fleet:
            let store = try await StoreFactory.open(StorageConfig(url: try await TestPostgres.shared.database()))
            let shared = try #require(store as? any SharedLimitStore)
            return (FleetSpendLedger(store: shared, sink: sink), FleetRateLimiter(store: shared), shared)
        }
    }
}

@Suite struct LimitsTests {
    static let scope = BudgetScope(kind: .key, id: "key-1", name: "team-a")
    static let budget = Budget(usd: 1, period: .day)

    @Test(arguments: LimitsBackend.allCases) func reservationsKeepInFlightRequestsWithinTheBudget(_ backend: LimitsBackend) async throws {
        let capture = EventCapture()
        let (ledger, _, _) = try await backend.open(sink: capture)
        let first = try await ledger.reserve(0.4, under: [(Self.scope, Self.budget)]) { [] }
        _ = try await ledger.reserve(0.4, under: [(Self.scope, Self.budget)]) { [] }
        do {
            _ = try await ledger.reserve(0.4, under: [(Self.scope, Self.budget)]) { [] }
            Issue.record("a reservation past the budget was taken")
        } catch {
            #expect(error.status == 429 && error.code == "budget_exceeded" && error.message.contains("key 'team-a' (1usd/day)"))
            #expect(error.message.contains("$0.8000 reserved"), "\(error.message)")
            #expect((error.retryAfter ?? 0) >= 1)
        }
        // The first settles below its reservation: room for another.
        await ledger.settle(first, cost: 0.1)
        _ = try await ledger.reserve(0.4, under: [(Self.scope, Self.budget)]) { [] }
        #expect(capture.events.withLock { $0.isEmpty })
    }

    @Test(arguments: LimitsBackend.allCases) func aKeyAndItsTeamAreReservedTogetherOrNotAtAll(_ backend: LimitsBackend) async throws {
        let (ledger, _, _) = try await backend.open(sink: nil)
        let team = BudgetScope.team("growth")
        let budgets = [(Self.scope, Budget(usd: 10, period: .month)), (team, Budget(usd: 1, period: .month))]
        _ = try await ledger.reserve(0.6, under: budgets) { [] }
        do {
            _ = try await ledger.reserve(0.6, under: budgets) { [] }
            Issue.record("the team's budget did not hold")
        } catch {
            #expect(error.message.contains("team 'growth'"), "\(error.message)")
        }
        // The refused request reserved nothing under the key: all of the key's 10 USD but 0.6 is free.
        _ = try await ledger.reserve(9.4, under: [(Self.scope, Budget(usd: 10, period: .month))]) { [] }
    }

    @Test(arguments: LimitsBackend.allCases) func alertsAtFiftyEightyAndAHundredPercentOnce(_ backend: LimitsBackend) async throws {
        let capture = EventCapture()
        let (ledger, _, _) = try await backend.open(sink: capture)
        for cost in [0.3, 0.3, 0.25, 0.1, 0.2] {
            let hold = try await ledger.reserve(0, under: [(Self.scope, Self.budget)]) { [] }
            await ledger.settle(hold, cost: cost)
        }
        let alerts = capture.events.withLock { $0 }
        #expect(alerts.map { $0.detail["percent"] } == [50, 80, 100])
        #expect(alerts.allSatisfy { $0.kind == "budget_alert" && $0.detail["name"] == "team-a" })
        await #expect(throws: KeelError.self) { try await ledger.reserve(0.01, under: [(Self.scope, Self.budget)]) { [] } }
    }

    @Test(arguments: LimitsBackend.allCases) func requestsPerMinuteRefillAndTokensSettleWithRealUsage(_ backend: LimitsBackend) async throws {
        let (_, limiter, _) = try await backend.open(sink: nil)
        let rpm = [RateLimit(owner: "key 'a'", unit: .requests, perMinute: 2)]
        _ = try await limiter.admit(rpm, tokens: 0)
        _ = try await limiter.admit(rpm, tokens: 0)
        do {
            _ = try await limiter.admit(rpm, tokens: 0)
            Issue.record("a third request within the minute passed")
        } catch {
            #expect(error.status == 429 && error.code == "rpm_exceeded")
            #expect(error.retryAfter == 30)
        }
        let tpm = [RateLimit(owner: "model 'm'", unit: .tokens, perMinute: 100)]
        let debits = try await limiter.admit(tpm, tokens: 80)
        await #expect(throws: KeelError.self) { try await limiter.admit(tpm, tokens: 30) }
        await limiter.settle(debits, used: 10)
        _ = try await limiter.admit(tpm, tokens: 30)
        // A request larger than the whole minute passes alone on a full bucket.
        let big = [RateLimit(owner: "model 'n'", unit: .tokens, perMinute: 50)]
        _ = try await limiter.admit(big, tokens: 500)
        await #expect(throws: KeelError.self) { try await limiter.admit(big, tokens: 1) }
        // A refused request takes from no bucket: `model 'p'` is untouched by the refusal on `n`.
        let both = [RateLimit(owner: "model 'p'", unit: .requests, perMinute: 1), big[0]]
        await #expect(throws: KeelError.self) { try await limiter.admit(both, tokens: 1) }
        _ = try await limiter.admit([both[0]], tokens: 0)
    }

    @Test func estimatesCountInputAndTheOutputAllowance() {
        let body: JSONObject = ["messages": [["role": "user", "content": "hello there"]], "max_tokens": 50]
        let estimate = Limits.estimate(body)
        #expect(estimate.completionTokens == 50 && estimate.promptTokens > 5)
        #expect(Limits.estimate(["messages": []]).completionTokens == Limits.defaultOutputAllowance)
        #expect(Limits.estimate(["input": "text"]).completionTokens == 0)
    }
}

/// Two replicas' ledgers and limiters on one database draw on one account and one bucket.
@Suite struct FleetLimitsTests {
    @Test func concurrentRequestsOnTwoReplicasStayWithinOneBudgetAndOneLimit() async throws {
        let (first, firstLimiter, shared) = try await LimitsBackend.fleet.open(sink: nil)
        let store = try #require(shared)
        let second = FleetSpendLedger(store: store, sink: nil)
        let secondLimiter = FleetRateLimiter(store: store)
        let budget = [(LimitsTests.scope, Budget(usd: 1, period: .day))]
        // 40 requests at once, 20 on each replica, each reserving 0.1 and costing it: ten fit.
        let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<40 {
                let ledger: any BudgetLedger = index.isMultiple(of: 2) ? first : second
                group.addTask {
                    do {
                        let hold = try await ledger.reserve(0.1, under: budget) { [] }
                        await ledger.settle(hold, cost: 0.1)
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(admitted == 10)
        // 30 requests at once against 12 a minute: twelve pass, whichever replica takes them.
        let limit = [RateLimit(owner: "key 'fleet'", unit: .requests, perMinute: 12)]
        let passed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<30 {
                let limiter: any RateLimiting = index.isMultiple(of: 2) ? firstLimiter : secondLimiter
                group.addTask { (try? await limiter.admit(limit, tokens: 0)) != nil }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(passed == 12)
    }

    @Test func aReservationNeverSettledIsReleasedWhenItsHoldExpires() async throws {
        let (_, _, shared) = try await LimitsBackend.fleet.open(sink: nil)
        let store = try #require(shared)
        // A replica that dies with a request in flight: its hold is never settled.
        let dying = FleetSpendLedger(store: store, sink: nil, holdLifetime: .seconds(1))
        _ = try await dying.reserve(0.9, under: [(LimitsTests.scope, LimitsTests.budget)]) { [] }
        let survivor = FleetSpendLedger(store: store, sink: nil)
        await #expect(throws: KeelError.self) { try await survivor.reserve(0.5, under: [(LimitsTests.scope, LimitsTests.budget)]) { [] } }
        try await Task.sleep(for: .milliseconds(1_200))
        _ = try await survivor.reserve(0.5, under: [(LimitsTests.scope, LimitsTests.budget)]) { [] }
    }

    /// A client that hangs up cancels its request, and the database call with it: that says
    /// nothing of the database. Counted as an outage, every hang-up made the replica refuse
    /// budgets (503) and share no rate limit for five seconds (seen under load in the bench).
    @Test func aCancelledRequestIsNotTakenForADatabaseOutage() async throws {
        let (ledger, limiter, shared) = try await LimitsBackend.fleet.open(sink: nil)
        let store = try #require(shared)
        let budget = [(LimitsTests.scope, LimitsTests.budget)]
        let limit = [RateLimit(owner: "key 'hung-up'", unit: .requests, perMinute: 2)]
        let hungUp = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await ledger.reserve(0.1, under: budget) { [] }
        }
        #expect(Self.status(await hungUp.result) == 499)
        let hungUpDraw = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await limiter.admit(limit, tokens: 0)
        }
        #expect(Self.status(await hungUpDraw.result) == 499)
        // The next requests are decided by the database: reserved there (not refused as if it
        // were down), and the draws shared (a replica's own buckets would admit a third).
        let hold = try await ledger.reserve(0.1, under: budget) { [] }
        await ledger.settle(hold, cost: 0.1)
        let second = FleetRateLimiter(store: store)
        _ = try await limiter.admit(limit, tokens: 0)
        _ = try await second.admit(limit, tokens: 0)
        await #expect(throws: KeelError.self) { try await limiter.admit(limit, tokens: 0) }
    }

    /// A request whose client hung up after it was sent upstream still spent its cost: the
    /// settlement reaches the database from the cancelled task.
    @Test func aHungUpRequestsCostIsStillSettled() async throws {
        let (ledger, _, _) = try await LimitsBackend.fleet.open(sink: nil)
        let budget = [(LimitsTests.scope, LimitsTests.budget)]
        let hold = try await ledger.reserve(0.5, under: budget) { [] }
        await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await ledger.settle(hold, cost: 0.9)
        }.value
        await #expect(throws: KeelError.self) { try await ledger.reserve(0.2, under: budget) { [] } }
    }

    private static func status<Value>(_ result: Result<Value, any Error>) -> Int? {
        guard case .failure(let error) = result else { return nil }
        return (error as? KeelError)?.status
    }

    /// A request with both kinds of limit is admitted and settled in one database call each
    /// way, and stays all or none: a budget that refuses it leaves its rate draw untaken.
    @Test func bothLimitsTogetherAreAllOrNone() async throws {
        let (ledger, limiter, _) = try await LimitsBackend.fleet.open(sink: nil)
        let fleet = try #require(FleetLimits(ledger: ledger, limiter: limiter))
        let budget = [(LimitsTests.scope, LimitsTests.budget)]
        let rpm = [RateLimit(owner: "key 'both'", unit: .requests, perMinute: 3)]
        let first = try #require(try await fleet.admit(rpm, tokens: 10, price: 0.45, under: budget))
        #expect(first.debits.shared && first.budget?.amount == 0.45)
        _ = try #require(try await fleet.admit(rpm, tokens: 10, price: 0.45, under: budget))
        do {
            _ = try await fleet.admit(rpm, tokens: 10, price: 0.45, under: budget)
            Issue.record("a third reservation of 0.45 fit in a budget of 1")
        } catch {
            #expect(error.code == "budget_exceeded")
        }
        // The refused request's draw was put back: a third request still fits in 3 a minute.
        _ = try #require(try await fleet.admit(rpm, tokens: 10, price: 0.05, under: budget))
        do {
            _ = try await fleet.admit(rpm, tokens: 10, price: 0.01, under: budget)
            Issue.record("a fourth request passed 3 a minute")
        } catch {
            #expect(error.code == "rpm_exceeded")
        }
        // Settled for less than it reserved: 0.95 reserved becomes 0.5 reserved and 0.2 spent.
        #expect(await fleet.settle(first, cost: 0.2, tokens: 10))
        _ = try await ledger.reserve(0.25, under: budget) { [] }
        await #expect(throws: KeelError.self) { try await ledger.reserve(0.1, under: budget) { [] } }
    }

    /// While the database is down the combined call declines, and the ledger and the limiter
    /// decide as in any outage (the limiter on the replica's own buckets, a closed budget with
    /// a 503), without asking the database again.
    @Test func bothLimitsTogetherFallBackWhileTheDatabaseIsDown() async throws {
        let store = UnreachableLimitStore()
        let ledger = FleetSpendLedger(store: store, sink: nil)
        let limiter = FleetRateLimiter(store: store)
        let fleet = try #require(FleetLimits(ledger: ledger, limiter: limiter))
        let rpm = [RateLimit(owner: "key 'down'", unit: .requests, perMinute: 1)]
        let admission = try await fleet.admit(rpm, tokens: 1, price: 0.1, under: [(LimitsTests.scope, LimitsTests.budget)])
        #expect(admission == nil)
        #expect(!(try await limiter.admit(rpm, tokens: 1)).shared)
        await #expect(throws: KeelError.self) { try await ledger.reserve(0.1, under: [(LimitsTests.scope, LimitsTests.budget)]) { [] } }
        #expect(store.calls.withLock { $0 } == 1)
    }

    @Test func anAccountStartsFromTheSpendOfItsTraces() async throws {
        let store = try await StoreFactory.open(StorageConfig(url: try await TestPostgres.shared.database()))
        let key = APIKey(id: "key-traced", name: "traced", team: "ops", hash: "h", prefix: "p", createdAt: Date())
        try await store.createKey(key)
        var trace = Trace(id: "t-spent", startedAt: Date(), latencyMs: 1, model: "smart")
        trace.apiKeyID = key.id
        trace.apiTeam = "ops"
        trace.costUSD = 0.75
        try await store.insert([trace])
        let ledger = FleetSpendLedger(store: try #require(store as? any SharedLimitStore), sink: nil)
        for scope in [BudgetScope.key(key), .team("ops")] {
            do {
                _ = try await ledger.reserve(0.3, under: [(scope, Budget(usd: 1, period: .day))]) { [] }
                Issue.record("the spend of \(scope.account)'s traces was not counted")
            } catch {
                #expect(error.message.contains("$0.7500 spent"), "\(error.message)")
            }
        }
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

/// Shared limits whose database is down: every call fails, and is counted.
private final class UnreachableLimitStore: SharedLimitStore {
    let calls = Mutex(0)
    private func fail() throws -> Never {
        calls.withLock { $0 += 1 }
        throw UnreachableKeyStore.Down()
    }
    func reserveBudget(hold: String, accounts: [BudgetAccount], amount: Double, holdFor: Duration) async throws -> BudgetBalance? { try fail() }
    func settleBudget(hold: String, accounts: [BudgetAccount], cost: Double) async throws -> [BudgetSettlement] { try fail() }
    func takeRate(_ draws: [RateDraw]) async throws -> RateRefusal? { try fail() }
    func returnRate(_ draws: [RateDraw]) async throws { try fail() }
}

@Suite struct BudgetsWhenTheStoreIsDownTests {
    @Test func closedRefusesAndOpenAdmitsWhenASpendCannotBeRead() async throws {
        let ledgers: [(closed: any BudgetLedger, open: any BudgetLedger)] = [
            (SpendLedger(store: UnreachableKeyStore(), sink: nil), SpendLedger(store: UnreachableKeyStore(), sink: nil, failOpen: true)),
            (
                FleetSpendLedger(store: UnreachableLimitStore(), sink: nil),
                FleetSpendLedger(store: UnreachableLimitStore(), sink: nil, failOpen: true)
            ),
        ]
        for (closed, open) in ledgers {
            do {
                _ = try await closed.reserve(0.1, under: [(LimitsTests.scope, LimitsTests.budget)]) { [] }
                Issue.record("a budget that could not be read admitted a request")
            } catch {
                #expect(error.status == 503 && error.code == "budget_unavailable")
            }
            // Admitted unbudgeted, even past what the budget would allow, while the spend cannot be read.
            for _ in 0..<3 { _ = try await open.reserve(0.9, under: [(LimitsTests.scope, LimitsTests.budget)]) { [] } }
        }
    }

    @Test func aFleetsRateLimitsFallBackToTheReplicasOwnWhileTheDatabaseIsDown() async throws {
        let store = UnreachableLimitStore()
        let limiter = FleetRateLimiter(store: store)
        let rpm = [RateLimit(owner: "key 'a'", unit: .requests, perMinute: 1)]
        let debits = try await limiter.admit(rpm, tokens: 0)
        #expect(!debits.shared)
        await #expect(throws: KeelError.self) { try await limiter.admit(rpm, tokens: 0) }
        // After a failure the database is left alone for a while: requests do not wait on it again.
        #expect(store.calls.withLock { $0 } == 1)
    }
}
