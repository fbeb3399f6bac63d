import Foundation
import KeelCore
import KeelStore
import Synchronization

/// The budgets of one process: what each key and team has spent in its budget's current day
/// or month and what requests in flight have reserved, in memory. The spend before this
/// process started comes from the traces in the store.
final class SpendLedger: BudgetLedger {
    private struct Account {
        var period: DateInterval
        var spent: Double
        var reserved: Double = 0
    }

    private let accounts = Mutex<[BudgetScope: Account]>([:])
    private let store: (any APIKeyStore)?
    private let sink: (any TraceSink)?

    /// Whether a budget whose spend cannot be read admits the request (`storage.budgets_when_unreachable: open`).
    private let failOpen: Bool

    init(store: (any APIKeyStore)?, sink: (any TraceSink)?, failOpen: Bool = false) {
        self.store = store
        self.sink = sink
        self.failOpen = failOpen
    }

    func reserve(_ estimate: Double, under budgets: [(BudgetScope, Budget)], teamKeys: @Sendable () async throws -> [String]) async throws(KeelError)
        -> BudgetHold
    {
        let now = Date()
        var hold = BudgetHold(amount: estimate, under: budgets, now: now)
        for line in hold.lines {
            try await loadIfNeeded(line, now: now, teamKeys: teamKeys)
        }
        try accounts.withLock { (accounts) throws(KeelError) in
            // Open, and a spend that could not be read: no account, so the request is admitted
            // unbudgeted and the next one reads again.
            hold.lines.removeAll { accounts[$0.scope] == nil }
            for line in hold.lines {
                guard let account = accounts[line.scope], account.spent + account.reserved + estimate > line.budget.usd else { continue }
                throw line.scope.exhausted(line.budget, spent: account.spent, reserved: account.reserved, period: account.period, now: now)
            }
            for line in hold.lines { accounts[line.scope]?.reserved += estimate }
        }
        return hold
    }

    func settle(_ hold: BudgetHold, cost: Double) async {
        let alerts: [StoredEvent] = accounts.withLock { accounts in
            hold.lines.flatMap { line -> [StoredEvent] in
                guard var account = accounts[line.scope] else { return [] }
                let before = account.spent
                account.reserved = max(0, account.reserved - hold.amount)
                account.spent += cost
                accounts[line.scope] = account
                return line.scope.alerts(line.budget, before: before, after: account.spent)
            }
        }
        for alert in alerts { await sink?.record(alert) }
    }

    private func loadIfNeeded(_ line: BudgetHold.Line, now: Date, teamKeys: () async throws -> [String]) async throws(KeelError) {
        if let account = accounts.withLock({ $0[line.scope] }), account.period.contains(now) { return }
        let spent: Double
        do {
            let ids = line.scope.kind == .key ? [line.scope.id] : try await teamKeys()
            spent = try await store?.spend(apiKeyIDs: ids, since: line.period.start) ?? 0
        } catch {
            if failOpen { return }
            throw line.scope.unavailable
        }
        accounts.withLock { accounts in
            // Another request may have loaded it meanwhile; keep its reservations.
            if let existing = accounts[line.scope], existing.period.contains(now) { return }
            accounts[line.scope] = Account(period: line.period, spent: spent)
        }
    }
}
