import Foundation
import KeelCore

/// A score's mean (an online eval's) of a model, target or prompt version falling against the
/// baseline window just before: the silent model swap, the prompt edit that broke answers.
public struct QualityDetector: Detector {
    public var rule: MonitorSettings.QualityRule

    public init(rule: MonitorSettings.QualityRule) { self.rule = rule }

    public func findings(in book: SignalBook, now: Date) -> [Finding] {
        var findings: [Finding] = []
        for dimension in [SignalDimension.model, .prompt, .target] {
            for value in book.scopes(of: dimension) {
                let recent = book.figures(dimension, value, window: rule.window, now: now).scores[rule.score]
                let baseline = book.figures(dimension, value, window: rule.baseline, now: now.addingTimeInterval(-rule.window)).scores[rule.score]
                guard let recent, let baseline, recent.count >= rule.minRequests, baseline.count >= rule.minRequests,
                    let current = recent.mean, let before = baseline.mean, before - current >= rule.drop
                else { continue }
                findings.append(
                    Finding(
                        kind: .quality, scope: Finding.Scope(dimension, value), severity: before - current >= rule.drop * 2 ? .critical : .error,
                        title: "\(rule.score) of \(value) fell from \(SpikeDetector.format(before)) to \(SpikeDetector.format(current))",
                        figures: [
                            "score": .string(rule.score), "current": .double(current), "baseline": .double(before), "drop": .double(before - current),
                            "threshold_drop": .double(rule.drop), "scores": .int(Int64(recent.count)), "window_s": .double(rule.window),
                            "baseline_s": .double(rule.baseline),
                        ]))
            }
        }
        return findings
    }
}
