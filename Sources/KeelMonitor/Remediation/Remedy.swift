import Foundation
import KeelCore

/// One remediation action on an incident: what it changes, why, and where it stands.
/// Suggested ones wait for a person; automatic ones are applied, and every applied one can be
/// reverted by its id (`keel incidents revert ACTION_ID`) until it ends by itself.
public struct Remedy: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// Recorded and notified, not done (its autonomy is `suggest`, or the hourly bound was reached).
        case suggested
        case applied
        /// Not done: it would have broken a guarantee (the last healthy target of a model).
        case refused
        /// Asked to be undone (by `keel incidents revert`); the serving Keel undoes it at its next look.
        case revertRequested = "revert_requested"
        case reverted
        /// Its time ran out.
        case expired
        case failed
    }

    public var id: String
    public var kind: RemediationSettings.Kind
    public var mode: RemediationSettings.Autonomy
    public var status: Status
    public var reason: String
    /// What it acts on: `target`, `model`, `key`, `prompt`, `label`, `from`, `to`, `rollout_id`, `max_output_tokens`.
    public var subject: JSONObject
    public var at: Date
    public var until: Date?
    public var note: String?
    public var revertedAt: Date?
    /// When the incident's signal was first healthy again after it was applied.
    public var recoveredAt: Date?

    public init(
        id: String = Remedy.newID(), kind: RemediationSettings.Kind, mode: RemediationSettings.Autonomy, status: Status, reason: String,
        subject: JSONObject, at: Date, until: Date? = nil, note: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.mode = mode
        self.status = status
        self.reason = reason
        self.subject = subject
        self.at = at
        self.until = until
        self.note = note
    }

    public static func newID() -> String { "act_" + IdentifierRandom.hex(bytes: 6) }

    /// The same action on the same thing (so that an incident never asks for it twice).
    public var identity: String {
        kind.rawValue + ":"
            + subject.keys.sorted().map { "\($0)=\(subject[$0]?.stringValue ?? subject[$0]?.intValue.map(String.init) ?? "")" }
            .joined(separator: ",")
    }

    /// A short sentence: `eject_target up/gpt-4o for 600 s`.
    public var summary: String {
        let what = subject.keys.sorted().compactMap { key -> String? in
            guard let value = subject[key] else { return nil }
            return "\(key) \(value.stringValue ?? value.intValue.map(String.init) ?? value.encodedString())"
        }
        return "\(kind.rawValue) (\(what.joined(separator: ", ")))"
    }

    public var json: JSONValue {
        [
            "id": .string(id), "kind": .string(kind.rawValue), "mode": .string(mode.rawValue), "status": .string(status.rawValue),
            "reason": .string(reason), "subject": .object(subject), "at": .string(Incident.format(at)),
            "until": until.map { .string(Incident.format($0)) } ?? .null, "note": note.map(JSONValue.string) ?? .null,
            "reverted_at": revertedAt.map { .string(Incident.format($0)) } ?? .null,
            "recovered_at": recoveredAt.map { .string(Incident.format($0)) } ?? .null,
        ]
    }

    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let kind = json["kind"]?.stringValue.flatMap(RemediationSettings.Kind.init(rawValue:)),
            let mode = json["mode"]?.stringValue.flatMap(RemediationSettings.Autonomy.init(rawValue:)),
            let status = json["status"]?.stringValue.flatMap(Status.init(rawValue:)), let at = Incident.date(json["at"])
        else { return nil }
        self.init(
            id: id, kind: kind, mode: mode, status: status, reason: json["reason"]?.stringValue ?? "", subject: json["subject"]?.objectValue ?? [:],
            at: at, until: Incident.date(json["until"]), note: json["note"]?.stringValue)
        revertedAt = Incident.date(json["reverted_at"])
        recoveredAt = Incident.date(json["recovered_at"])
    }
}
