import Foundation
import KeelCore

/// keel.yaml's `monitoring:` block: how often the detectors look, and each detector's
/// thresholds and windows (every window may shrink to seconds, for tests). Detectors are on by
/// default; `false` turns one off.
public struct MonitorSettings: Sendable, Equatable {
    /// Seconds between two looks of the detectors.
    public var interval: TimeInterval = 10
    /// How long a breached signal must stay healthy before its incident resolves by itself.
    public var resolveAfter: TimeInterval = 60
    public var targetErrors: TargetErrorRule? = TargetErrorRule()
    public var costPerRequest: SpikeRule? = SpikeRule(measure: .costPerRequest)
    public var tokensPerRequest: SpikeRule? = SpikeRule(measure: .tokensPerRequest)
    public var quality: QualityRule?
    /// How long a target's model version change stays an open incident (`model_version_changed`).
    public var modelVersionChanged: EventRule? = EventRule()
    /// How long a budget passing an alert level stays an open incident (`budget`).
    public var budget: EventRule? = EventRule()
    /// How far before a breach a change is still a suspect of correlation.
    public var correlationWindow: TimeInterval = 3600
    /// An incident left open is notified again this often; nil never.
    public var renotifyAfter: TimeInterval? = 3600
    /// Where people reach this Keel (`https://keel.internal`): notifications link to the incident there.
    public var externalURL: String?

    /// A target whose attempts fail (failovers hidden from clients and breaker skips included).
    public struct TargetErrorRule: Sendable, Equatable {
        public var errorRate = 0.5
        public var window: TimeInterval = 300
        public var minRequests = 20

        public init(errorRate: Double = 0.5, window: TimeInterval = 300, minRequests: Int = 20) {
            self.errorRate = errorRate
            self.window = window
            self.minRequests = minRequests
        }
    }

    /// Cost or tokens per request against a baseline window just before.
    public struct SpikeRule: Sendable, Equatable {
        public enum Measure: String, Sendable {
            case costPerRequest = "cost_per_request"
            case tokensPerRequest = "tokens_per_request"
        }
        public var measure: Measure
        public var ratio = 2.0
        public var window: TimeInterval = 900
        public var baseline: TimeInterval = 3600
        public var minRequests = 50

        public init(measure: Measure, ratio: Double = 2, window: TimeInterval = 900, baseline: TimeInterval = 3600, minRequests: Int = 50) {
            self.measure = measure
            self.ratio = ratio
            self.window = window
            self.baseline = baseline
            self.minRequests = minRequests
        }
    }

    /// A score's mean against a baseline window just before.
    public struct QualityRule: Sendable, Equatable {
        public var score: String
        public var drop = 0.2
        public var window: TimeInterval = 1800
        public var baseline: TimeInterval = 3600
        public var minRequests = 20

        public init(score: String, drop: Double = 0.2, window: TimeInterval = 1800, baseline: TimeInterval = 3600, minRequests: Int = 20) {
            self.score = score
            self.drop = drop
            self.window = window
            self.baseline = baseline
            self.minRequests = minRequests
        }
    }

    /// A detector of stored events (a drift event, a budget alert): the incident lasts `window`
    /// after the latest of them.
    public struct EventRule: Sendable, Equatable {
        public var window: TimeInterval = 3600

        public init(window: TimeInterval = 3600) { self.window = window }
    }

    public static let keys = ["interval_s", "resolve_after_s", "external_url", "detectors", "correlation_window_s", "renotify_s"]
    public static let detectorKeys = [
        "target_errors", "cost_per_request", "tokens_per_request", "quality", "model_version_changed", "budget",
    ]

    public init() {}

    /// Reads the block; errors name the key under `monitoring`.
    public init(_ block: JSONObject) throws(MonitorSettingsError) {
        let reader = SettingsReader(prefix: "monitoring")
        try reader.only(Self.keys, in: block)
        interval = try reader.seconds(block["interval_s"], "interval_s") ?? interval
        resolveAfter = try reader.seconds(block["resolve_after_s"], "resolve_after_s") ?? resolveAfter
        if let url = block["external_url"], url != .null {
            guard let text = url.stringValue, text.hasPrefix("http://") || text.hasPrefix("https://") else {
                throw MonitorSettingsError(key: "monitoring.external_url", problem: "expected an http:// or https:// URL")
            }
            externalURL = text.hasSuffix("/") ? String(text.dropLast()) : text
        }
        correlationWindow = try reader.seconds(block["correlation_window_s"], "correlation_window_s") ?? correlationWindow
        switch block["renotify_s"] {
        case .bool(false)?: renotifyAfter = nil
        case let value: renotifyAfter = try reader.seconds(value, "renotify_s") ?? renotifyAfter
        }
        guard let detectors = block["detectors"], detectors != .null else { return }
        guard let object = detectors.objectValue else { throw MonitorSettingsError(key: "monitoring.detectors", problem: "must be a mapping") }
        try reader.only(Self.detectorKeys, in: object, under: "detectors")
        if let rule = try reader.block(object["target_errors"], "detectors.target_errors", keys: ["error_rate", "window_s", "min_requests"]) {
            var parsed = TargetErrorRule()
            parsed.errorRate = try reader.fraction(rule["error_rate"], "detectors.target_errors.error_rate") ?? parsed.errorRate
            parsed.window = try reader.seconds(rule["window_s"], "detectors.target_errors.window_s") ?? parsed.window
            parsed.minRequests = try reader.count(rule["min_requests"], "detectors.target_errors.min_requests") ?? parsed.minRequests
            targetErrors = parsed
        } else if object["target_errors"] == .bool(false) {
            targetErrors = nil
        }
        for measure in [SpikeRule.Measure.costPerRequest, .tokensPerRequest] {
            let key = "detectors.\(measure.rawValue)"
            if let rule = try reader.block(object[measure.rawValue], key, keys: ["ratio", "window_s", "baseline_s", "min_requests"]) {
                var parsed = SpikeRule(measure: measure)
                parsed.ratio = try reader.number(rule["ratio"], "\(key).ratio", above: 1) ?? parsed.ratio
                parsed.window = try reader.seconds(rule["window_s"], "\(key).window_s") ?? parsed.window
                parsed.baseline = try reader.seconds(rule["baseline_s"], "\(key).baseline_s") ?? parsed.baseline
                parsed.minRequests = try reader.count(rule["min_requests"], "\(key).min_requests") ?? parsed.minRequests
                if measure == .costPerRequest { costPerRequest = parsed } else { tokensPerRequest = parsed }
            } else if object[measure.rawValue] == .bool(false) {
                if measure == .costPerRequest { costPerRequest = nil } else { tokensPerRequest = nil }
            }
        }
        if let rule = try reader.block(object["quality"], "detectors.quality", keys: ["score", "drop", "window_s", "baseline_s", "min_requests"]) {
            guard let score = rule["score"]?.stringValue, !score.isEmpty else {
                throw MonitorSettingsError(
                    key: "monitoring.detectors.quality.score", problem: "names the score whose mean is watched (an online eval's name)")
            }
            var parsed = QualityRule(score: score)
            parsed.drop = try reader.fraction(rule["drop"], "detectors.quality.drop") ?? parsed.drop
            parsed.window = try reader.seconds(rule["window_s"], "detectors.quality.window_s") ?? parsed.window
            parsed.baseline = try reader.seconds(rule["baseline_s"], "detectors.quality.baseline_s") ?? parsed.baseline
            parsed.minRequests = try reader.count(rule["min_requests"], "detectors.quality.min_requests") ?? parsed.minRequests
            quality = parsed
        }
        for name in ["model_version_changed", "budget"] {
            var rule: EventRule?
            if let block = try reader.block(object[name], "detectors.\(name)", keys: ["window_s"]) {
                rule = EventRule(window: try reader.seconds(block["window_s"], "detectors.\(name).window_s") ?? 3600)
            } else if object[name] != .bool(false) {
                rule = EventRule()
            }
            if name == "budget" { budget = rule } else { modelVersionChanged = rule }
        }
    }

    /// The longest stretch a detector looks back over: the signals' horizon must cover it.
    public var longestLook: TimeInterval {
        var looks = [targetErrors?.window ?? 0]
        for rule in [costPerRequest, tokensPerRequest].compactMap({ $0 }) { looks.append(rule.window + rule.baseline) }
        if let quality { looks.append(quality.window + quality.baseline) }
        return looks.max() ?? 0
    }
}

/// A problem in the `monitoring:` block.
public struct MonitorSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var problem: String

    public var description: String { "\(key): \(problem)" }
}

/// Reads typed values out of a JSON block, each error naming its key.
struct SettingsReader {
    let prefix: String

    func only(_ keys: [String], in object: JSONObject, under path: String? = nil) throws(MonitorSettingsError) {
        for key in object.keys where !keys.contains(key) {
            let full = ([prefix] + (path.map { [$0] } ?? []) + [key]).joined(separator: ".")
            throw MonitorSettingsError(key: full, problem: "unknown key; expected one of: \(keys.joined(separator: ", "))")
        }
    }

    /// A detector's block: nil when absent or `false`; `true` or `{}` for the defaults.
    func block(_ value: JSONValue?, _ key: String, keys: [String]) throws(MonitorSettingsError) -> JSONObject? {
        switch value {
        case nil, .null?, .bool(false)?: return nil
        case .bool(true)?: return [:]
        case .object(let object)?:
            try only(keys, in: object, under: key)
            return object
        default: throw MonitorSettingsError(key: "\(prefix).\(key)", problem: "must be a mapping, or false to turn it off")
        }
    }

    func seconds(_ value: JSONValue?, _ key: String) throws(MonitorSettingsError) -> TimeInterval? {
        guard let value, value != .null else { return nil }
        guard let number = value.doubleValue, number > 0, number <= 30 * 86_400 else {
            throw MonitorSettingsError(key: "\(prefix).\(key)", problem: "must be a number of seconds, above 0 and at most 30 days")
        }
        return number
    }

    func fraction(_ value: JSONValue?, _ key: String) throws(MonitorSettingsError) -> Double? {
        guard let value, value != .null else { return nil }
        guard let number = value.doubleValue, number > 0, number <= 1 else {
            throw MonitorSettingsError(key: "\(prefix).\(key)", problem: "must be a number above 0 and at most 1")
        }
        return number
    }

    func number(_ value: JSONValue?, _ key: String, above minimum: Double) throws(MonitorSettingsError) -> Double? {
        guard let value, value != .null else { return nil }
        guard let number = value.doubleValue, number > minimum, number.isFinite else {
            throw MonitorSettingsError(key: "\(prefix).\(key)", problem: "must be a number above \(format(minimum))")
        }
        return number
    }

    func count(_ value: JSONValue?, _ key: String) throws(MonitorSettingsError) -> Int? {
        guard let value, value != .null else { return nil }
        guard let number = value.intValue, number >= 1 else {
            throw MonitorSettingsError(key: "\(prefix).\(key)", problem: "must be a whole number, 1 or more")
        }
        return number
    }

    private func format(_ number: Double) -> String { number.rounded() == number ? String(Int(number)) : String(number) }
}
