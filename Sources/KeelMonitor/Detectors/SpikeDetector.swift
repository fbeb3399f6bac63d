import Foundation
import KeelCore

/// Cost or tokens per request of a model or prompt version against the baseline window just
/// before the recent one: a retry loop, a prompt that grew, a key that sends huge requests.
public struct SpikeDetector: Detector {
    public var rule: MonitorSettings.SpikeRule

    public init(rule: MonitorSettings.SpikeRule) { self.rule = rule }

    public func findings(in book: SignalBook, now: Date) -> [Finding] {
        var findings: [Finding] = []
        for dimension in [SignalDimension.model, .prompt, .key] {
            for value in book.scopes(of: dimension) {
                let recent = book.figures(dimension, value, window: rule.window, now: now)
                let baseline = book.figures(dimension, value, window: rule.baseline, now: now.addingTimeInterval(-rule.window))
                guard let (current, before, sample) = measure(recent, baseline), sample >= rule.minRequests, before > 0,
                    current / before >= rule.ratio
                else { continue }
                let ratio = current / before
                let name = rule.measure == .costPerRequest ? "Cost per request" : "Tokens per request"
                findings.append(
                    Finding(
                        kind: rule.measure == .costPerRequest ? .costPerRequest : .tokensPerRequest, scope: Finding.Scope(dimension, value),
                        severity: ratio >= rule.ratio * 2 ? .error : .warning,
                        title: "\(name) of \(value) is \(Self.format(ratio))x its baseline (\(Self.format(current)) against \(Self.format(before)))",
                        figures: [
                            "current": .double(current), "baseline": .double(before), "ratio": .double(ratio), "threshold_ratio": .double(rule.ratio),
                            "requests": .int(Int64(sample)), "window_s": .double(rule.window), "baseline_s": .double(rule.baseline),
                        ]))
            }
        }
        return findings
    }

    /// The measure now and in the baseline, and the recent sample behind it; nil when either is missing.
    private func measure(_ recent: SignalFigures, _ baseline: SignalFigures) -> (Double, Double, Int)? {
        switch rule.measure {
        case .costPerRequest:
            guard let current = recent.costPerRequest, let before = baseline.costPerRequest, baseline.pricedRequests >= rule.minRequests else {
                return nil
            }
            return (current, before, recent.pricedRequests)
        case .tokensPerRequest:
            guard let current = recent.tokensPerRequest, let before = baseline.tokensPerRequest, baseline.tokenRequests >= rule.minRequests else {
                return nil
            }
            return (current, before, recent.tokenRequests)
        }
    }

    static func format(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String((value * 1000).rounded() / 1000)
    }
}
