import Foundation
import KeelCore
import KeelStore
import Synchronization

/// What each key and team has spent in its budget's current day or month, and what requests
/// in flight have reserved. A request is admitted only if the spend, the reservations and its
/// own reservation fit every budget it falls under; when it ends, its reservation is replaced
/// by its real cost. The spend before this process started comes from the traces in the store.
final class SpendLedger: Sendable {
    /// A budget's account: a key's (kept by its id: a new key given a revoked key's name is
    /// another account) or a team's.
    struct Scope: Hashable, Sendable {
        enum Kind: String, Sendable { case key, team }
        var kind: Kind
        /// The key's id, or the team's name.
        var id: String
        /// What errors and alerts call it.
        var name: String

        static func key(_ key: APIKey) -> Scope { Scope(kind: .key, id: key.id, name: key.name) }
        static func team(_ name: String) -> Scope { Scope(kind: .team, id: name, name: name) }
    }

    private struct Account {
        var period: DateInterval
        var spent: Double
        var reserved: Double = 0
        /// Alert thresholds (percent) already announced this period.
        var alerted: Set<Int> = []
    }

    static let alertPercents = [50, 80, 100]

    private let accounts = Mutex<[Scope: Account]>([:])
    private let store: (any APIKeyStore)?
    private let sink: (any TraceSink)?

    /// Whether a budget whose spend cannot be read admits the request (`storage.budgets_when_unreachable: open`).
    private let failOpen: Bool

    init(store: (any APIKeyStore)?, sink: (any TraceSink)?, failOpen: Bool = false) {
        self.store = store
        self.sink = sink
        self.failOpen = failOpen
    }

    /// Reserves `estimate` USD under each budget, or throws a 429 naming the first that cannot
    /// take it. `teamKeys` are the ids of the keys of the team, to load its past spend.
    func reserve(_ estimate: Double, under budgets: [(Scope, Budget)], teamKeys: @Sendable () async throws -> [String]) async throws(KeelError)
        -> [Scope: Double]
    {
        let now = Date()
        for (scope, budget) in budgets {
            try await loadIfNeeded(scope, budget: budget, now: now, teamKeys: teamKeys)
        }
        return try accounts.withLock { (accounts) throws(KeelError) -> [Scope: Double] in
            for (scope, budget) in budgets {
                guard let account = accounts[scope] else { continue }
                if account.spent + account.reserved + estimate > budget.usd {
                    throw Self.exhausted(scope, budget: budget, account: account, now: now)
                }
            }
            var reserved: [Scope: Double] = [:]
            for (scope, _) in budgets {
                accounts[scope]?.reserved += estimate
                reserved[scope] = estimate
            }
            return reserved
        }
    }

    /// Replaces the reservations with the real cost, and announces budgets crossing 50, 80 and 100%.
    func settle(_ reservations: [Scope: Double], budgets: [Scope: Budget], cost: Double) async {
        let alerts: [StoredEvent] = accounts.withLock { accounts in
            var alerts: [StoredEvent] = []
            for (scope, reserved) in reservations {
                guard var account = accounts[scope], let budget = budgets[scope] else { continue }
                account.reserved = max(0, account.reserved - reserved)
                account.spent += cost
                for percent in Self.alertPercents where account.spent >= budget.usd * Double(percent) / 100 && !account.alerted.contains(percent) {
                    account.alerted.insert(percent)
                    alerts.append(Self.alert(scope, budget: budget, spent: account.spent, percent: percent))
                }
                accounts[scope] = account
            }
            return alerts
        }
        for alert in alerts { await sink?.record(alert) }
    }

    private func loadIfNeeded(_ scope: Scope, budget: Budget, now: Date, teamKeys: () async throws -> [String]) async throws(KeelError) {
        if let account = accounts.withLock({ $0[scope] }), account.period.contains(now) { return }
        let period = budget.period.interval(containing: now)
        let spent: Double
        do {
            let ids = scope.kind == .key ? [scope.id] : try await teamKeys()
            spent = try await store?.spend(apiKeyIDs: ids, since: period.start) ?? 0
        } catch {
            // Open: no account yet, so this request is admitted unbudgeted and the next one reads again.
            if failOpen { return }
            throw KeelError(
                status: 503, type: "api_error",
                message: "The budget of \(scope.kind.rawValue) '\(scope.name)' cannot be checked: the store is unavailable.",
                code: "budget_unavailable")
        }
        accounts.withLock { accounts in
            // Another request may have loaded it meanwhile; keep its reservations.
            if let existing = accounts[scope], existing.period.contains(now) { return }
            accounts[scope] = Account(period: period, spent: spent)
        }
    }

    private static func exhausted(_ scope: Scope, budget: Budget, account: Account, now: Date) -> KeelError {
        let spent = String(format: "%.4f", account.spent)
        return KeelError(
            status: 429, type: "insufficient_quota",
            message:
                "The budget of \(scope.kind.rawValue) '\(scope.name)' (\(budget.description)) is exhausted: $\(spent) spent this \(budget.period.rawValue), $\(String(format: "%.4f", account.reserved)) reserved by requests in flight.",
            code: "budget_exceeded", retryAfter: max(1, account.period.end.timeIntervalSince(now).rounded(.up)))
    }

    private static func alert(_ scope: Scope, budget: Budget, spent: Double, percent: Int) -> StoredEvent {
        StoredEvent(
            createdAt: Date(), kind: "budget_alert", provider: nil, upstreamModel: nil,
            detail: [
                "scope": .string(scope.kind.rawValue), "name": .string(scope.name), "budget": .string(budget.description),
                "spent_usd": .double(spent), "percent": .int(Int64(percent)),
            ])
    }
}
