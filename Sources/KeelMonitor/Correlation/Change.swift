import Foundation
import KeelCore
import KeelStore

/// Something that changed and may explain a breach: a target's model version, a prompt label
/// move or rollout step, a configuration reload, or an external change (a deploy) posted to
/// `POST /api/events`. Read from the events Keel stores.
public struct Change: Sendable, Equatable {
    public var at: Date
    /// The event's kind: `model_version_changed`, `prompt_label_moved`, `rollout_step`, `config_reloaded`, `deploy`, ...
    public var kind: String
    public var title: String
    /// What it touched, as signal scopes (`target` `up/gpt-4o`, `model` `smart`, `prompt` `support-reply`).
    /// A prompt is named without a version when the change concerns the prompt as a whole.
    public var scopes: [SignalDimension: String]
    public var detail: JSONObject

    public init(at: Date, kind: String, title: String, scopes: [SignalDimension: String], detail: JSONObject = [:]) {
        self.at = at
        self.kind = kind
        self.title = title
        self.scopes = scopes
        self.detail = detail
    }

    /// Event kinds that are findings or notices of Keel's own rather than changes.
    static let notChanges: Set<String> = ["budget_alert", "eval_quality_drop", "prompt_label_forced"]

    /// The change an event records; nil for an event that changes nothing.
    public init?(event: StoredEvent) {
        guard !Self.notChanges.contains(event.kind) else { return nil }
        let detail = event.detail.objectValue ?? [:]
        var scopes: [SignalDimension: String] = [:]
        var title = detail["title"]?.stringValue ?? event.kind.replacingOccurrences(of: "_", with: " ")
        if let provider = event.provider, let model = event.upstreamModel { scopes[.target] = "\(provider)/\(model)" }
        for dimension in SignalDimension.allCases {
            if let value = detail[dimension.rawValue]?.stringValue, !value.isEmpty { scopes[dimension] = value }
        }
        if let subject = detail["subject"]?.stringValue { scopes.merge(Self.scopes(ofRolloutSubject: subject)) { first, _ in first } }
        switch event.kind {
        case "model_version_changed", "system_fingerprint_changed":
            let what = event.kind == "model_version_changed" ? "answers as" : "reports fingerprint"
            title =
                "\(scopes[.target] ?? "a target") \(what) \(detail["to"]?.stringValue ?? "?") (was \(detail["from"]?.stringValue ?? "?"))"
        case "prompt_label_moved":
            if let name = detail["name"]?.stringValue, let label = detail["label"]?.stringValue, let to = detail["to"]?.intValue {
                let from = detail["from"]?.intValue.map { " (was \(name)@\($0))" } ?? ""
                title = "\(name) label \(label) moved to \(name)@\(to)\(from)"
                scopes[.prompt] = name
            }
        case "rollout_started", "rollout_step", "rollout_promoted", "rollout_aborted":
            title = "\(event.kind.replacingOccurrences(of: "_", with: " ")) of \(detail["subject"]?.stringValue ?? "a rollout")"
        default:
            break
        }
        self.init(at: event.createdAt, kind: event.kind, title: title, scopes: scopes, detail: detail)
    }

    /// `prompt:support-reply:production` → prompt `support-reply`; `model:smart` → model `smart`.
    static func scopes(ofRolloutSubject subject: String) -> [SignalDimension: String] {
        let parts = subject.split(separator: ":", maxSplits: 2).map(String.init)
        guard parts.count >= 2 else { return [:] }
        switch parts[0] {
        case "prompt": return [.prompt: parts[1]]
        case "model": return [.model: parts[1]]
        default: return [:]
        }
    }

    public var json: JSONValue {
        var scopeObject: JSONObject = [:]
        for (dimension, value) in scopes { scopeObject[dimension.rawValue] = .string(value) }
        return [
            "at": .string(Incident.format(at)), "kind": .string(kind), "title": .string(title), "scope": .object(scopeObject),
        ]
    }
}
