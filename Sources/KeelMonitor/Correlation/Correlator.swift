import Foundation
import KeelCore

/// Names an incident's likely causes, ranked: what changed in its scope shortly before the
/// breach (a change of the scope itself counts more than one of a scope it runs on, a recent
/// change more than an old one, and each kind of change by how often it explains each kind of
/// breach: a model version change explains a quality drop better than anything else), and the
/// signals that moved with it.
public struct Correlator: Sendable {
    /// How far before the breach a change is still a suspect.
    public var lookback: TimeInterval
    public var topology: Topology
    /// At most this many causes per incident.
    public var limit = 5

    public init(lookback: TimeInterval, topology: Topology) {
        self.lookback = lookback
        self.topology = topology
    }

    public func causes(of finding: Finding, at breach: Date, changes: [Change], book: SignalBook) -> [Cause] {
        var causes = changes.compactMap { cause(from: $0, finding: finding, breach: breach) }
        causes += SignalSuspects(finding: finding, topology: topology, book: book, now: breach).causes()
        causes.sort { $0.confidence != $1.confidence ? $0.confidence > $1.confidence : ($0.at ?? .distantPast) > ($1.at ?? .distantPast) }
        return Array(causes.prefix(limit))
    }

    private func cause(from change: Change, finding: Finding, breach: Date) -> Cause? {
        let age = breach.timeIntervalSince(change.at)
        // A change up to a few seconds after the look that saw the breach is still before it.
        guard age >= -5, age <= lookback else { return nil }
        let relation = relation(of: change, to: finding.scope)
        guard relation > 0 else { return nil }
        let recency = 1 - 0.5 * max(0, age) / max(lookback, 1)
        var evidence = change.detail
        evidence["change"] = change.json
        return Cause(
            kind: change.kind, title: change.title, at: change.at,
            confidence: Self.weight(of: change.kind, for: finding.kind) * relation * recency, evidence: evidence)
    }

    /// 1 when the change is of the incident's own scope, less when of a scope its traffic runs
    /// on (the first target of its model more than a fallback), 0.3 for a change that names no
    /// scope (a deploy of the whole application), 0 when unrelated.
    func relation(of change: Change, to scope: Finding.Scope) -> Double {
        guard !change.scopes.isEmpty else { return 0.3 }
        if let own = change.scopes[scope.dimension] {
            if own == scope.value { return 1 }
            if scope.dimension == .prompt, own == Topology.promptName(scope.value) { return 1 }
        }
        var best = 0.0
        if let target = change.scopes[.target] {
            for model in topology.models(of: scope) {
                guard let targets = topology.modelTargets[model], let index = targets.firstIndex(of: target) else { continue }
                best = max(best, index == 0 ? 0.9 : 0.5)
            }
        }
        if let model = change.scopes[.model], topology.models(of: scope).contains(model) { best = max(best, 0.8) }
        if let prompt = change.scopes[.prompt], let model = topology.promptModels[Topology.promptName(prompt)] {
            if scope.dimension == .model && scope.value == model { best = max(best, 0.8) }
            if scope.dimension == .target && (topology.modelTargets[model] ?? []).contains(scope.value) { best = max(best, 0.5) }
        }
        return best
    }

    /// How often a kind of change explains a kind of breach.
    static func weight(of change: String, for breach: Finding.Kind) -> Double {
        switch (breach, change) {
        case (.quality, "model_version_changed"): return 1
        case (.quality, "system_fingerprint_changed"): return 0.7
        case (.quality, "prompt_label_moved"), (.quality, "rollout_step"), (.quality, "rollout_started"), (.quality, "rollout_promoted"): return 0.85
        case (.costPerRequest, "prompt_label_moved"), (.tokensPerRequest, "prompt_label_moved"): return 0.9
        case (.costPerRequest, "rollout_step"), (.tokensPerRequest, "rollout_step"), (.costPerRequest, "rollout_started"),
            (.tokensPerRequest, "rollout_started"), (.costPerRequest, "rollout_promoted"), (.tokensPerRequest, "rollout_promoted"):
            return 0.8
        case (.costPerRequest, "model_version_changed"), (.tokensPerRequest, "model_version_changed"): return 0.6
        case (.targetErrors, "model_version_changed"), (.sloBurn, "model_version_changed"): return 0.5
        case (_, "config_reloaded"): return 0.6
        case (.modelVersionChanged, _), (.budget, _): return 0.3
        default: return 0.5
        }
    }
}
