import Foundation

/// Budgets and rate limits held in the database, so that every replica of a fleet draws on one
/// account and one bucket: a budget of $50 is $50 for the fleet, and a limit of 60 requests a
/// minute admits 60, not 60 per replica. A SQLite store has one process: its limits stay in memory.
public protocol SharedLimitStore: Sendable {
    /// Reserves `amount` USD in every account for the request `hold`, all or none: when one
    /// account cannot take it, nothing is reserved and its balance is returned. An account
    /// met for the first time starts with the recorded cost of its traces since its period began.
    /// A reservation not settled within `holdFor` (its replica died) stops counting.
    func reserveBudget(hold: String, accounts: [BudgetAccount], amount: Double, holdFor: Duration) async throws -> BudgetBalance?

    /// Replaces the reservations of `hold` with the request's real cost, and returns each
    /// account's spend before and after (to announce the thresholds it crossed, once for the fleet).
    func settleBudget(hold: String, accounts: [BudgetAccount], cost: Double) async throws -> [BudgetSettlement]

    /// Takes each draw from its bucket, all or none; a refusal names the first bucket without
    /// room and how long until it has.
    func takeRate(_ draws: [RateDraw]) async throws -> RateRefusal?

    /// Puts back (a negative amount takes more) what requests did not use of their draws.
    func returnRate(_ draws: [RateDraw]) async throws

    /// `takeRate(draws)` then `reserveBudget(...)`, all or none: a budget that cannot take the
    /// reservation puts the draws back. A store may do both in one round trip.
    func admit(draws: [RateDraw], hold: String, accounts: [BudgetAccount], amount: Double, holdFor: Duration) async throws -> LimitRefusal?

    /// `returnRate(unused)` and `settleBudget(...)`, in one round trip where the store can.
    func settle(hold: String, accounts: [BudgetAccount], cost: Double, returning unused: [RateDraw]) async throws -> [BudgetSettlement]
}

/// Why a request was not admitted: a rate limit (checked first) or a budget.
public enum LimitRefusal: Sendable, Equatable {
    case rate(RateRefusal)
    case budget(BudgetBalance)
}

extension SharedLimitStore {
    public func admit(draws: [RateDraw], hold: String, accounts: [BudgetAccount], amount: Double, holdFor: Duration) async throws -> LimitRefusal? {
        if let refusal = try await takeRate(draws) { return .rate(refusal) }
        guard let blocked = try await reserveBudget(hold: hold, accounts: accounts, amount: amount, holdFor: holdFor) else { return nil }
        try await returnRate(draws)
        return .budget(blocked)
    }

    public func settle(hold: String, accounts: [BudgetAccount], cost: Double, returning unused: [RateDraw]) async throws -> [BudgetSettlement] {
        if !unused.isEmpty { try await returnRate(unused) }
        return try await settleBudget(hold: hold, accounts: accounts, cost: cost)
    }
}

/// One budget's account in one period: a key's (`key:ID`) or a team's (`team:NAME`).
public struct BudgetAccount: Sendable, Hashable {
    public var scope: String
    public var periodStart: Date
    public var limitUSD: Double

    public init(scope: String, periodStart: Date, limitUSD: Double) {
        self.scope = scope
        self.periodStart = periodStart
        self.limitUSD = limitUSD
    }
}

/// An account that could not take a reservation: what it has spent and has reserved.
public struct BudgetBalance: Sendable, Equatable {
    public var scope: String
    public var spent: Double
    public var reserved: Double

    public init(scope: String, spent: Double, reserved: Double) {
        self.scope = scope
        self.spent = spent
        self.reserved = reserved
    }
}

public struct BudgetSettlement: Sendable, Equatable {
    public var scope: String
    public var spentBefore: Double
    public var spentAfter: Double

    public init(scope: String, spentBefore: Double, spentAfter: Double) {
        self.scope = scope
        self.spentBefore = spentBefore
        self.spentAfter = spentAfter
    }
}

/// What a request takes from a token bucket holding `perMinute` and refilling it every minute.
public struct RateDraw: Sendable, Equatable {
    public var bucket: String
    public var perMinute: Int
    public var amount: Double

    public init(bucket: String, perMinute: Int, amount: Double) {
        self.bucket = bucket
        self.perMinute = perMinute
        self.amount = amount
    }
}

public struct RateRefusal: Sendable, Equatable {
    /// The refused draw's position among the draws.
    public var index: Int
    public var waitSeconds: Double

    public init(index: Int, waitSeconds: Double) {
        self.index = index
        self.waitSeconds = waitSeconds
    }
}
