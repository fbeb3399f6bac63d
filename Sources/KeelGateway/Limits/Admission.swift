import KeelCore
import KeelStore

/// What a request holds while it runs: its budget reservations and rate-limit debits, settled
/// with its real cost and usage when its trace is recorded.
struct Admission: Sendable {
    var budget: BudgetHold?
    var debits = RateDebits()
}

/// The limits of every request: budgets of keys and teams, rate limits of keys and models.
final class Limits: Sendable {
    /// Output tokens reserved for a request that sets no `max_tokens`.
    static let defaultOutputAllowance = 4_096

    let ledger: any BudgetLedger
    let limiter: any RateLimiting
    /// Both at once, when both are the fleet's.
    let fleet: FleetLimits?
    let teams: [String: Budget]
    let keys: (any APIKeyStore)?

    init(ledger: any BudgetLedger, limiter: any RateLimiting = RateLimiter(), teams: [String: Budget], keys: (any APIKeyStore)?) {
        self.ledger = ledger
        self.limiter = limiter
        fleet = FleetLimits(ledger: ledger, limiter: limiter)
        self.teams = teams
        self.keys = keys
    }

    /// Admits a request to `model` with `body` from `key`, or throws a 429 (budget or rate);
    /// `keyRateLimits` false leaves the key's rate limits out (its budgets still hold). The body
    /// is read (for a call by reference, rendered) only when a limit applies.
    func admit(model: ModelConfig, body: DeferredObject, key: APIKey?, keyRateLimits: Bool = true, costs: CostCalculator) async throws(KeelError)
        -> Admission
    {
        // Most requests meet no limit: they pay for nothing here.
        guard key != nil || model.rpm != nil || model.tpm != nil else { return Admission() }
        let estimate = Self.estimate(body.value)
        let tokens = estimate.promptTokens + estimate.completionTokens
        var limits: [RateLimit] = []
        if let key, keyRateLimits {
            if let rpm = key.rpm { limits.append(.init(owner: "key '\(key.name)'", unit: .requests, perMinute: rpm)) }
            if let tpm = key.tpm { limits.append(.init(owner: "key '\(key.name)'", unit: .tokens, perMinute: tpm)) }
        }
        if let rpm = model.rpm { limits.append(.init(owner: "model '\(model.name)'", unit: .requests, perMinute: rpm)) }
        if let tpm = model.tpm { limits.append(.init(owner: "model '\(model.name)'", unit: .tokens, perMinute: tpm)) }
        var budgets: [(BudgetScope, Budget)] = []
        if let key, let budget = key.budget { budgets.append((.key(key), budget)) }
        if let team = key?.team, let budget = teams[team] { budgets.append((.team(team), budget)) }
        // The dearest target prices the reservation: a fallback may serve the request.
        let usage = Trace.Usage(promptTokens: estimate.promptTokens, completionTokens: estimate.completionTokens)
        let price = budgets.isEmpty ? 0 : model.targets.compactMap { costs.cost(provider: $0.provider, model: $0.model, usage: usage) }.max() ?? 0
        if let fleet, !limits.isEmpty, !budgets.isEmpty, let admission = try await fleet.admit(limits, tokens: tokens, price: price, under: budgets) {
            return admission
        }

        var admission = Admission()
        if !limits.isEmpty { admission.debits = try await limiter.admit(limits, tokens: tokens) }
        guard !budgets.isEmpty else { return admission }
        let store = keys
        do {
            admission.budget = try await ledger.reserve(price, under: budgets) {
                guard let team = key?.team, let store else { return [] }
                return try await store.keys(includingRevoked: true).filter { $0.team == team }.map(\.id)
            }
        } catch {
            await limiter.settle(admission.debits, used: 0)
            throw error
        }
        return admission
    }

    /// Settles `admission` with what the request cost and used.
    func settle(_ admission: Admission, cost: Double?, tokens: Int) async {
        if let fleet, await fleet.settle(admission, cost: cost, tokens: tokens) { return }
        if !admission.debits.draws.isEmpty { await limiter.settle(admission.debits, used: tokens) }
        if let budget = admission.budget { await ledger.settle(budget, cost: cost ?? 0) }
    }

    /// Input tokens (estimated) and the output allowance of a request.
    static func estimate(_ body: JSONObject) -> (promptTokens: Int, completionTokens: Int) {
        let input = [body["messages"], body["tools"], body["input"]].compactMap { $0.map(TokenEstimate.tokens(in:)) }.reduce(0, +)
        let output = body["max_tokens"]?.intValue ?? body["max_completion_tokens"]?.intValue ?? (body["input"] != nil ? 0 : defaultOutputAllowance)
        return (max(1, input), output)
    }
}
