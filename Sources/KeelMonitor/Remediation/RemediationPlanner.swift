import Foundation
import KeelCore

/// What an incident calls for, inside the policy envelope: the actions its kind, scope and
/// causes suggest, each at the autonomy the settings give its kind, refused when it would take
/// a model's last healthy target away, and held to a suggestion once the hourly bound is spent.
/// Decides only; the serving Keel carries the actions out.
public struct RemediationPlanner: Sendable {
    /// What the planner needs to know of the gateway at the moment.
    public struct Situation: Sendable {
        public var topology: Topology
        /// Targets failing now (the target-error detector's view).
        public var failingTargets: Set<String> = []
        /// Targets already out of the chains.
        public var ejectedTargets: Set<String> = []
        /// Active rollouts: id → subject (`prompt:NAME:LABEL`, `model:NAME`).
        public var activeRollouts: [String: String] = [:]
        /// Prompt name → label → version.
        public var promptLabels: [String: [String: Int]] = [:]
        /// Identities of the actions in force, on any incident: never taken twice.
        public var actionsInForce: Set<String> = []
        /// How many more automatic actions the hourly bound allows.
        public var automaticActionsLeft = Int.max

        public init(topology: Topology) { self.topology = topology }

        /// `model`'s targets other than `target` that are neither failing nor out of the chains.
        func healthyTargets(of model: String, besides target: String) -> [String] {
            (topology.modelTargets[model] ?? []).filter { $0 != target && !failingTargets.contains($0) && !ejectedTargets.contains($0) }
        }
    }

    private struct Proposal {
        var kind: RemediationSettings.Kind
        var subject: JSONObject
        var reason: String
        var refusal: String?
    }

    public var settings: RemediationSettings

    public init(settings: RemediationSettings) { self.settings = settings }

    /// The actions for `incident`, each with its mode and status: `applied` ones are to be carried out now.
    public func plan(for incident: Incident, in situation: Situation, now: Date) -> [Remedy] {
        var left = situation.automaticActionsLeft
        var taken = situation.actionsInForce.union(incident.actions.map(\.identity))
        var remedies: [Remedy] = []
        for proposal in proposals(for: incident, in: situation) {
            let mode = settings.autonomy(of: proposal.kind)
            guard mode != .off else { continue }
            var remedy = Remedy(kind: proposal.kind, mode: mode, status: .suggested, reason: proposal.reason, subject: proposal.subject, at: now)
            guard taken.insert(remedy.identity).inserted else { continue }
            if let refusal = proposal.refusal {
                remedy.status = .refused
                remedy.note = refusal
            } else if mode == .auto {
                if left > 0 {
                    remedy.status = .applied
                    remedy.until = duration(of: proposal.kind).map(now.addingTimeInterval)
                    left -= 1
                } else {
                    remedy.note = "not applied: the bound of \(settings.maxActionsPerHour) automatic actions an hour is reached"
                }
            }
            remedies.append(remedy)
        }
        return remedies
    }

    /// How long an applied action lasts; nil for those that stay until reverted.
    func duration(of kind: RemediationSettings.Kind) -> TimeInterval? {
        switch kind {
        case .ejectTarget: return settings.ejectFor
        case .failOver: return settings.failOverFor
        case .clampOutput: return settings.clampFor
        case .tightenRateLimit: return settings.tightenFor
        case .abortRollout, .rollbackPrompt: return nil
        }
    }

    private func proposals(for incident: Incident, in situation: Situation) -> [Proposal] {
        let scope = incident.scope
        switch incident.kind {
        case .targetErrors:
            guard scope.dimension == .target else { return [] }
            return [
                Proposal(
                    kind: .ejectTarget, subject: ["target": .string(scope.value)], reason: incident.title,
                    refusal: lastHealthyRefusal(removing: scope.value, from: situation.topology.models(of: scope), in: situation))
            ]
        case .quality:
            return promptProposals(for: incident, in: situation) + failOverProposals(for: incident, in: situation)
        case .costPerRequest, .tokensPerRequest, .budget:
            var proposals = promptProposals(for: incident, in: situation)
            if scope.dimension == .key {
                let key = JSONValue.string(scope.value)
                proposals.append(
                    Proposal(
                        kind: .clampOutput, subject: ["key": key, "max_output_tokens": .int(Int64(settings.clampMaxOutputTokens))],
                        reason: incident.title))
                proposals.append(
                    Proposal(kind: .tightenRateLimit, subject: ["key": key, "rpm": .int(Int64(settings.tightenRPM))], reason: incident.title))
            }
            return proposals
        case .sloBurn, .modelVersionChanged:
            return []
        }
    }

    /// A quality drop on a target (or on a model whose cause is its first target's model
    /// version): the models that target leads move it last.
    private func failOverProposals(for incident: Incident, in situation: Situation) -> [Proposal] {
        let topology = situation.topology
        let scope = incident.scope
        let changedTarget = incident.causes.first { $0.kind == "model_version_changed" }.flatMap {
            $0.evidence["change"]?["scope"]?["target"]?.stringValue
        }
        var pairs: [(model: String, target: String)] = []
        switch scope.dimension {
        case .target:
            for model in topology.models(of: scope) where topology.modelTargets[model]?.first == scope.value { pairs.append((model, scope.value)) }
        case .model:
            guard let first = topology.modelTargets[scope.value]?.first, changedTarget == nil || changedTarget == first else { return [] }
            pairs.append((scope.value, first))
        case .prompt:
            guard let target = changedTarget else { return [] }
            for model in topology.models(of: scope) where topology.modelTargets[model]?.first == target { pairs.append((model, target)) }
        case .key, .team, .none:
            return []
        }
        return pairs.map { model, target in
            Proposal(
                kind: .failOver, subject: ["model": .string(model), "target": .string(target)],
                reason: "\(incident.title); \(model) fails over from \(target)" + (changedTarget == target ? " after its model version changed" : ""),
                refusal: situation.healthyTargets(of: model, besides: target).isEmpty ? "\(model) has no other healthy target to fail over to" : nil)
        }
    }

    /// A breach a prompt version explains: its rollout aborted, or the label that serves it moved back.
    private func promptProposals(for incident: Incident, in situation: Situation) -> [Proposal] {
        var versions: [(name: String, version: Int?)] = []
        if incident.scope.dimension == .prompt { versions.append(Self.split(incident.scope.value)) }
        for cause in incident.causes {
            if cause.kind == "prompt_version", let prompt = cause.evidence["prompt"]?.stringValue { versions.append(Self.split(prompt)) }
            if cause.kind == "prompt_label_moved", let name = cause.evidence["name"]?.stringValue {
                versions.append((name, cause.evidence["to"]?.intValue))
            }
        }
        var proposals: [Proposal] = []
        var seen = Set<String>()
        for (name, version) in versions where seen.insert(name).inserted {
            let rollouts = situation.activeRollouts.filter { $0.value.hasPrefix("prompt:\(name):") }.keys.sorted()
            if !rollouts.isEmpty {
                proposals += rollouts.map { id in
                    Proposal(kind: .abortRollout, subject: ["rollout_id": .string(id), "prompt": .string(name)], reason: incident.title)
                }
                continue
            }
            guard let version else { continue }
            let labels = (situation.promptLabels[name] ?? [:]).filter { $0.value == version }.keys.sorted()
            proposals += labels.map { label in
                Proposal(
                    kind: .rollbackPrompt, subject: ["prompt": .string(name), "label": .string(label), "from": .int(Int64(version))],
                    reason: "\(incident.title); \(name)@\(version) is the likely cause")
            }
        }
        if incident.scope.dimension == .model {
            let subject = "model:\(incident.scope.value)"
            for id in situation.activeRollouts.filter({ $0.value == subject }).keys.sorted() {
                proposals.append(
                    Proposal(
                        kind: .abortRollout, subject: ["rollout_id": .string(id), "model": .string(incident.scope.value)], reason: incident.title))
            }
        }
        return proposals
    }

    /// Why taking `target` out would leave one of `models` without a healthy target; nil when it would not.
    private func lastHealthyRefusal(removing target: String, from models: [String], in situation: Situation) -> String? {
        models.first { situation.healthyTargets(of: $0, besides: target).isEmpty }.map { "\(target) is the last healthy target of \($0)" }
    }

    /// `support-reply@3` → (`support-reply`, 3).
    static func split(_ prompt: String) -> (name: String, version: Int?) {
        guard let at = prompt.lastIndex(of: "@") else { return (prompt, nil) }
        return (String(prompt[..<at]), Int(prompt[prompt.index(after: at)...]))
    }
}
