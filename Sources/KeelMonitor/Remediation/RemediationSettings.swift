import Foundation
import KeelCore

/// keel.yaml's `remediation:` block: per kind of action how far Keel may go on its own
/// (`off`, `suggest`: recorded on the incident and sent with its notification, `auto`: done),
/// how many actions it may take in an hour, and how long each lasts.
public struct RemediationSettings: Sendable, Equatable {
    public enum Autonomy: String, Sendable, CaseIterable {
        case off, suggest, auto
    }

    public enum Kind: String, Sendable, CaseIterable {
        /// A failing target out of every chain for a while.
        case ejectTarget = "eject_target"
        /// A model's first target moved last when its quality fell.
        case failOver = "fail_over"
        /// An active rollout of the scope aborted.
        case abortRollout = "abort_rollout"
        /// A prompt label moved back to its previous version.
        case rollbackPrompt = "rollback_prompt"
        /// A key's answers held to fewer output tokens for a while.
        case clampOutput = "clamp_output"
        /// A key held to fewer requests per minute for a while.
        case tightenRateLimit = "tighten_rate_limit"
    }

    public var maxActionsPerHour = 5
    /// Every action suggested unless keel.yaml lets Keel act: breakers and rollout guards
    /// already act on their own, and an automatic action should be a team's decision.
    public var autonomy: [Kind: Autonomy] = Dictionary(uniqueKeysWithValues: Kind.allCases.map { ($0, .suggest) })
    /// How long an ejection, a failover and a clamp last (each can be reverted before).
    public var ejectFor: TimeInterval = 600
    public var failOverFor: TimeInterval = 3600
    public var clampFor: TimeInterval = 3600
    public var clampMaxOutputTokens = 256
    public var tightenFor: TimeInterval = 3600
    public var tightenRPM = 60

    public static let keys = [
        "max_actions_per_hour", "actions", "eject_for_s", "fail_over_for_s", "clamp_for_s", "clamp_max_output_tokens", "tighten_for_s", "tighten_rpm",
    ]

    public init() {}

    public func autonomy(of kind: Kind) -> Autonomy { autonomy[kind] ?? .off }

    /// Reads the block; errors name the key under `remediation`.
    public init(_ block: JSONObject) throws(MonitorSettingsError) {
        let reader = SettingsReader(prefix: "remediation")
        try reader.only(Self.keys, in: block)
        maxActionsPerHour = try reader.count(block["max_actions_per_hour"], "max_actions_per_hour") ?? maxActionsPerHour
        ejectFor = try reader.seconds(block["eject_for_s"], "eject_for_s") ?? ejectFor
        failOverFor = try reader.seconds(block["fail_over_for_s"], "fail_over_for_s") ?? failOverFor
        clampFor = try reader.seconds(block["clamp_for_s"], "clamp_for_s") ?? clampFor
        clampMaxOutputTokens = try reader.count(block["clamp_max_output_tokens"], "clamp_max_output_tokens") ?? clampMaxOutputTokens
        tightenFor = try reader.seconds(block["tighten_for_s"], "tighten_for_s") ?? tightenFor
        tightenRPM = try reader.count(block["tighten_rpm"], "tighten_rpm") ?? tightenRPM
        guard let actions = block["actions"], actions != .null else { return }
        guard let object = actions.objectValue else { throw MonitorSettingsError(key: "remediation.actions", problem: "must be a mapping") }
        try reader.only(Kind.allCases.map(\.rawValue), in: object, under: "actions")
        for (name, value) in object {
            guard let kind = Kind(rawValue: name) else { continue }
            // YAML reads a bare `off` as false.
            let text = value == .bool(false) ? "off" : value.stringValue
            guard let level = text.flatMap(Autonomy.init(rawValue:)) else {
                throw MonitorSettingsError(key: "remediation.actions.\(name)", problem: "must be off, suggest or auto")
            }
            autonomy[kind] = level
        }
    }
}
