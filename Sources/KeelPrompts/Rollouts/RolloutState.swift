import Foundation
import KeelCore

/// Where a rollout is: what changes while it runs, stored as JSON beside its spec.
public struct RolloutState: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case active
        /// The candidate won: the label (or model) now points at it, and the rollout is over.
        case promoted
        /// The candidate lost: every request goes to the stable arm.
        case aborted
    }

    public var status: Status
    /// The index of the current step in the canary's steps; 0 in shadow mode.
    public var step: Int
    public var stepStartedAt: Date
    /// Counted candidate requests since the step began.
    public var candidateRequestsInStep: Int
    public var stable: ArmFigures
    public var candidate: ArmFigures
    /// Shadow mode: how alike the two arms' answers were.
    public var similarity: MeanFigures
    /// The guard that aborted the rollout (`manual` when someone did), and why.
    public var abortedBy: RolloutGuardName?
    public var abortReason: String?
    public var updatedAt: Date
    public var endedAt: Date?

    public init(startedAt: Date) {
        status = .active
        step = 0
        stepStartedAt = startedAt
        candidateRequestsInStep = 0
        stable = ArmFigures()
        candidate = ArmFigures()
        similarity = MeanFigures()
        updatedAt = startedAt
    }

    public var json: JSONValue {
        func time(_ date: Date?) -> JSONValue { date.map { .double($0.timeIntervalSince1970) } ?? .null }
        return [
            "status": .string(status.rawValue), "step": .int(Int64(step)), "step_started_at": time(stepStartedAt),
            "candidate_requests_in_step": .int(Int64(candidateRequestsInStep)), "stable": stable.json, "candidate": candidate.json,
            "similarity": similarity.json, "aborted_by": abortedBy.map { .string($0.rawValue) } ?? .null,
            "abort_reason": abortReason.map(JSONValue.string) ?? .null, "updated_at": time(updatedAt), "ended_at": time(endedAt),
        ]
    }

    public init(json: JSONValue) throws(RolloutConfigError) {
        guard let status = json["status"]?.stringValue.flatMap(Status.init(rawValue:)),
            let stepStartedAt = json["step_started_at"]?.doubleValue, let updatedAt = json["updated_at"]?.doubleValue
        else { throw RolloutConfigError("rollout state: missing or invalid 'status', 'step_started_at' or 'updated_at'") }
        self.status = status
        step = json["step"]?.intValue ?? 0
        self.stepStartedAt = Date(timeIntervalSince1970: stepStartedAt)
        candidateRequestsInStep = json["candidate_requests_in_step"]?.intValue ?? 0
        stable = ArmFigures(json: json["stable"])
        candidate = ArmFigures(json: json["candidate"])
        similarity = MeanFigures(json: json["similarity"])
        abortedBy = json["aborted_by"]?.stringValue.flatMap(RolloutGuardName.init(rawValue:))
        abortReason = json["abort_reason"]?.stringValue
        self.updatedAt = Date(timeIntervalSince1970: updatedAt)
        endedAt = json["ended_at"]?.doubleValue.map(Date.init(timeIntervalSince1970:))
    }
}

/// What the gateway does after a rollout has taken an outcome, a tick or a command.
public enum RolloutAction: Sendable, Hashable {
    /// The candidate now serves `weight` percent; `step` is the index in the canary's steps.
    case advanced(step: Int, weight: Double)
    /// Move the label (or model) to the candidate; the rollout is over.
    case promoted
    /// Every request goes to the stable arm from now on.
    case aborted(guard: RolloutGuardName, reason: String)
    /// Write this state to the store (`RolloutStore.updateRollout`).
    case persist(RolloutState)
    /// Record an event: `rollout_step`, `rollout_promoted` or `rollout_aborted`, with both
    /// arms' figures and the sample behind each guard's verdict.
    case event(type: String, payload: JSONObject)
}
