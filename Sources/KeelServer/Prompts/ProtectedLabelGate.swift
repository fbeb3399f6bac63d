import Foundation
import KeelCore
import KeelStore

/// `prompts.protected_labels`: a protected label goes only on a prompt version with a passing
/// eval run (`keel eval run` with that version as the candidate). Forcing it past the gate is
/// allowed and recorded as a `prompt_label_forced` event, naming who did it.
public struct ProtectedLabelGate: Sendable {
    let store: any EvalRunStore & TraceStore
    let protectedLabels: Set<String>

    public init(store: any EvalRunStore & TraceStore, protectedLabels: [String]) {
        self.store = store
        self.protectedLabels = Set(protectedLabels)
    }

    /// Returns when `label` may point at `name@version`; else a 409 `eval_required` naming what to run.
    public func check(name: String, label: String, version: Int, force: Bool, author: String, via: String) async throws {
        guard protectedLabels.contains(label) else { return }
        if try await store.passingEvalRun(prompt: name, version: version) != nil { return }
        guard force else {
            throw KeelError(
                status: 409, type: "invalid_request_error",
                message:
                    "The label '\(label)' is protected: \(name)@\(version) has no passing eval run. Run `keel eval run SUITE --candidate \(name)@\(version)` first, or force the move (it is recorded).",
                param: "label", code: "eval_required")
        }
        try await store.recordEvent(
            StoredEvent(
                createdAt: Date(), kind: "prompt_label_forced", provider: nil, upstreamModel: nil,
                detail: [
                    "prompt": .string(name), "label": .string(label), "version": .int(Int64(version)), "author": .string(author),
                    "via": .string(via), "reason": "no passing eval run",
                ]))
    }
}
