import Foundation
import KeelCore

/// The `rollouts:` block of keel.yaml: how a rollout moves when its start says nothing, and its
/// guards (see `RolloutGuards.init(defaults:)`).
/// ```yaml
/// rollouts:
///   steps: [5, 25, 50, 100]
///   step_requests: 200        # or step_minutes: 10
///   sticky: user              # none | user | session
///   error_rate: {tolerance: 0.02, min_samples: 10}
/// ```
public struct RolloutDefaults: Sendable, Hashable {
    public var steps: [Double]
    public var advance: RolloutSpec.Advance
    public var sticky: RolloutSpec.Sticky
    public var guards: RolloutGuards

    public init(
        steps: [Double] = RolloutSpec.defaultSteps, advance: RolloutSpec.Advance = RolloutSpec.defaultAdvance, sticky: RolloutSpec.Sticky = .none,
        guards: RolloutGuards = .standard
    ) {
        self.steps = steps
        self.advance = advance
        self.sticky = sticky
        self.guards = guards
    }

    static let planKeys = ["steps", "step_requests", "step_minutes", "sticky"]

    public init(_ block: JSONObject, path: String = "rollouts") throws(RolloutConfigError) {
        self.init()
        guards = try RolloutGuards(defaults: block, path: path)
        if let value = block["steps"] {
            guard let numbers = value.arrayValue?.compactMap(\.doubleValue), numbers.count == value.arrayValue?.count else {
                throw RolloutConfigError("\(path).steps: must be a list of percentages, e.g. [5, 25, 50, 100] (got \(value.encodedString()))")
            }
            steps = try RolloutSpec.validSteps(numbers, name: "\(path).steps")
        }
        switch (block["step_requests"], block["step_minutes"]) {
        case (nil, nil): break
        case (let value?, nil):
            guard let count = value.intValue, count >= 1 else {
                throw RolloutConfigError("\(path).step_requests: must be a whole number of at least 1 (got \(value.encodedString()))")
            }
            advance = .requests(count)
        case (nil, let value?):
            guard let minutes = value.doubleValue, minutes > 0, minutes.isFinite else {
                throw RolloutConfigError("\(path).step_minutes: must be a number of minutes above 0 (got \(value.encodedString()))")
            }
            advance = .minutes(minutes)
        case (_?, _?):
            throw RolloutConfigError("\(path): give step_requests or step_minutes, not both")
        }
        if let value = block["sticky"] {
            guard let sticky = value.stringValue.flatMap(RolloutSpec.Sticky.init(rawValue:)) else {
                throw RolloutConfigError("\(path).sticky: must be none, user or session (got \(value.encodedString()))")
            }
            self.sticky = sticky
        }
    }
}

/// The options of `keel rollouts start`, as typed, turned into a spec over the defaults. Errors
/// name the flag.
public struct RolloutFlags: Sendable, Hashable {
    /// `--weight`: the first step.
    public var weight: Double?
    /// `--steps 5,25,50,100`.
    public var steps: String?
    public var stepRequests: Int?
    public var stepMinutes: Double?
    /// `--sticky user|session` (or none).
    public var sticky: String?
    public var shadow = false
    /// `--max-error-rate-increase 0.02`.
    public var maxErrorRateIncrease: Double?
    /// `--max-latency-ratio 1.5`.
    public var maxLatencyRatio: Double?
    /// `--max-latency-increase-ms 250`.
    public var maxLatencyIncreaseMs: Double?
    /// `--max-cost-ratio 1.5`.
    public var maxCostRatio: Double?
    /// `--min-samples N`: every guard's minimum sample.
    public var minSamples: Int?

    public init() {}

    public func spec(id: String, subject: RolloutSpec.Subject, defaults: RolloutDefaults = RolloutDefaults(), now: Date) throws(RolloutConfigError)
        -> RolloutSpec
    {
        RolloutSpec(
            id: id, subject: subject, mode: try mode(defaults), sticky: try stickiness(defaults), guards: try guards(defaults), createdAt: now)
    }

    private func mode(_ defaults: RolloutDefaults) throws(RolloutConfigError) -> RolloutSpec.Mode {
        if shadow {
            let stray = [
                weight.map { _ in "--weight" }, steps.map { _ in "--steps" }, stepRequests.map { _ in "--step-requests" },
                stepMinutes.map { _ in "--step-minutes" },
            ].compactMap { $0 }
            if let flag = stray.first { throw RolloutConfigError("\(flag): a --shadow rollout sends no traffic to the candidate; drop \(flag)") }
            return .shadow
        }
        var plan = defaults.steps
        if let steps {
            let parts = steps.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let numbers = parts.compactMap(Double.init)
            guard numbers.count == parts.count else {
                throw RolloutConfigError("--steps: must be percentages separated by commas, e.g. 5,25,50,100 (got \"\(steps)\")")
            }
            plan = try RolloutSpec.validSteps(numbers, name: "--steps")
        }
        if let weight {
            guard weight > 0, weight <= 100, weight.isFinite else {
                throw RolloutConfigError("--weight: must be a percentage above 0 and at most 100 (got \(RolloutSpec.text(weight)))")
            }
            if steps != nil {
                guard plan.first == weight else {
                    throw RolloutConfigError(
                        "--weight: is the first step; --steps starts at \(RolloutSpec.text(plan[0])), not \(RolloutSpec.text(weight))")
                }
            } else {
                plan = [weight] + plan.filter { $0 > weight }
            }
        }
        var advance = defaults.advance
        switch (stepRequests, stepMinutes) {
        case (nil, nil): break
        case (let count?, nil):
            guard count >= 1 else { throw RolloutConfigError("--step-requests: must be at least 1 (got \(count))") }
            advance = .requests(count)
        case (nil, let minutes?):
            guard minutes > 0, minutes.isFinite else {
                throw RolloutConfigError("--step-minutes: must be above 0 (got \(RolloutSpec.text(minutes)))")
            }
            advance = .minutes(minutes)
        case (_?, _?):
            throw RolloutConfigError("--step-requests: give --step-requests or --step-minutes, not both")
        }
        return .canary(steps: plan, advance: advance)
    }

    private func stickiness(_ defaults: RolloutDefaults) throws(RolloutConfigError) -> RolloutSpec.Sticky {
        guard let sticky else { return defaults.sticky }
        guard let value = RolloutSpec.Sticky(rawValue: sticky) else {
            throw RolloutConfigError("--sticky: must be user, session or none (got \"\(sticky)\")")
        }
        return value
    }

    private func guards(_ defaults: RolloutDefaults) throws(RolloutConfigError) -> RolloutGuards {
        var overrides: JSONObject = [:]
        func set(_ guardKey: String, _ key: String, _ value: JSONValue?) {
            guard let value else { return }
            var object = overrides[guardKey]?.objectValue ?? [:]
            object[key] = value
            overrides[guardKey] = .object(object)
        }
        set("error_rate", "tolerance", maxErrorRateIncrease.map(JSONValue.double))
        set("p95_latency", "tolerance_ratio", maxLatencyRatio.map(JSONValue.double))
        set("p95_latency", "tolerance_ms", maxLatencyIncreaseMs.map(JSONValue.double))
        set("cost_per_request", "tolerance_ratio", maxCostRatio.map(JSONValue.double))
        if let minSamples {
            for (guardKey, enabled) in [
                ("error_rate", defaults.guards.errorRate != nil), ("p95_latency", defaults.guards.p95Latency != nil),
                ("cost_per_request", defaults.guards.costPerRequest != nil), ("quality_score", defaults.guards.qualityScore != nil),
            ] where enabled || overrides[guardKey] != nil {
                set(guardKey, "min_samples", .int(Int64(minSamples)))
            }
        }
        do {
            return try RolloutGuards(defaults: overrides, path: "flags", over: defaults.guards)
        } catch {
            throw RolloutConfigError(Self.flagNames(in: error.description))
        }
    }

    /// "flags.error_rate.tolerance: ..." as the flag that was typed.
    private static func flagNames(in message: String) -> String {
        let names = [
            "flags.error_rate.tolerance": "--max-error-rate-increase", "flags.p95_latency.tolerance_ratio": "--max-latency-ratio",
            "flags.p95_latency.tolerance_ms": "--max-latency-increase-ms", "flags.cost_per_request.tolerance_ratio": "--max-cost-ratio",
        ]
        for (key, flag) in names where message.hasPrefix(key) { return flag + message.dropFirst(key.count) }
        if message.hasPrefix("flags."), message.contains("min_samples") {
            return "--min-samples" + message.drop(while: { $0 != ":" })
        }
        return message
    }
}
