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
    /// What time alone can accrue: ten seconds of the floor, and never less than one retry.
    private let floorCapacity: Double
    /// The most that can be saved: the floor plus what the last hundred requests earned.
    private let capacity: Double
    private let balance: Mutex<Balance>

    public init(ratio: Double, minPerSecond: Double) {
        self.ratio = ratio
        self.minPerSecond = minPerSecond
        floorCapacity = max(1, minPerSecond * 10)
        capacity = floorCapacity + ratio * 100
        balance = Mutex(Balance(tokens: floorCapacity, updatedAt: .now))
    }

    public func recordRequest() {
        balance.withLock { balance in
            refill(&balance)
            balance.tokens = min(capacity, balance.tokens + ratio)
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
        guard balance.tokens < floorCapacity else { return }
        balance.tokens = min(floorCapacity, balance.tokens + seconds * minPerSecond)
    }
}
