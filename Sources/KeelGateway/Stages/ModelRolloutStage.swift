import KeelCore
import KeelPrompts

/// Sends a request to a model's rollout candidate (an upstream model canaried behind a Keel
/// model name) when the rollout picks that arm: the model's targets become the candidate's.
enum ModelRolloutStage {
    static func apply(to model: inout ModelConfig, request: ChatRequest, incoming: IncomingRequest, rollouts: RolloutBoard) -> ServedArm? {
        if let shadow = incoming.shadowTarget {
            model.targets = [shadow]
            return nil
        }
        guard incoming.candidateFallback == nil, incoming.shadowVersion == nil else { return nil }
        let user = request.body["user"]?.stringValue
        guard let served = rollouts.assign(subject: "model:\(model.name)", stickyKey: { $0.key(bodyUser: user, headers: incoming.headers) })
        else { return nil }
        if let candidate = served.candidateTarget { model.targets = [candidate] }
        return served
    }
}
