import Foundation
import KeelCore
import KeelStore
import Synchronization

/// Changes to how traffic flows that the incident layer makes for a while, each under the id
/// of the action that made it (to be reverted by that id): a target taken out of every chain,
/// a target moved to the end of one model's chain (a failover), a key's answers clamped to
/// fewer output tokens, a key held to fewer requests a minute. Outlives configuration reloads; each override ends at its deadline.
public final class TrafficOverrides: Sendable {
    public enum Change: Sendable, Equatable {
        /// Out of every chain it is in, unless it is the chain's last target.
        case eject(target: String)
        /// Last in this model's chain.
        case demote(target: String, model: String)
        /// At most this many output tokens for this key's requests.
        case clamp(keyID: String, maxOutputTokens: Int)
        /// At most this many requests a minute for this key.
        case throttle(keyID: String, rpm: Int)
    }

    public struct Override: Sendable, Equatable {
        public var id: String
        public var change: Change
        public var until: Date
    }

    private let overrides = Mutex<[Override]>([])
    /// How many overrides are set: the request path reads this alone while there are none.
    private let count = Atomic<Int>(0)

    public init() {}

    public func set(_ change: Change, id: String, until: Date) {
        overrides.withLock { overrides in
            overrides.removeAll { $0.id == id }
            overrides.append(Override(id: id, change: change, until: until))
            count.store(overrides.count, ordering: .relaxed)
        }
    }

    /// Ends the override an action made; false when there was none (it ended already).
    @discardableResult
    public func lift(id: String) -> Bool {
        overrides.withLock { overrides in
            let before = overrides.count
            overrides.removeAll { $0.id == id }
            count.store(overrides.count, ordering: .relaxed)
            return overrides.count < before
        }
    }

    /// The overrides in force at `now` (ended ones are dropped).
    public func active(now: Date = Date()) -> [Override] {
        guard count.load(ordering: .relaxed) > 0 else { return [] }
        return overrides.withLock { overrides in
            overrides.removeAll { $0.until <= now }
            count.store(overrides.count, ordering: .relaxed)
            return overrides
        }
    }

    /// `model` as the overrides route it: ejected targets out (never the last one), demoted
    /// targets last, and `max_output_tokens` clamped for the key.
    func apply(to model: inout ModelConfig, keyID: String?, now: Date = Date()) {
        guard count.load(ordering: .relaxed) > 0 else { return }
        for override in active(now: now) {
            switch override.change {
            case .eject(let target):
                let kept = model.targets.filter { Self.key($0) != target }
                if !kept.isEmpty { model.targets = kept }
            case .demote(let target, let name) where name == model.name:
                let (demoted, others) = (model.targets.filter { Self.key($0) == target }, model.targets.filter { Self.key($0) != target })
                model.targets = others + demoted
            case .clamp(let clamped, let maxOutputTokens) where clamped == keyID:
                model.maxOutputTokens = min(model.maxOutputTokens ?? maxOutputTokens, maxOutputTokens)
            case .demote, .clamp, .throttle:
                break
            }
        }
    }

    /// `key` with its requests per minute held to a throttle set on it.
    func limited(_ key: APIKey?, now: Date = Date()) -> APIKey? {
        guard count.load(ordering: .relaxed) > 0, var key else { return key }
        for override in active(now: now) {
            if case .throttle(let throttled, let rpm) = override.change, throttled == key.id { key.rpm = min(key.rpm ?? rpm, rpm) }
        }
        return key
    }

    /// A target as signals and incidents name it: `provider/upstream`.
    public static func key(_ target: TargetConfig) -> String { "\(target.provider)/\(target.model)" }
}
