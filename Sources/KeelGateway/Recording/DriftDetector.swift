import Foundation
import KeelCore
import KeelStore
import Synchronization

/// Notices when a target answers with another model version or system fingerprint than it
/// did before: the provider changed what is behind a pinned name.
final class DriftDetector: Sendable {
    private struct Key: Hashable {
        var provider: String
        var upstreamModel: String
    }

    private let known = Mutex<[Key: TargetVersion]>([:])

    /// Starts from what the store last saw, so a change across a restart is noticed too.
    func seed(_ versions: [TargetVersion]) {
        known.withLock { known in
            for version in versions {
                known[Key(provider: version.provider, upstreamModel: version.upstreamModel)] = version
            }
        }
    }

    /// The drift events a successful trace reveals (none the first time a target answers).
    func observe(_ trace: Trace) -> [StoredEvent] {
        guard trace.status == "ok", let provider = trace.provider, let upstreamModel = trace.upstreamModel,
            trace.responseModel != nil || trace.systemFingerprint != nil
        else { return [] }
        let key = Key(provider: provider, upstreamModel: upstreamModel)
        let previous = known.withLock { known -> TargetVersion? in
            let previous = known[key]
            var current = previous ?? TargetVersion(provider: provider, upstreamModel: upstreamModel, responseModel: nil, systemFingerprint: nil)
            current.responseModel = trace.responseModel ?? current.responseModel
            current.systemFingerprint = trace.systemFingerprint ?? current.systemFingerprint
            if current != previous { known[key] = current }  // nearly always the same: no write
            return previous
        }
        guard let previous else { return [] }
        var events: [StoredEvent] = []
        func change(_ kind: String, from old: String?, to new: String?) {
            guard let old, let new, old != new else { return }
            events.append(
                StoredEvent(
                    createdAt: trace.startedAt, kind: kind, provider: provider, upstreamModel: upstreamModel,
                    detail: ["from": .string(old), "to": .string(new), "trace_id": .string(trace.id)]))
        }
        change("model_version_changed", from: previous.responseModel, to: trace.responseModel)
        change("system_fingerprint_changed", from: previous.systemFingerprint, to: trace.systemFingerprint)
        return events
    }
}
