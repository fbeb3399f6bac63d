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

    /// Applies `remedy`; throws what stopped it.
    func apply(_ remedy: Remedy, incidentID: String) async throws -> Remedy {
        var remedy = remedy
        let until = remedy.until ?? Date().addingTimeInterval(3600)
        let subject = remedy.subject
        switch remedy.kind {
        case .ejectTarget:
            gateway.overrides.set(.eject(target: try text(subject, "target")), id: remedy.id, until: until)
        case .failOver:
            gateway.overrides.set(.demote(target: try text(subject, "target"), model: try text(subject, "model")), id: remedy.id, until: until)
        case .clampOutput:
            let tokens = subject["max_output_tokens"]?.intValue ?? 256
            gateway.overrides.set(.clamp(keyID: try text(subject, "key"), maxOutputTokens: tokens), id: remedy.id, until: until)
        case .abortRollout:
            let control = RolloutControl(store: store, config: gateway.config, board: gateway.rollouts)
            _ = try await control.abort(id: try text(subject, "rollout_id"), reason: "incident \(incidentID): \(remedy.reason)")
        case .rollbackPrompt:
            let (from, to) = try await store.rollbackPromptLabel(
                name: try text(subject, "prompt"), label: try text(subject, "label"), author: "keel incident \(incidentID)")
            remedy.subject["from"] = .int(Int64(from))
            remedy.subject["to"] = .int(Int64(to))
        }
        return remedy
    }

    /// Undoes an applied `remedy`; throws when it cannot be undone.
    func revert(_ remedy: Remedy, incidentID: String) async throws {
        switch remedy.kind {
        case .ejectTarget, .failOver, .clampOutput:
            gateway.overrides.lift(id: remedy.id)
        case .rollbackPrompt:
            guard let from = remedy.subject["from"]?.intValue else { throw RemedyError.notRevertible("it does not say which version it moved from") }
            try await store.movePromptLabel(
                name: try text(remedy.subject, "prompt"), label: try text(remedy.subject, "label"), version: from,
                author: "keel incidents revert \(remedy.id)")
        case .abortRollout:
            throw RemedyError.notRevertible("an aborted rollout is not resumed: start it again with `keel rollouts start`")
        }
    }

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
