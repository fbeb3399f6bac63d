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

    private let store: any SharedLimitStore
    private let sink: (any TraceSink)?
    private let failOpen: Bool
    private let holdLifetime: Duration
    private let outage = LimitStoreOutage()
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
        var hold = BudgetHold(amount: estimate, under: budgets, now: now)
        hold.id = IdentifierRandom.hex(bytes: 12)
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
        if let blocked, let line = hold.lines.first(where: { $0.scope.account == blocked.scope }) {
            throw line.scope.exhausted(line.budget, spent: blocked.spent, reserved: blocked.reserved, period: line.period, now: now)
        }
        return hold
    }

    func settle(_ hold: BudgetHold, cost: Double) async {
        guard !hold.lines.isEmpty else { return }
        await LimitStoreOutage.uncancelled { await self.settleNow(hold, cost: cost) }
    }

    private func settleNow(_ hold: BudgetHold, cost: Double) async {
        guard await write(hold, cost: cost) else {
            unsettled.withLock { if $0.count < Self.maxUnsettled { $0.append((hold, cost)) } }
            return
        }
        let waiting = unsettled.withLock { waiting in
            defer { waiting.removeAll() }
            return waiting
        }
        for (hold, cost) in waiting where !(await write(hold, cost: cost)) {
            unsettled.withLock { if $0.count < Self.maxUnsettled { $0.append((hold, cost)) } }
        }
    }

    /// Settles one hold and announces the thresholds it crossed; false when the database did not take it.
    private func write(_ hold: BudgetHold, cost: Double) async -> Bool {
        guard let settled = try? await store.settleBudget(hold: hold.id, accounts: hold.lines.map(\.account), cost: cost) else { return false }
        for settlement in settled {
            guard let line = hold.lines.first(where: { $0.scope.account == settlement.scope }) else { continue }
            for alert in line.scope.alerts(line.budget, before: settlement.spentBefore, after: settlement.spentAfter) { await sink?.record(alert) }
        }
        return true
    }
}

/// The rate limits of a fleet: one bucket per limit in the database, taken from in one call per
/// request, so the fleet admits what one process would. While the database cannot be reached,
/// each replica falls back to buckets of its own (the fleet then admits up to the limit per replica).
final class FleetRateLimiter: RateLimiting {
    private let store: any SharedLimitStore
    private let local = RateLimiter()
    private let outage = LimitStoreOutage()

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
