import Foundation
import KeelCore
import KeelPrompts
import KeelStore

/// Carries out what a rollout decided: its state written to the store, its events recorded,
/// and on promotion the label moved to the candidate. Used by the serving gateway's driver and
/// by `keel rollouts promote|abort`, which act on the store directly.
public struct RolloutActions: Sendable {
    let store: any RolloutStore & PromptStore & TraceStore

    public init(store: any RolloutStore & PromptStore & TraceStore) {
        self.store = store
    }

    public func carryOut(_ actions: [RolloutAction], of spec: RolloutSpec, now: Date = Date()) async throws {
        for action in actions {
            switch action {
            case .persist(let state):
                let status = RolloutRecord.Status(rawValue: state.status.rawValue) ?? .active
                _ = try await store.updateRollout(id: spec.id, state: state.json, status: status, updatedAt: now)
            case .event(let type, let payload):
                var detail = payload
                detail["rollout_id"] = .string(spec.id)
                detail["subject"] = .string(spec.subject.key)
                try await store.recordEvent(StoredEvent(createdAt: now, kind: type, provider: nil, upstreamModel: nil, detail: .object(detail)))
            case .promoted:
                if case .prompt(let name, let label, _, let candidate) = spec.subject {
                    try await store.movePromptLabel(name: name, label: label, version: candidate, author: "keel rollout \(spec.id)")
                }
            case .advanced, .aborted:
                break
            }
        }
    }

    /// The rollout a stored record holds.
    public static func rollout(_ record: RolloutRecord) throws -> Rollout {
        Rollout(spec: try RolloutSpec(json: record.spec), state: try RolloutState(json: record.state))
    }
}
