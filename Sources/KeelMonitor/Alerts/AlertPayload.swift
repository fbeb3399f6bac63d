import Foundation
import KeelCore

/// The bodies each channel is sent for an incident that opens (`firing`) or ends (`resolved`).
public enum AlertPayload {
    /// PagerDuty Events API v2: a trigger deduplicated by the incident id, then its resolve.
    public static func pagerDuty(_ incident: Incident, routingKey: String, resolved: Bool, source: String, link: String?) -> JSONObject {
        var body: JSONObject = [
            "routing_key": .string(routingKey), "event_action": resolved ? "resolve" : "trigger", "dedup_key": .string(incident.id),
        ]
        guard !resolved else { return body }
        body["payload"] = [
            "summary": .string(String(incident.title.prefix(1024))), "source": .string(source),
            "severity": .string(incident.severity.rawValue), "component": .string(incident.scope.value),
            "group": .string(incident.scope.dimension.rawValue), "class": .string(incident.kind.rawValue),
            "timestamp": .string(Incident.format(incident.openedAt)),
            "custom_details": [
                "incident_id": .string(incident.id), "figures": .object(incident.figures), "causes": .array(incident.causes.map(\.json)),
                "actions": .array(incident.actions.map(\.json)), "scope": incident.scope.json,
            ],
        ]
        if let link { body["links"] = [["href": .string(link), "text": "The incident in Keel"]] }
        return body
    }

    /// A Slack incoming webhook: one readable message.
    public static func slack(_ incident: Incident, resolved: Bool, link: String?) -> JSONObject {
        let mark = resolved ? "Resolved" : incident.severity.rawValue.uppercased()
        var lines = [
            "*[\(mark)] \(incident.title)*",
            "\(incident.kind.rawValue) on \(incident.scope.dimension.rawValue) `\(incident.scope.value)` · \(incident.id)",
        ]
        if let cause = incident.causes.first, !resolved { lines.append("Likely cause: \(cause.title)") }
        for action in incident.actions where !resolved && action.status != .refused {
            lines.append("\(action.status == .suggested ? "Suggested" : "Action \(action.status.rawValue)"): \(action.summary) · \(action.id)")
        }
        if let link { lines.append("<\(link)|Open the incident>") }
        return ["text": .string(lines.joined(separator: "\n"))]
    }

    /// Alertmanager's webhook payload (version 4), one alert per incident.
    public static func alertmanager(_ incident: Incident, resolved: Bool, link: String?, receiver: String) -> JSONObject {
        let status: JSONValue = resolved ? "resolved" : "firing"
        let labels: JSONObject = [
            "alertname": .string(incident.kind.rawValue), "severity": .string(incident.severity.rawValue),
            incident.scope.dimension.rawValue: .string(incident.scope.value), "incident_id": .string(incident.id),
        ]
        let alert: JSONObject = [
            "status": status, "labels": .object(labels),
            "annotations": [
                "summary": .string(incident.title), "description": .string(JSONValue.object(incident.figures).encodedString()),
                "likely_cause": .string(incident.causes.first?.title ?? ""),
                "actions": .string(incident.actions.map { "\($0.status.rawValue): \($0.summary)" }.joined(separator: "; ")),
            ],
            "startsAt": .string(Incident.format(incident.openedAt)),
            "endsAt": .string(incident.resolvedAt.map(Incident.format) ?? "0001-01-01T00:00:00Z"), "generatorURL": .string(link ?? ""),
            "fingerprint": .string(incident.id),
        ]
        return [
            "version": "4", "groupKey": .string(incident.dedupKey), "truncatedAlerts": 0, "status": status, "receiver": .string(receiver),
            "groupLabels": ["alertname": .string(incident.kind.rawValue)], "commonLabels": .object(labels),
            "commonAnnotations": ["summary": .string(incident.title)], "externalURL": .string(link ?? ""), "alerts": [.object(alert)],
        ]
    }
}
