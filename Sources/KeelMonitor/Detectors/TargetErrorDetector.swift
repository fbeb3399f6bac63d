import Foundation
import KeelCore

/// A target (provider and upstream model) whose attempts fail: a provider outage, even one a
/// failover hides from every client; a request its open breaker sent elsewhere is its failure too.
public struct TargetErrorDetector: Detector {
    public var rule: MonitorSettings.TargetErrorRule

    public init(rule: MonitorSettings.TargetErrorRule) { self.rule = rule }

    public func findings(in book: SignalBook, now: Date) -> [Finding] {
        book.scopes(of: .target).compactMap { target in
            let figures = book.figures(.target, target, window: rule.window, now: now)
            guard figures.attempts >= rule.minRequests, let rate = figures.attemptErrorRate, rate >= rule.errorRate else { return nil }
            let percent = Int((rate * 100).rounded())
            return Finding(
                kind: .targetErrors, scope: Finding.Scope(.target, target), severity: rate >= 0.9 ? .critical : .error,
                title: "\(target) fails \(percent)% of its attempts (\(figures.failedAttempts) of \(figures.attempts) in \(Int(rule.window)) s)",
                figures: [
                    "attempts": .int(Int64(figures.attempts)), "failed_attempts": .int(Int64(figures.failedAttempts)), "error_rate": .double(rate),
                    "threshold": .double(rule.errorRate), "window_s": .double(rule.window),
                ])
        }
    }
}
