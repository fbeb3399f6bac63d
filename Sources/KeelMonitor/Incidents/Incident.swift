import Foundation
import KeelCore

/// A breach someone must know of: opened by a finding, kept while its cause lasts (one per cause
/// and scope), resolved by itself once the signal has been healthy for a while, or by a person.
/// Its timeline says what happened, in order.
public struct Incident: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case open, acknowledged, resolved
    }

    public struct Event: Sendable, Equatable {
        public var at: Date
        /// `breach`, `causes`, `worsened`, `recovering`, `notified`, `notification_failed`, `acknowledged`, `resolved`,
        /// `action` (suggested, applied, refused, reverted, expired), `recovered_after_action`.
        public var type: String
        public var detail: JSONObject

        public init(at: Date, type: String, detail: JSONObject = [:]) {
            self.at = at
            self.type = type
            self.detail = detail
        }

        public var json: JSONValue { ["at": .string(Incident.format(at)), "type": .string(type), "detail": .object(detail)] }
    }

    public var id: String
    public var kind: Finding.Kind
    public var dedupKey: String
    public var status: Status
    public var severity: Finding.Severity
    public var scope: Finding.Scope
    public var title: String
    public var openedAt: Date
    public var acknowledgedAt: Date?
    public var resolvedAt: Date?
    /// The last look that still found the breach.
    public var lastBreachAt: Date
    /// The figures of the latest breach.
    public var figures: JSONObject
    /// Its likely causes, most likely first.
    public var causes: [Cause]
    public var actions: [Remedy]
    public var timeline: [Event]

    public init(finding: Finding, id: String = Incident.newID(), now: Date) {
        self.id = id
        kind = finding.kind
        dedupKey = finding.dedupKey
        status = .open
        severity = finding.severity
        scope = finding.scope
        title = finding.title
        openedAt = now
        lastBreachAt = now
        figures = finding.figures
        causes = []
        actions = []
        timeline = [Event(at: now, type: "breach", detail: ["title": .string(finding.title), "figures": .object(finding.figures)])]
    }

    public static func newID() -> String { "inc_" + IdentifierRandom.hex(bytes: 8) }

    public var isOpen: Bool { status != .resolved }

    /// A person takes it: still open, no longer unowned.
    public mutating func acknowledge(by who: String, at time: Date) {
        status = .acknowledged
        acknowledgedAt = time
        timeline.append(Event(at: time, type: "acknowledged", detail: ["by": .string(who)]))
    }

    /// It ends: by Keel when the signal has been healthy, or by a person.
    public mutating func resolve(by who: String, at time: Date, reason: String? = nil) {
        status = .resolved
        resolvedAt = time
        var detail: JSONObject = ["by": .string(who)]
        if let reason { detail["reason"] = .string(reason) }
        timeline.append(Event(at: time, type: "resolved", detail: detail))
    }

    /// Asks whichever process runs the monitor to undo the applied action `actionID` at its
    /// next look (`keel incidents revert`, or the API of a replica that does not lead).
    public mutating func requestRevert(of actionID: String, by who: String, at time: Date) throws(KeelError) {
        guard let index = actions.firstIndex(where: { $0.id == actionID }) else {
            throw KeelError(
                status: 404, type: "invalid_request_error", message: "Incident \(id) has no action '\(actionID)'.", code: "action_not_found")
        }
        guard actions[index].status == .applied else {
            throw KeelError(
                status: 409, type: "invalid_request_error",
                message: "Action \(actionID) is \(actions[index].status.rawValue); only an applied action can be reverted.",
                code: "action_not_applied")
        }
        actions[index].status = .revertRequested
        timeline.append(Event(at: time, type: "revert_requested", detail: ["action_id": .string(actionID), "by": .string(who)]))
    }

    /// The list form (`GET /api/incidents`).
    public var summaryJSON: JSONValue {
        [
            "id": .string(id), "object": "incident", "kind": .string(kind.rawValue), "title": .string(title), "status": .string(status.rawValue),
            "severity": .string(severity.rawValue), "scope": scope.json, "opened_at": .string(Self.format(openedAt)),
            "acknowledged_at": acknowledgedAt.map { .string(Self.format($0)) } ?? .null,
            "resolved_at": resolvedAt.map { .string(Self.format($0)) } ?? .null, "figures": .object(figures), "causes": .array(causes.map(\.json)),
            "actions": .array(actions.map(\.json)),
        ]
    }

    /// With its timeline (`GET /api/incidents/{id}`).
    public var json: JSONValue {
        var object = summaryJSON.objectValue ?? [:]
        object["timeline"] = .array(timeline.map(\.json))
        return .object(object)
    }

    static func format(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }

    static func date(_ value: JSONValue?) -> Date? {
        value?.stringValue.flatMap { try? Date($0, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }
    }

    /// Reads back `json` (what a store keeps); nil when it is not an incident's.
    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let kind = json["kind"]?.stringValue.flatMap(Finding.Kind.init(rawValue:)),
            let status = json["status"]?.stringValue.flatMap(Status.init(rawValue:)),
            let severity = json["severity"]?.stringValue.flatMap(Finding.Severity.init(rawValue:)),
            let scopeObject = json["scope"]?.objectValue, let (dimensionName, scopeValue) = scopeObject.first,
            let dimension = SignalDimension(rawValue: dimensionName), let value = scopeValue.stringValue,
            let openedAt = Self.date(json["opened_at"])
        else { return nil }
        self.id = id
        self.kind = kind
        scope = Finding.Scope(dimension, value)
        dedupKey = json["dedup_key"]?.stringValue ?? "\(kind.rawValue):\(dimension.rawValue):\(value)"
        self.status = status
        self.severity = severity
        title = json["title"]?.stringValue ?? ""
        self.openedAt = openedAt
        acknowledgedAt = Self.date(json["acknowledged_at"])
        resolvedAt = Self.date(json["resolved_at"])
        lastBreachAt = Self.date(json["last_breach_at"]) ?? openedAt
        figures = json["figures"]?.objectValue ?? [:]
        causes = (json["causes"]?.arrayValue ?? []).compactMap(Cause.init(json:))
        actions = (json["actions"]?.arrayValue ?? []).compactMap(Remedy.init(json:))
        timeline = (json["timeline"]?.arrayValue ?? []).compactMap { event in
            guard let at = Self.date(event["at"]), let type = event["type"]?.stringValue else { return nil }
            return Event(at: at, type: type, detail: event["detail"]?.objectValue ?? [:])
        }
    }

    /// Everything, for a store to keep (`json` with what only Keel reads back).
    public var storedJSON: JSONValue {
        var object = json.objectValue ?? [:]
        object["dedup_key"] = .string(dedupKey)
        object["last_breach_at"] = .string(Self.format(lastBreachAt))
        return .object(object)
    }
}
