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
        // The body is read only for a model with a rollout: a call by reference's is made on a read.
        let served = rollouts.assign(subject: "model:\(model.name)") {
            $0.key(bodyUser: request.body["user"]?.stringValue, headers: incoming.headers)
        }
        guard let served else { return nil }
        if let candidate = served.candidateTarget { model.targets = [candidate] }
        return served
    }
}
