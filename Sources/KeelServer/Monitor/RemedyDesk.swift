import Foundation
import KeelCore
import KeelGateway
import KeelMonitor
import Logging
import Synchronization

/// The remediation side of the monitor: plans an incident's actions, carries out the automatic
/// ones within the hourly bound, and keeps each action's life on the incident (applied,
/// recovered after, expired, reverted), every step on the timeline.
final class RemedyDesk: Sendable {
    let planner: RemediationPlanner
    let executor: RemediationExecutor
    let logger: Logger
    /// When each automatic action of the last hour was applied.
    private let applied = Mutex<[Date]>([])

    init(planner: RemediationPlanner, executor: RemediationExecutor, logger: Logger) {
        self.planner = planner
        self.executor = executor
        self.logger = logger
    }

    /// Plans and carries out `incident`'s actions, adding them to it.
    func act(on incident: inout Incident, in situation: RemediationPlanner.Situation, now: Date) async {
        var situation = situation
        situation.automaticActionsLeft = applied.withLock { times in
            times.removeAll { now.timeIntervalSince($0) >= 3600 }
            return max(0, planner.settings.maxActionsPerHour - times.count)
        }
        for planned in planner.plan(for: incident, in: situation, now: now) {
            var remedy = planned
            if remedy.status == .applied {
                do {
                    remedy = try await executor.apply(remedy, incidentID: incident.id)
                    applied.withLock { $0.append(now) }
                    logger.warning("remediation applied", metadata: ["incident": "\(incident.id)", "action": "\(remedy.summary)"])
                } catch {
                    remedy.status = .failed
                    remedy.note = "\(error)"
                }
            }
            incident.actions.append(remedy)
            incident.timeline.append(Self.event(remedy, at: now))
        }
    }

    /// Puts back the overrides of applied actions still in force (after a restart).
    func reinstate(_ incidents: [Incident], now: Date) {
        for incident in incidents {
            for remedy in incident.actions where remedy.status == .applied {
                guard let until = remedy.until, until > now else { continue }
                do {
                    try executor.setOverride(of: remedy, until: until)
                } catch {
                    logger.error("an action in force could not be put back", metadata: ["action": "\(remedy.id)", "error": "\(error)"])
                }
            }
        }
    }

    /// The signal is healthy again: applied actions not yet credited say when. True when one was.
    func noteRecovery(of incident: inout Incident, at now: Date) -> Bool {
        var noted = false
        for index in incident.actions.indices where incident.actions[index].status == .applied && incident.actions[index].recoveredAt == nil {
            incident.actions[index].recoveredAt = now
            let after = now.timeIntervalSince(incident.actions[index].at)
            incident.timeline.append(
                Incident.Event(
                    at: now, type: "recovered_after_action",
                    detail: ["action_id": .string(incident.actions[index].id), "after_s": .double((after * 10).rounded() / 10)]))
            noted = true
        }
        return noted
    }

    /// Applied actions whose time ran out are marked expired. True when one was.
    func expire(on incident: inout Incident, now: Date) -> Bool {
        var expired = false
        for index in incident.actions.indices {
            guard incident.actions[index].status == .applied, let until = incident.actions[index].until, until <= now else { continue }
            incident.actions[index].status = .expired
            incident.timeline.append(Self.event(incident.actions[index], at: now))
            expired = true
        }
        return expired
    }

    /// Undoes the applied action `actionID` of `incident`.
    func revert(action actionID: String, on incident: inout Incident, by who: String, now: Date) async throws {
        guard let index = incident.actions.firstIndex(where: { $0.id == actionID }) else {
            throw KeelError(
                status: 404, type: "invalid_request_error", message: "Incident \(incident.id) has no action '\(actionID)'.", code: "action_not_found")
        }
        let remedy = incident.actions[index]
        guard remedy.status == .applied || remedy.status == .revertRequested else {
            throw KeelError(
                status: 409, type: "invalid_request_error",
                message: "Action \(actionID) is \(remedy.status.rawValue); only an applied action can be reverted.", code: "action_not_applied")
        }
        do {
            if let note = try await executor.revert(remedy, incidentID: incident.id) { incident.actions[index].note = note }
        } catch let error as KeelError {
            throw error
        } catch {
            incident.actions[index].status = .applied
            throw KeelError(
                status: 409, type: "invalid_request_error", message: "Action \(actionID) cannot be reverted: \(error).", code: "action_not_revertible"
            )
        }
        incident.actions[index].status = .reverted
        incident.actions[index].revertedAt = now
        var event = Self.event(incident.actions[index], at: now)
        event.detail["by"] = .string(who)
        incident.timeline.append(event)
    }

    private static func event(_ remedy: Remedy, at time: Date) -> Incident.Event {
        var detail: JSONObject = [
            "action_id": .string(remedy.id), "kind": .string(remedy.kind.rawValue), "mode": .string(remedy.mode.rawValue),
            "status": .string(remedy.status.rawValue), "summary": .string(remedy.summary), "reason": .string(remedy.reason),
        ]
        if let note = remedy.note { detail["note"] = .string(note) }
        return Incident.Event(at: time, type: "action", detail: detail)
    }
}
