import Foundation
import KeelCore

/// Causes read from the signals rather than from changes: a target of the incident's scope
/// whose attempts fail, a key whose tokens jumped, a prompt version whose tokens per request
/// (or score) is out of line with the prompt's other versions.
struct SignalSuspects {
    let finding: Finding
    let topology: Topology
    let book: SignalBook
    let now: Date

    private var window: TimeInterval { finding.figures["window_s"]?.doubleValue ?? 300 }
    private var baseline: TimeInterval { finding.figures["baseline_s"]?.doubleValue ?? 3600 }

    func causes() -> [Cause] {
        var causes = failingTargets()
        switch finding.kind {
        case .costPerRequest, .tokensPerRequest, .sloBurn:
            causes += grownPromptVersions() + jumpingKeys()
        case .quality:
            causes += promptVersionsScoringLower()
        case .targetErrors, .modelVersionChanged, .budget:
            break
        }
        return causes
    }

    /// Targets of the scope failing at least half their attempts in the window.
    private func failingTargets() -> [Cause] {
        guard finding.kind != .targetErrors else { return [] }
        return topology.targets(of: finding.scope).compactMap { target in
            let figures = book.figures(.target, target, window: window, now: now)
            guard figures.attempts >= 5, let rate = figures.attemptErrorRate, rate >= 0.5 else { return nil }
            return Cause(
                kind: "target_errors", title: "\(target) fails \(Int((rate * 100).rounded()))% of its attempts", at: now,
                confidence: finding.kind == .sloBurn ? 0.9 : 0.6,
                evidence: ["target": .string(target), "attempts": .int(Int64(figures.attempts)), "error_rate": .double(rate)])
        }
    }

    /// The prompt's versions serving in the window, each against the prompt's other versions
    /// over the baseline: a version using far more tokens per request than the one before it.
    private func grownPromptVersions() -> [Cause] {
        promptVersionsInScope().compactMap { version, others in
            let recent = book.figures(.prompt, version, window: window, now: now)
            var before = SignalFigures()
            for other in others { before.merge(book.figures(.prompt, other, window: baseline, now: now)) }
            guard recent.tokenRequests >= 3, before.tokenRequests >= 3, let current = recent.tokensPerRequest,
                let previous = before.tokensPerRequest, previous > 0, current / previous >= 1.5
            else { return nil }
            let ratio = current / previous
            return Cause(
                kind: "prompt_version",
                title: "\(version) uses \(SpikeDetector.format(ratio))x the tokens per request of \(others.joined(separator: ", "))",
                at: nil, confidence: min(0.95, 0.6 + 0.1 * ratio),
                evidence: [
                    "prompt": .string(version), "tokens_per_request": .double(current), "previous_tokens_per_request": .double(previous),
                    "ratio": .double(ratio), "compared_with": .array(others.map(JSONValue.string)),
                ])
        }
    }

    /// A version whose mean score in the window is well under the prompt's other versions'.
    private func promptVersionsScoringLower() -> [Cause] {
        guard let score = finding.figures["score"]?.stringValue else { return [] }
        return promptVersionsInScope().compactMap { version, others in
            let recent = book.figures(.prompt, version, window: window, now: now).scores[score]
            var before = SignalFigures.ScoreSum()
            for other in others {
                if let sum = book.figures(.prompt, other, window: baseline, now: now).scores[score] {
                    before.count += sum.count
                    before.sum += sum.sum
                }
            }
            guard let recent, recent.count >= 3, before.count >= 3, let current = recent.mean, let previous = before.mean,
                previous - current >= 0.1
            else { return nil }
            return Cause(
                kind: "prompt_version",
                title: "\(version) scores \(SpikeDetector.format(current)) on \(score) against \(SpikeDetector.format(previous))",
                at: nil, confidence: 0.8,
                evidence: ["prompt": .string(version), "score": .string(score), "mean": .double(current), "previous_mean": .double(previous)])
        }
    }

    /// Keys whose tokens in the window run at least twice their rate over the baseline and are a
    /// large share of all tokens.
    private func jumpingKeys() -> [Cause] {
        let total = book.figures(.none, "all", window: window, now: now).tokens
        guard total > 0 else { return [] }
        return book.scopes(of: .key).compactMap { key in
            let recent = book.figures(.key, key, window: window, now: now)
            let before = book.figures(.key, key, window: baseline, now: now.addingTimeInterval(-window))
            let recentRate = Double(recent.tokens) / window
            let beforeRate = Double(before.tokens) / baseline
            guard recent.tokens * 10 >= total * 3, recentRate >= 2 * beforeRate, recent.tokenRequests >= 3 else { return nil }
            let jump = beforeRate > 0 ? "\(SpikeDetector.format(recentRate / beforeRate))x its usual rate" : "new traffic"
            return Cause(
                kind: "key_traffic",
                title: "key \(key) sends \(Int((Double(recent.tokens) * 100 / Double(total)).rounded()))% of the tokens, \(jump)",
                at: nil, confidence: 0.7,
                evidence: ["key": .string(key), "tokens": .int(Int64(recent.tokens)), "share": .double(Double(recent.tokens) / Double(total))])
        }
    }

    /// Prompt versions seen in the window that the scope concerns, each with the prompt's other versions seen before.
    private func promptVersionsInScope() -> [(String, [String])] {
        let all = book.scopes(of: .prompt)
        let models = Set(topology.models(of: finding.scope))
        var result: [(String, [String])] = []
        for version in all {
            let name = Topology.promptName(version)
            let concerned: Bool
            switch finding.scope.dimension {
            case .prompt: concerned = Topology.promptName(finding.scope.value) == name
            case .model, .target: concerned = topology.promptModels[name].map(models.contains) ?? false
            case .key, .team, .none: concerned = true
            }
            guard concerned, book.figures(.prompt, version, window: window, now: now).requests > 0 else { continue }
            let others = all.filter { $0 != version && Topology.promptName($0) == name }.sorted()
            if !others.isEmpty { result.append((version, others)) }
        }
        return result
    }
}
