import Foundation
import KeelCore
import KeelStore

/// Findings from events Keel stored rather than from the signals: a target now answering as
/// another model version (the drift event), a budget passing one of its alert levels. Each
/// lasts the rule's window after the latest such event of its scope.
public struct EventDetector: Sendable {
    public var modelVersions: MonitorSettings.EventRule?
    public var budgets: MonitorSettings.EventRule?

    public init(modelVersions: MonitorSettings.EventRule?, budgets: MonitorSettings.EventRule?) {
        self.modelVersions = modelVersions
        self.budgets = budgets
    }

    /// The latest event of each scope within its window; `events` in any order.
    public func findings(in events: [StoredEvent], now: Date) -> [Finding] {
        var latest: [String: Finding] = [:]
        var latestAt: [String: Date] = [:]
        for event in events {
            guard let finding = finding(for: event, now: now) else { continue }
            if let seen = latestAt[finding.dedupKey], seen >= event.createdAt { continue }
            latest[finding.dedupKey] = finding
            latestAt[finding.dedupKey] = event.createdAt
        }
        return latest.keys.sorted().compactMap { latest[$0] }
    }

    private func finding(for event: StoredEvent, now: Date) -> Finding? {
        let detail = event.detail.objectValue ?? [:]
        let age = now.timeIntervalSince(event.createdAt)
        switch event.kind {
        case "model_version_changed":
            guard let rule = modelVersions, age <= rule.window, let provider = event.provider, let model = event.upstreamModel else { return nil }
            let target = "\(provider)/\(model)"
            let from = detail["from"]?.stringValue ?? "?"
            let to = detail["to"]?.stringValue ?? "?"
            return Finding(
                kind: .modelVersionChanged, scope: Finding.Scope(.target, target), severity: .warning,
                title: "\(target) now answers as \(to) (was \(from))",
                figures: [
                    "from": .string(from), "to": .string(to), "changed_at": .string(Incident.format(event.createdAt)),
                    "window_s": .double(rule.window),
                ])
        case "budget_alert":
            guard let rule = budgets, age <= rule.window, let name = detail["name"]?.stringValue else { return nil }
            let dimension: SignalDimension = detail["scope"]?.stringValue == "team" ? .team : .key
            let percent = detail["percent"]?.intValue ?? 0
            var figures = detail
            figures["window_s"] = .double(rule.window)
            return Finding(
                kind: .budget, scope: Finding.Scope(dimension, name), severity: percent >= 100 ? .critical : percent >= 90 ? .error : .warning,
                title: "The budget of \(dimension.rawValue) \(name) (\(detail["budget"]?.stringValue ?? "?")) is \(percent)% spent", figures: figures)
        default:
            return nil
        }
    }
}
