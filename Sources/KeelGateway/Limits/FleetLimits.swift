import Foundation
import KeelCore
import KeelStore
import Synchronization

/// When the database last failed a limit's call: for a few seconds after, requests do not wait
/// on it again (each call waits up to 2 s for an answer) and are decided as if it were down.
final class LimitStoreOutage: Sendable {
    static let pause = Duration.seconds(5)
    struct Recent: Error {}
    private let until = Mutex<ContinuousClock.Instant?>(nil)

    var isRecent: Bool { until.withLock { $0.map { ContinuousClock.now < $0 } ?? false } }

    /// Records a call's failure, unless it says nothing of the database: the pause's own
    /// refusal, or a request whose client went away (its task cancelled, the call with it),
    /// which ends as cancelled. Counted as failures, every client that hung up mid-request
    /// made a replica refuse budgets for five seconds.
    func failed(_ error: any Error) throws(KeelError) {
        if Task.isCancelled { throw .cancelled }
        if error is Recent { return }
        until.withLock { $0 = ContinuousClock.now + Self.pause }
    }

    /// Runs `work` to its end even when the calling task is cancelled: a request whose client
    /// hung up still spent what it spent, and its settlement must reach the database.
    static func uncancelled(_ work: @escaping @Sendable () async -> Void) async {
        if Task.isCancelled { await Task { await work() }.value } else { await work() }
    }
}

/// The budgets of a fleet: every reservation and settlement is one atomic call to the database
/// that all replicas share, so the single process's overshoot bound holds for the fleet.
final class FleetSpendLedger: BudgetLedger {
    /// How long a reservation counts without being settled: past it, its replica is taken to
    /// have died with the request in flight, and the reservation is released.
    static let holdLifetime = Duration.seconds(900)
    /// Settlements kept while the database cannot take them, written when it can again.
    static let maxUnsettled = 10_000

    let store: any SharedLimitStore
    private let sink: (any TraceSink)?
    private let failOpen: Bool
    let holdLifetime: Duration
    let outage = LimitStoreOutage()
    private let unsettled = Mutex<[(hold: BudgetHold, cost: Double)]>([])

    init(store: any SharedLimitStore, sink: (any TraceSink)?, failOpen: Bool = false, holdLifetime: Duration = FleetSpendLedger.holdLifetime) {
        self.store = store
        self.sink = sink
        self.failOpen = failOpen
        self.holdLifetime = holdLifetime
    }

    func reserve(_ estimate: Double, under budgets: [(BudgetScope, Budget)], teamKeys: @Sendable () async throws -> [String]) async throws(KeelError)
        -> BudgetHold
    {
        let now = Date()
        var hold = Self.hold(estimate, under: budgets, now: now)
        guard let first = hold.lines.first else { return hold }
        let blocked: BudgetBalance?
        do {
            if outage.isRecent { throw LimitStoreOutage.Recent() }
            blocked = try await store.reserveBudget(hold: hold.id, accounts: hold.lines.map(\.account), amount: estimate, holdFor: holdLifetime)
        } catch {
            try outage.failed(error)
            guard failOpen else { throw first.scope.unavailable }
            // Admitted unbudgeted: nothing reserved, but its cost is still added when it ends.
            hold.amount = 0
            return hold
        }
        if let blocked { throw Self.refusal(blocked, in: hold, now: now) }
        return hold
    }

    /// A hold named for the database.
    static func hold(_ estimate: Double, under budgets: [(BudgetScope, Budget)], now: Date) -> BudgetHold {
        var hold = BudgetHold(amount: estimate, under: budgets, now: now)
        hold.id = IdentifierRandom.hex(bytes: 12)
        return hold
    }

    /// The 429 of the account that could not take the hold's reservation.
    static func refusal(_ blocked: BudgetBalance, in hold: BudgetHold, now: Date) -> KeelError {
        guard let line = hold.lines.first(where: { $0.scope.account == blocked.scope }) ?? hold.lines.first else {
            return KeelError(status: 429, type: "insufficient_quota", message: "A budget is exhausted.", code: "budget_exceeded")
        }
        return line.scope.exhausted(line.budget, spent: blocked.spent, reserved: blocked.reserved, period: line.period, now: now)
    }

    func settle(_ hold: BudgetHold, cost: Double) async {
        await settle(hold, cost: cost, returning: [])
    }

    /// Settles the hold and puts back what the request did not use of its rate draws, in one call.
    func settle(_ hold: BudgetHold, cost: Double, returning unused: [RateDraw]) async {
        guard !hold.lines.isEmpty else { return }
        await LimitStoreOutage.uncancelled { await self.settleNow(hold, cost: cost, returning: unused) }
    }

    private func settleNow(_ hold: BudgetHold, cost: Double, returning unused: [RateDraw]) async {
        // Missed, the draws are only off until their buckets refill (a minute); the budget's
        // settlement waits for the database.
        guard await write(hold, cost: cost, returning: unused) else {
            unsettled.withLock { if $0.count < Self.maxUnsettled { $0.append((hold, cost)) } }
            return
        }
        let waiting = unsettled.withLock { waiting in
            defer { waiting.removeAll() }
            return waiting
        }
        for (hold, cost) in waiting where !(await write(hold, cost: cost, returning: [])) {
            unsettled.withLock { if $0.count < Self.maxUnsettled { $0.append((hold, cost)) } }
        }
    }

    /// Settles one hold and announces the thresholds it crossed; false when the database did not take it.
    private func write(_ hold: BudgetHold, cost: Double, returning unused: [RateDraw]) async -> Bool {
        guard let settled = try? await store.settle(hold: hold.id, accounts: hold.lines.map(\.account), cost: cost, returning: unused) else {
            return false
        }
        for settlement in settled {
            guard let line = hold.lines.first(where: { $0.scope.account == settlement.scope }) else { continue }
            for alert in line.scope.alerts(line.budget, before: settlement.spentBefore, after: settlement.spentAfter) { await sink?.record(alert) }
        }
        return true
    }
}

/// A fleet's budgets and rate limits for a request that has both: one database call admits it
/// (rate draws, then the budget reservation, all or none) and one settles it, where the ledger
/// and the limiter alone would make two each. While the database is down it declines, and the
/// ledger and limiter decide as they do in an outage.
final class FleetLimits: Sendable {
    let ledger: FleetSpendLedger
    let limiter: FleetRateLimiter

    init?(ledger: any BudgetLedger, limiter: any RateLimiting) {
        guard let ledger = ledger as? FleetSpendLedger, let limiter = limiter as? FleetRateLimiter else { return nil }
        self.ledger = ledger
        self.limiter = limiter
    }

    /// The request admitted under `limits` and `budgets`, or a 429; nil when the database
    /// could not be asked (the caller then asks the ledger and the limiter apart).
    func admit(_ limits: [RateLimit], tokens: Int, price: Double, under budgets: [(BudgetScope, Budget)]) async throws(KeelError) -> Admission? {
        guard !ledger.outage.isRecent, !limiter.outage.isRecent else { return nil }
        let now = Date()
        let hold = FleetSpendLedger.hold(price, under: budgets, now: now)
        let draws = limits.map { $0.draw(tokens: tokens) }
        let refusal: LimitRefusal?
        do {
            refusal = try await ledger.store.admit(
                draws: draws, hold: hold.id, accounts: hold.lines.map(\.account), amount: price, holdFor: ledger.holdLifetime)
        } catch {
            try ledger.outage.failed(error)
            try limiter.outage.failed(error)
            return nil
        }
        switch refusal {
        case .rate(let refused)?: throw limits[refused.index].exceeded(retryIn: refused.waitSeconds)
        case .budget(let blocked)?: throw FleetSpendLedger.refusal(blocked, in: hold, now: now)
        case nil: return Admission(budget: hold, debits: RateDebits(draws: draws, shared: true))
        }
    }

    /// Settles an admission whose draws and hold are both the fleet's; false for any other.
    func settle(_ admission: Admission, cost: Double?, tokens: Int) async -> Bool {
        guard admission.debits.shared, let hold = admission.budget, !hold.lines.isEmpty else { return false }
        await ledger.settle(hold, cost: cost ?? 0, returning: admission.debits.unused(tokens).filter { $0.amount != 0 })
        return true
    }
}

/// The rate limits of a fleet: one bucket per limit in the database, taken from in one call per
/// request, so the fleet admits what one process would. While the database cannot be reached,
/// each replica falls back to buckets of its own (the fleet then admits up to the limit per replica).
final class FleetRateLimiter: RateLimiting {
    private let store: any SharedLimitStore
    private let local = RateLimiter()
    let outage = LimitStoreOutage()

    init(store: any SharedLimitStore) {
        self.store = store
    }

    func admit(_ limits: [RateLimit], tokens: Int) async throws(KeelError) -> RateDebits {
        let draws = limits.map { $0.draw(tokens: tokens) }
        let refusal: RateRefusal?
        do {
            if outage.isRecent { throw LimitStoreOutage.Recent() }
            refusal = try await store.takeRate(draws)
        } catch {
            try outage.failed(error)
            return try local.admit(limits, tokens: tokens)
        }
        if let refusal { throw limits[refusal.index].exceeded(retryIn: refusal.waitSeconds) }
        return RateDebits(draws: draws, shared: true)
    }

    func settle(_ debits: RateDebits, used: Int?) async {
        guard let used else { return }
        guard debits.shared else { return local.settle(debits, used: used) }
        let unused = debits.unused(used).filter { $0.amount != 0 }
        guard !unused.isEmpty else { return }
        // Missed, the bucket is only off until it refills: at most a minute.
        await LimitStoreOutage.uncancelled { [store] in try? await store.returnRate(unused) }
    }
}
