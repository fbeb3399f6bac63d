import Foundation
import KeelCore
import KeelStore

/// Where budgets are accounted: in this process (`SpendLedger`) or in the fleet's database
/// (`FleetSpendLedger`). A request is admitted only if what its budgets have spent and what
/// requests in flight reserved leave room for its own reservation; when it ends, the
/// reservation is replaced by its real cost. The overshoot is bounded by how much requests in
/// flight cost beyond their reservations.
protocol BudgetLedger: Sendable {
    /// Reserves `estimate` USD under each budget, or throws a 429 naming the first that cannot
    /// take it (a 503 when its spend cannot be read, unless budgets fail open). `teamKeys` are
    /// the ids of the keys of the team, for a ledger that loads its past spend itself.
    func reserve(_ estimate: Double, under budgets: [(BudgetScope, Budget)], teamKeys: @Sendable () async throws -> [String]) async throws(KeelError)
        -> BudgetHold

    /// Replaces the hold's reservations with the real cost, and announces budgets crossing 50, 80 and 100%.
    func settle(_ hold: BudgetHold, cost: Double) async
}

/// A budget's account: a key's (kept by its id: a new key given a revoked key's name is
/// another account) or a team's.
struct BudgetScope: Hashable, Sendable {
    enum Kind: String, Sendable { case key, team }
    var kind: Kind
    /// The key's id, or the team's name.
    var id: String
    /// What errors and alerts call it.
    var name: String

    static func key(_ key: APIKey) -> BudgetScope { BudgetScope(kind: .key, id: key.id, name: key.name) }
    static func team(_ name: String) -> BudgetScope { BudgetScope(kind: .team, id: name, name: name) }

    /// How the fleet's database names the account: `key:ID`, `team:NAME`.
    var account: String { "\(kind.rawValue):\(id)" }

    func exhausted(_ budget: Budget, spent: Double, reserved: Double, period: DateInterval, now: Date) -> KeelError {
        KeelError(
            status: 429, type: "insufficient_quota",
            message:
                "The budget of \(kind.rawValue) '\(name)' (\(budget.description)) is exhausted: $\(String(format: "%.4f", spent)) spent this \(budget.period.rawValue), $\(String(format: "%.4f", reserved)) reserved by requests in flight.",
            code: "budget_exceeded", retryAfter: max(1, period.end.timeIntervalSince(now).rounded(.up)))
    }

    var unavailable: KeelError {
        KeelError(
            status: 503, type: "api_error", message: "The budget of \(kind.rawValue) '\(name)' cannot be checked: the store is unavailable.",
            code: "budget_unavailable")
    }

    /// A `budget_alert` event for each of 50, 80 and 100% that the spend crossed going from `before` to `after`.
    func alerts(_ budget: Budget, before: Double, after: Double) -> [StoredEvent] {
        [50, 80, 100].filter { percent in
            let threshold = budget.usd * Double(percent) / 100
            return before < threshold && after >= threshold
        }.map { percent in
            StoredEvent(
                createdAt: Date(), kind: "budget_alert", provider: nil, upstreamModel: nil,
                detail: [
                    "scope": .string(kind.rawValue), "name": .string(name), "budget": .string(budget.description), "spent_usd": .double(after),
                    "percent": .int(Int64(percent)),
                ])
        }
    }
}

/// What a request reserved under its budgets, to settle when it ends.
struct BudgetHold: Sendable {
    struct Line: Sendable {
        var scope: BudgetScope
        var budget: Budget
        /// The budget's day or month when the request was admitted.
        var period: DateInterval

        var account: BudgetAccount { BudgetAccount(scope: scope.account, periodStart: period.start, limitUSD: budget.usd) }
    }

    /// Names the hold's reservations in the fleet's database (a process's ledger needs none).
    var id = ""
    var amount: Double
    var lines: [Line]

    init(amount: Double, under budgets: [(BudgetScope, Budget)], now: Date) {
        self.amount = amount
        lines = budgets.map { Line(scope: $0.0, budget: $0.1, period: $0.1.period.interval(containing: now)) }
    }
}
