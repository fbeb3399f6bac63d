import Foundation
import KeelCore

/// The open incidents and what each look of the detectors changes about them, as a state
/// machine that returns what to do (store, notify) and never does it: testable without a clock,
/// a store or a network.
public struct IncidentBoard: Sendable {
    /// What a change asks of the caller.
    public enum Change: Sendable, Equatable {
        /// A new incident: store it and send its trigger.
        case opened(Incident)
        /// An open incident changed (worse, acknowledged, or still breaching): store it.
        case updated(Incident)
        /// It ended: store it and send its resolve.
        case resolved(Incident)
    }

    /// Open incidents by dedup key.
    public private(set) var open: [String: Incident] = [:]
    /// How long the signal must stay healthy before an incident resolves by itself.
    public var resolveAfter: TimeInterval

    public init(resolveAfter: TimeInterval) {
        self.resolveAfter = resolveAfter
    }

    /// Takes back the incidents a store still had open (after a restart).
    public mutating func adopt(_ incidents: [Incident]) {
        for incident in incidents where incident.isOpen { open[incident.dedupKey] = incident }
    }

    /// One look of the detectors: new findings open incidents, those already open are kept
    /// (their severity may rise), and an incident whose finding has been absent for
    /// `resolveAfter` resolves.
    public mutating func observe(_ findings: [Finding], now: Date) -> [Change] {
        var changes: [Change] = []
        var seen = Set<String>()
        for finding in findings where seen.insert(finding.dedupKey).inserted {
            if var incident = open[finding.dedupKey] {
                let relapsed = incident.timeline.last?.type == "recovering"
                incident.lastBreachAt = now
                incident.figures = finding.figures
                incident.title = finding.title
                if finding.severity > incident.severity {
                    incident.severity = finding.severity
                    incident.timeline.append(
                        Incident.Event(
                            at: now, type: "worsened", detail: ["severity": .string(finding.severity.rawValue), "figures": .object(finding.figures)]))
                    open[finding.dedupKey] = incident
                    changes.append(.updated(incident))
                } else if relapsed {
                    incident.timeline.append(Incident.Event(at: now, type: "breach", detail: ["figures": .object(finding.figures)]))
                    open[finding.dedupKey] = incident
                    changes.append(.updated(incident))
                } else {
                    open[finding.dedupKey] = incident
                }
            } else {
                let incident = Incident(finding: finding, now: now)
                open[finding.dedupKey] = incident
                changes.append(.opened(incident))
            }
        }
        for (key, var incident) in open where !seen.contains(key) {
            if incident.timeline.last?.type != "recovering" {
                incident.timeline.append(Incident.Event(at: now, type: "recovering"))
                open[key] = incident
                changes.append(.updated(incident))
            }
            guard now.timeIntervalSince(incident.lastBreachAt) >= resolveAfter else { continue }
            incident.resolve(by: "keel", at: now, reason: "the signal has been healthy")
            open[key] = nil
            changes.append(.resolved(incident))
        }
        return changes
    }

    /// A person takes it (`keel incidents ack`): still open, no longer unowned.
    public mutating func acknowledge(id: String, by who: String, now: Date) -> Incident? {
        guard var incident = open.values.first(where: { $0.id == id }), incident.status == .open else { return nil }
        incident.acknowledge(by: who, at: now)
        open[incident.dedupKey] = incident
        return incident
    }

    /// A person ends it; a breach that lasts opens a new one at the next look.
    public mutating func resolve(id: String, by who: String, now: Date) -> Incident? {
        guard var incident = open.values.first(where: { $0.id == id }) else { return nil }
        incident.resolve(by: who, at: now)
        open[incident.dedupKey] = nil
        return incident
    }

    /// Puts back an open incident changed outside the board (its causes and actions added).
    public mutating func replace(_ incident: Incident) {
        guard incident.isOpen, open[incident.dedupKey]?.id == incident.id else { return }
        open[incident.dedupKey] = incident
    }

    /// Adds an event (a notification sent or failed) to an open incident.
    public mutating func record(_ event: Incident.Event, on id: String) -> Incident? {
        guard var incident = open.values.first(where: { $0.id == id }) else { return nil }
        incident.timeline.append(event)
        open[incident.dedupKey] = incident
        return incident
    }
}
