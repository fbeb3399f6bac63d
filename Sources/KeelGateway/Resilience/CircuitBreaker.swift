import Foundation
import Synchronization

/// Stops calls to a target that keeps failing: `failureThreshold` consecutive failures open it
/// for `cooldown`; then one probe at a time is let through (half-open) until one succeeds.
public final class CircuitBreaker: Sendable {
    public enum State: String, Sendable, Equatable {
        case closed, open
        case halfOpen = "half_open"
    }

    private struct Status {
        var consecutiveFailures = 0
        var openedAt: ContinuousClock.Instant?
        var probeInFlight = false
    }

    private let failureThreshold: Int
    private let cooldown: Duration
    private let status = Mutex(Status())

    public init(failureThreshold: Int, cooldown: Duration) {
        self.failureThreshold = failureThreshold
        self.cooldown = cooldown
    }

    public var state: State {
        status.withLock { status in
            guard let openedAt = status.openedAt else { return .closed }
            return ContinuousClock.now - openedAt >= cooldown ? .halfOpen : .open
        }
    }

    /// Whether a call may go to the target now. A `true` in half-open state reserves the one
    /// probe: the caller must report its outcome.
    public func allowCall() -> Bool {
        status.withLock { status in
            guard let openedAt = status.openedAt else { return true }
            guard ContinuousClock.now - openedAt >= cooldown, !status.probeInFlight else { return false }
            status.probeInFlight = true
            return true
        }
    }

    public func recordSuccess() {
        status.withLock { status in
            status = Status()
        }
    }

    public func recordFailure() {
        status.withLock { status in
            status.probeInFlight = false
            status.consecutiveFailures += 1
            if status.openedAt != nil || status.consecutiveFailures >= failureThreshold {
                status.openedAt = ContinuousClock.now
            }
        }
    }

    /// The call was abandoned without an outcome (e.g. the client went away): free the probe.
    public func recordAbandoned() {
        status.withLock { $0.probeInFlight = false }
    }
}

/// One breaker per target (provider and upstream model).
public final class CircuitBreakers: Sendable {
    private let breakers = Mutex<[String: CircuitBreaker]>([:])
    private let failureThreshold: Int
    private let cooldown: Duration

    public init(failureThreshold: Int, cooldown: Duration) {
        self.failureThreshold = failureThreshold
        self.cooldown = cooldown
    }

    public func breaker(provider: String, model: String) -> CircuitBreaker {
        let key = provider + "/" + model
        return breakers.withLock { breakers in
            if let breaker = breakers[key] { return breaker }
            let breaker = CircuitBreaker(failureThreshold: failureThreshold, cooldown: cooldown)
            breakers[key] = breaker
            return breaker
        }
    }

    /// Every target's state, for health and metrics.
    public func states() -> [String: CircuitBreaker.State] {
        breakers.withLock { $0.mapValues(\.state) }
    }
}
