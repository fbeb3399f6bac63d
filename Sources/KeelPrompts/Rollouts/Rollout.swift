import Foundation
import KeelCore

/// One rollout's state machine: the gateway asks it which arm serves each request, reports
/// each outcome back, and carries out the actions it returns. It reads no clock and does no
/// I/O: `now` comes with every call, and persistence and events are actions.
///
/// A canary steps through its weights: a step is done when the candidate has served the
/// step's requests (or its minutes have passed) and the analysis passes; a sample still too
/// small to judge waits, since moving on without evidence is what the steps are there to
/// prevent. Reaching the last step (100) is promotion. A failing guard aborts at once, at any
/// step and in shadow mode too. After either end, records are ignored and `assign` answers
/// for good: `.stable` once aborted, `.candidate` once promoted (by then the label points at
/// the candidate, and the gateway should stop asking).
public struct Rollout: Sendable {
    public let spec: RolloutSpec
    public private(set) var state: RolloutState
    /// The least time between two `.persist` actions for figures alone; a change of step or
    /// status is persisted at once.
    public var figuresPersistInterval: TimeInterval = 5
    private var lastPersistedAt: Date
    private var hasUnpersistedFigures = false

    public init(spec: RolloutSpec, state: RolloutState) {
        self.spec = spec
        self.state = state
        self.lastPersistedAt = state.updatedAt
    }

    /// A rollout that starts now, at its first step.
    public init(spec: RolloutSpec, now: Date) {
        self.init(spec: spec, state: RolloutState(startedAt: now))
    }

    public var analysis: RolloutAnalysis { RolloutAnalysis(guards: spec.guards) }

    public var steps: [Double] {
        if case .canary(let steps, _) = spec.mode { return steps }
        return []
    }

    /// The candidate's share of live traffic now.
    public var weight: Double {
        switch state.status {
        case .aborted: return 0
        case .promoted: return 100
        case .active: return steps.isEmpty ? 0 : steps[min(state.step, steps.count - 1)]
        }
    }

    /// Whether the gateway should run the candidate on a copy of each request.
    public var shadowsRequests: Bool {
        state.status == .active && spec.mode == .shadow
    }

    /// The arm that serves a request: `stickyKey` is the request's user or session as the spec's
    /// `sticky` says (nil when it has none), `random` uniform in [0, 1).
    public func assign(stickyKey: String?, random: Double) -> Arm {
        switch state.status {
        case .aborted: return .stable
        case .promoted: return .candidate
        case .active:
            let key = spec.sticky == .none ? nil : stickyKey
            return ArmAssignment(rolloutID: spec.id, weight: weight).arm(stickyKey: key, random: random)
        }
    }

    public mutating func record(arm: Arm, outcome: RolloutOutcome, now: Date) -> [RolloutAction] {
        guard state.status == .active else { return [] }
        hasUnpersistedFigures = true
        switch arm {
        case .stable:
            state.stable.record(outcome)
            return persistIfDue(now: now)
        case .candidate:
            state.candidate.record(outcome)
            guard outcome.ending != .cancelled else { return persistIfDue(now: now) }
            if spec.mode != .shadow { state.candidateRequestsInStep += 1 }
            return judge(now: now)
        }
    }

    /// A score of an answer the arm gave, which came after it (an online eval's verdict): the
    /// quality guard compares the arms' means.
    public mutating func recordQuality(arm: Arm, score: Double, now: Date) -> [RolloutAction] {
        guard state.status == .active else { return [] }
        hasUnpersistedFigures = true
        switch arm {
        case .stable:
            state.stable.addQuality(score)
            return persistIfDue(now: now)
        case .candidate:
            state.candidate.addQuality(score)
            return judge(now: now)
        }
    }

    /// A shadow pair: the stable arm's answer (the one the client got), the candidate's answer
    /// to the same request, and how alike they were (`OutputSimilarity`), when both answered.
    public mutating func recordShadow(stable: RolloutOutcome, candidate: RolloutOutcome, similarity: Double?, now: Date) -> [RolloutAction] {
        guard state.status == .active else { return [] }
        hasUnpersistedFigures = true
        state.stable.record(stable)
        state.candidate.record(candidate)
        if let similarity { state.similarity.add(similarity) }
        return judge(now: now)
    }

    /// For steps measured in minutes, and to persist figures that have waited.
    public mutating func tick(now: Date) -> [RolloutAction] {
        guard state.status == .active else { return [] }
        return judge(now: now)
    }

    public mutating func promote(now: Date) -> [RolloutAction] {
        guard state.status == .active else { return [] }
        state.status = .promoted
        state.endedAt = now
        return [.promoted, .event(type: "rollout_promoted", payload: eventPayload(report: currentReport())), persist(now: now)]
    }

    public mutating func abort(reason: String, now: Date) -> [RolloutAction] {
        abort(by: .manual, reason: reason, report: currentReport(), now: now)
    }

    /// Takes in what another process stored (seen through `rolloutRevision`): an end there
    /// (abort, promotion) ends this rollout here, and a later step there is this process's step
    /// too. This process's figures stay its own; nothing is returned, since the other process
    /// has already acted and recorded the event.
    public mutating func adopt(_ stored: RolloutState) {
        guard state.status == .active else { return }
        if stored.status != .active {
            state.status = stored.status
            state.abortedBy = stored.abortedBy
            state.abortReason = stored.abortReason
            state.endedAt = stored.endedAt
        } else if stored.step > state.step {
            state.step = stored.step
            state.stepStartedAt = stored.stepStartedAt
            state.candidateRequestsInStep = stored.candidateRequestsInStep
        }
    }

    public func currentReport() -> AnalysisReport {
        analysis.evaluate(stable: state.stable, candidate: state.candidate)
    }

    /// Both arms side by side, for `keel rollouts status --json`.
    public var status: JSONValue {
        var object = eventPayload(report: currentReport())
        object["status"] = .string(state.status.rawValue)
        object["steps"] = .array(steps.map(JSONValue.double))
        object["step_started_at"] = .double(state.stepStartedAt.timeIntervalSince1970)
        object["candidate_requests_in_step"] = .int(Int64(state.candidateRequestsInStep))
        object["updated_at"] = .double(state.updatedAt.timeIntervalSince1970)
        if let abortedBy = state.abortedBy {
            object["guard"] = .string(abortedBy.rawValue)
            object["reason"] = state.abortReason.map(JSONValue.string) ?? .null
        }
        return .object(object)
    }

    /// The verdict after a change: abort on a failing guard, else take the next step if it is due.
    private mutating func judge(now: Date) -> [RolloutAction] {
        let report = currentReport()
        if let failure = report.failure, case .fail(let reason) = failure.verdict {
            return abort(by: failure.name, reason: reason, report: report, now: now)
        }
        guard case .canary(let steps, let advance) = spec.mode, stepIsDone(advance, now: now), report.passes else {
            return persistIfDue(now: now)
        }
        let next = state.step + 1
        guard next < steps.count, steps[next] < 100 else { return promote(now: now) }
        state.step = next
        state.stepStartedAt = now
        state.candidateRequestsInStep = 0
        return [
            .advanced(step: next, weight: steps[next]), .event(type: "rollout_step", payload: eventPayload(report: report)), persist(now: now),
        ]
    }

    private func stepIsDone(_ advance: RolloutSpec.Advance, now: Date) -> Bool {
        switch advance {
        case .requests(let count): return state.candidateRequestsInStep >= count
        case .minutes(let minutes): return now.timeIntervalSince(state.stepStartedAt) >= minutes * 60
        }
    }

    private mutating func abort(by name: RolloutGuardName, reason: String, report: AnalysisReport, now: Date) -> [RolloutAction] {
        guard state.status == .active else { return [] }
        var payload = eventPayload(report: report)
        state.status = .aborted
        state.abortedBy = name
        state.abortReason = reason
        state.endedAt = now
        payload["guard"] = .string(name.rawValue)
        payload["reason"] = .string(reason)
        return [.aborted(guard: name, reason: reason), .event(type: "rollout_aborted", payload: payload), persist(now: now)]
    }

    private mutating func persistIfDue(now: Date) -> [RolloutAction] {
        guard hasUnpersistedFigures, now.timeIntervalSince(lastPersistedAt) >= figuresPersistInterval else { return [] }
        return [persist(now: now)]
    }

    private mutating func persist(now: Date) -> RolloutAction {
        state.updatedAt = now
        lastPersistedAt = now
        hasUnpersistedFigures = false
        return .persist(state)
    }

    private func eventPayload(report: AnalysisReport) -> JSONObject {
        var payload: JSONObject = [
            "rollout": .string(spec.id), "subject": .string(spec.subject.key), "mode": spec.mode == .shadow ? "shadow" : "canary",
            "step": .int(Int64(state.step)), "weight": .double(weight), "stable": state.stable.summary, "candidate": state.candidate.summary,
            "analysis": report.json,
        ]
        if spec.mode == .shadow {
            payload["similarity"] = ["mean": state.similarity.mean.map(JSONValue.double) ?? .null, "samples": .int(Int64(state.similarity.count))]
        }
        switch spec.subject {
        case .prompt(let name, let label, let stable, let candidate):
            payload["prompt"] = ["name": .string(name), "label": .string(label), "stable": .int(Int64(stable)), "candidate": .int(Int64(candidate))]
        case .model(let name, let candidateTarget):
            payload["model"] = ["name": .string(name), "candidate_target": .string(candidateTarget)]
        }
        return payload
    }
}
