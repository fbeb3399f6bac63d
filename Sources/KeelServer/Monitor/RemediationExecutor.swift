import Foundation
import KeelCore
import KeelGateway
import KeelMonitor
import KeelStore

/// Carries out and reverts remediation actions on the serving gateway: ejections, failovers
/// and clamps as traffic overrides, aborts through the rollout control, prompt rollbacks as
/// label moves in the store.
struct RemediationExecutor: Sendable {
    typealias Store = any RolloutStore & PromptStore & TraceStore & EvalRunStore

    let gateway: Gateway
    let store: Store
    /// Brought up to date after a rollout is aborted or resumed, so that serving follows at once.
    let rollouts: RolloutDriver

    /// Applies `remedy`; throws what stopped it.
    func apply(_ remedy: Remedy, incidentID: String) async throws -> Remedy {
        var remedy = remedy
        let subject = remedy.subject
        switch remedy.kind {
        case .ejectTarget, .failOver, .clampOutput, .tightenRateLimit:
            try setOverride(of: remedy, until: remedy.until ?? Date().addingTimeInterval(3600))
        case .abortRollout:
            _ = try await rolloutControl.abort(id: try text(subject, "rollout_id"), reason: "incident \(incidentID): \(remedy.reason)")
            try await rollouts.sync()
        case .rollbackPrompt:
            let (from, to) = try await store.rollbackPromptLabel(
                name: try text(subject, "prompt"), label: try text(subject, "label"), author: "keel incident \(incidentID)")
            remedy.subject["from"] = .int(Int64(from))
            remedy.subject["to"] = .int(Int64(to))
        }
        return remedy
    }

    /// Routes traffic as an ejection, failover or clamp says, until `until` (at apply, and again
    /// after a restart while it is in force).
    func setOverride(of remedy: Remedy, until: Date) throws {
        let subject = remedy.subject
        let change: TrafficOverrides.Change
        switch remedy.kind {
        case .ejectTarget: change = .eject(target: try text(subject, "target"))
        case .failOver: change = .demote(target: try text(subject, "target"), model: try text(subject, "model"))
        case .clampOutput: change = .clamp(keyID: try text(subject, "key"), maxOutputTokens: subject["max_output_tokens"]?.intValue ?? 256)
        case .tightenRateLimit: change = .throttle(keyID: try text(subject, "key"), rpm: subject["rpm"]?.intValue ?? 60)
        case .abortRollout, .rollbackPrompt: return
        }
        gateway.overrides.set(change, id: remedy.id, until: until)
    }

    /// Undoes an applied `remedy`; throws when it cannot be undone. Returns a note on what the
    /// undoing made, if anything (an aborted rollout resumes as a new one).
    func revert(_ remedy: Remedy, incidentID: String) async throws -> String? {
        switch remedy.kind {
        case .ejectTarget, .failOver, .clampOutput, .tightenRateLimit:
            gateway.overrides.lift(id: remedy.id)
        case .rollbackPrompt:
            guard let from = remedy.subject["from"]?.intValue else { throw RemedyError.notRevertible("it does not say which version it moved from") }
            try await store.movePromptLabel(
                name: try text(remedy.subject, "prompt"), label: try text(remedy.subject, "label"), version: from,
                author: "keel incidents revert \(remedy.id)")
        case .abortRollout:
            let resumed = try await rolloutControl.resume(id: try text(remedy.subject, "rollout_id"))
            try await rollouts.sync()
            return "resumed as rollout \(resumed.id), from its first step"
        }
        return nil
    }

    private var rolloutControl: RolloutControl { RolloutControl(store: store, config: gateway.config, board: gateway.rollouts) }

    private func text(_ subject: JSONObject, _ key: String) throws -> String {
        guard let value = subject[key]?.stringValue, !value.isEmpty else { throw RemedyError.notRevertible("its subject has no \(key)") }
        return value
    }
}

enum RemedyError: Error, CustomStringConvertible {
    case notRevertible(String)

    var description: String {
        switch self {
        case .notRevertible(let why): return why
        }
    }
}
