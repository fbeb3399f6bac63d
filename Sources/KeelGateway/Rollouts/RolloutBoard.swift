import Foundation
import KeelCore
import KeelPrompts
import KeelStore
import Synchronization

/// The rollouts this process serves, by subject (`prompt:NAME:LABEL`): which arm serves a
/// request, and each outcome fed back to the rollout's analysis. What the state machines
/// decide (persist, events, promotion) goes out through `actions`, to be carried out off the
/// request path.
public final class RolloutBoard: Sendable {
    /// A rollout's decisions, for its driver.
    public struct Decisions: Sendable {
        public var rolloutID: String
        public var spec: RolloutSpec
        public var actions: [RolloutAction]
        /// A shadow run's two traces, to store linked.
        public var shadowPair: ShadowPairDraft?
    }

    /// The traces of a live request and of its shadow copy, with the similarity of their answers.
    public struct ShadowPairDraft: Sendable {
        public var stableTraceID: String
        public var candidateTraceID: String
        public var similarity: Double?
    }

    /// Runs a shadow copy of a finished request; set by the gateway.
    let shadowRunner = Mutex<(@Sendable (ShadowJob) -> Void)?>(nil)

    private let rollouts = Mutex<[String: Rollout]>([:])
    /// Whether any rollout is served: without one, a request names no subject and takes no lock.
    private let servesAnyFlag = Atomic<Bool>(false)
    private let output: AsyncStream<Decisions>.Continuation
    /// Every decision, in order; read by one driver.
    public let actions: AsyncStream<Decisions>

    public init() {
        (actions, output) = AsyncStream.makeStream(of: Decisions.self, bufferingPolicy: .bufferingNewest(10_000))
    }

    /// Whether any rollout is served: without one, `assign` answers nil to every subject.
    var servesAny: Bool { servesAnyFlag.load(ordering: .acquiring) }

    /// The arm for a request to `subject`, when an active rollout has it.
    func assign(subject: @autoclosure () -> String, stickyKey: (RolloutSpec.Sticky) -> String?) -> ServedArm? {
        guard servesAny else { return nil }
        let subject = subject()
        return rollouts.withLock { rollouts in
            guard let rollout = rollouts[subject], rollout.state.status != .aborted else { return nil }
            let arm = rollout.assign(stickyKey: stickyKey(rollout.spec.sticky), random: Double.random(in: 0..<1))
            var served = ServedArm(rolloutID: rollout.spec.id, subject: subject, arm: arm)
            switch rollout.spec.subject {
            case .prompt(_, _, let stable, let candidate):
                served.stableVersion = stable
                if arm == .candidate { served.candidateVersion = candidate }
                if rollout.shadowsRequests { served.shadowVersion = candidate }
            case .model(_, let candidateTarget):
                let target = ServedArm.target(candidateTarget)
                if arm == .candidate { served.candidateTarget = target }
                if rollout.shadowsRequests { served.shadowTarget = target }
            }
            return served
        }
    }

    /// Feeds a request's outcome to its rollout.
    func record(_ served: ServedArm, outcome: RolloutOutcome, now: Date = Date()) {
        let decisions = rollouts.withLock { rollouts -> Decisions? in
            guard var rollout = rollouts[served.subject], rollout.spec.id == served.rolloutID else { return nil }
            let actions = rollout.record(arm: served.arm, outcome: outcome, now: now)
            rollouts[served.subject] = rollout
            return actions.isEmpty ? nil : Decisions(rolloutID: rollout.spec.id, spec: rollout.spec, actions: actions, shadowPair: nil)
        }
        if let decisions { output.yield(decisions) }
    }

    /// Feeds a score that came after the answer (an online eval's) to the rollout splitting
    /// `label` of `prompt`, when `version` is one of its arms.
    public func recordQuality(prompt: String, label: String, version: Int, score: Double, now: Date = Date()) {
        let decisions = rollouts.withLock { rollouts -> Decisions? in
            let subject = "prompt:\(prompt):\(label)"
            guard var rollout = rollouts[subject], case .prompt(_, _, let stable, let candidate) = rollout.spec.subject else { return nil }
            let arm: Arm
            switch version {
            case candidate: arm = .candidate
            case stable: arm = .stable
            default: return nil
            }
            let actions = rollout.recordQuality(arm: arm, score: score, now: now)
            rollouts[subject] = rollout
            return actions.isEmpty ? nil : Decisions(rolloutID: rollout.spec.id, spec: rollout.spec, actions: actions, shadowPair: nil)
        }
        if let decisions { output.yield(decisions) }
    }

    /// Feeds a shadow run: the live request's outcome and its copy's, with their similarity.
    func recordShadow(_ job: ShadowJob, candidate: RolloutOutcome, candidateTraceID: String, similarity: Double?, now: Date = Date()) {
        let decisions = rollouts.withLock { rollouts -> Decisions? in
            guard var rollout = rollouts[job.served.subject], rollout.spec.id == job.served.rolloutID else { return nil }
            let actions = rollout.recordShadow(stable: job.stable, candidate: candidate, similarity: similarity, now: now)
            rollouts[job.served.subject] = rollout
            return Decisions(
                rolloutID: rollout.spec.id, spec: rollout.spec, actions: actions,
                shadowPair: ShadowPairDraft(stableTraceID: job.stableTraceID, candidateTraceID: candidateTraceID, similarity: similarity))
        }
        if let decisions { output.yield(decisions) }
    }

    /// Lets time-based steps advance.
    public func tick(now: Date = Date()) {
        let all = rollouts.withLock { rollouts -> [Decisions] in
            var all: [Decisions] = []
            for (subject, var rollout) in rollouts {
                let actions = rollout.tick(now: now)
                rollouts[subject] = rollout
                if !actions.isEmpty { all.append(Decisions(rolloutID: rollout.spec.id, spec: rollout.spec, actions: actions, shadowPair: nil)) }
            }
            return all
        }
        for decisions in all { output.yield(decisions) }
    }

    /// Takes in the store's view: new active rollouts start being served, another process's
    /// abort, promotion or step is adopted, ended ones stop being served. Local figures are kept.
    public func sync(active: [(spec: RolloutSpec, state: RolloutState)]) {
        rollouts.withLock { rollouts in
            var next: [String: Rollout] = [:]
            for (spec, state) in active {
                let subject = spec.subject.key
                if var current = rollouts[subject], current.spec.id == spec.id {
                    current.adopt(state)
                    next[subject] = current
                } else {
                    next[subject] = Rollout(spec: spec, state: state)
                }
            }
            rollouts = next
            servesAnyFlag.store(!next.isEmpty, ordering: .releasing)
        }
    }

    /// Ends a rollout served here by hand (`/api/rollouts/{id}/promote|abort`), with its live
    /// figures: the rollout after `change` and its actions are handed back for the caller to
    /// carry out, not sent to the driver. Nil when this process does not serve the rollout.
    public func end(rolloutID: String, _ change: (inout Rollout) -> [RolloutAction]) -> (rollout: Rollout, actions: [RolloutAction])? {
        rollouts.withLock { rollouts in
            guard let (subject, current) = rollouts.first(where: { $0.value.spec.id == rolloutID }) else { return nil }
            var rollout = current
            let actions = change(&rollout)
            rollouts[subject] = rollout
            return (rollout, actions)
        }
    }

    /// The live status of a rollout served here.
    public func status(rolloutID: String) -> JSONValue? {
        rollouts.withLock { rollouts in rollouts.values.first { $0.spec.id == rolloutID }?.status }
    }
}

/// The arm a request was served by, to feed its outcome back.
struct ServedArm: Sendable, Equatable {
    var rolloutID: String
    var subject: String
    var arm: Arm
    /// The prompt version the stable arm serves.
    var stableVersion: Int? = nil
    /// The prompt version the candidate arm serves (nil on the stable arm).
    var candidateVersion: Int? = nil
    /// In a shadow rollout: the candidate version to run on a copy of the request.
    var shadowVersion: Int? = nil
    /// For a model's rollout: the upstream the candidate arm sends to, and the one a shadow copy runs on.
    var candidateTarget: TargetConfig? = nil
    var shadowTarget: TargetConfig? = nil

    var shadows: Bool { shadowVersion != nil || shadowTarget != nil }

    /// `PROVIDER/UPSTREAM_MODEL` (the upstream model may itself contain `/`).
    static func target(_ text: String) -> TargetConfig? {
        guard let slash = text.firstIndex(of: "/"), slash != text.startIndex, text.index(after: slash) != text.endIndex else { return nil }
        return TargetConfig(provider: String(text[..<slash]), model: String(text[text.index(after: slash)...]))
    }
}

/// A live request answered by the stable version, whose copy a shadow rollout's candidate runs.
struct ShadowJob: Sendable {
    var served: ServedArm
    var stable: RolloutOutcome
    var stableTraceID: String
    var stableText: String
    var body: Data
    var headers: [String: String]
    var apiKey: APIKey?
}

extension RolloutOutcome {
    /// A finished request as its rollout arm counts it: a client that went away, or a request
    /// refused before any model call (rate limit, budget, bad input), is not the arm's doing.
    init(of trace: borrowing Trace) {
        let ending: Ending
        switch trace.status {
        case "ok": ending = .succeeded
        case "client_cancelled", "rate_limit_error", "invalid_request_error", "authentication_error", "permission_error": ending = .cancelled
        default: ending = .failed
        }
        self.init(
            ending: ending, latencyMs: trace.latencyMs, costUSD: trace.costUSD, promptTokens: trace.usage.promptTokens ?? 0,
            completionTokens: trace.usage.completionTokens ?? 0)
    }
}
