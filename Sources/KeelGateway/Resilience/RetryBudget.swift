import Synchronization

/// Keeps retries a bounded fraction of traffic, so that a failing provider is not sent more
/// load than it had. Every first attempt deposits `ratio` of a retry; every retry withdraws one;
/// `minPerSecond` more accrue with time so that light traffic can still retry.
public final class RetryBudget: Sendable {
    private struct Balance {
        var tokens: Double
        var updatedAt: ContinuousClock.Instant
    }

    private let ratio: Double
    private let minPerSecond: Double
    private let capacity: Double
    private let balance: Mutex<Balance>

    public init(ratio: Double, minPerSecond: Double) {
        self.ratio = ratio
        self.minPerSecond = minPerSecond
        // Enough for a burst of ten seconds' worth of the floor, and never less than one retry.
        self.capacity = max(1, minPerSecond * 10)
        self.balance = Mutex(Balance(tokens: max(1, minPerSecond * 10), updatedAt: .now))
    }

    public func recordRequest() {
        balance.withLock { balance in
            refill(&balance)
            balance.tokens = min(capacity + ratio * 1000, balance.tokens + ratio)
        }
    }

    /// Takes one retry from the budget, or says there is none left.
    public func tryWithdraw() -> Bool {
        balance.withLock { balance in
            refill(&balance)
            guard balance.tokens >= 1 else { return false }
            balance.tokens -= 1
            return true
        }
    }

    private func refill(_ balance: inout Balance) {
        let now = ContinuousClock.now
        let elapsed = now - balance.updatedAt
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        balance.updatedAt = now
        guard balance.tokens < capacity else { return }
        balance.tokens = min(capacity, balance.tokens + seconds * minPerSecond)
    }
}
