import KeelCore

/// A rollout's settings that are wrong, naming the key or flag: `rollouts.error_rate.tolerance:
/// must be a number from 0 to 1 (got "high")`.
public struct RolloutConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// The analysis a candidate must pass: each guard compares the candidate's figure with the
/// stable arm's, allows a tolerance, and says nothing before both arms have its minimum sample.
/// A guard set to nil is off. The statistics behind each verdict are in `RolloutAnalysis`.
public struct RolloutGuards: Sendable, Hashable {
    /// Errors per counted request.
    public struct ErrorRate: Sendable, Hashable {
        /// How far above the stable arm's rate the candidate's may be, as a fraction (0.02 = 2 points).
        public var tolerance: Double
        public var minSamples: Int

        public init(tolerance: Double, minSamples: Int) {
            self.tolerance = tolerance
            self.minSamples = minSamples
        }
    }

    /// The 95th percentile of succeeded requests' latency. With both tolerances, the candidate
    /// fails only when it is over both: a ratio alone would fail a 40 ms model for being 30 ms slower.
    public struct Latency: Sendable, Hashable {
        public var toleranceRatio: Double?
        public var toleranceMs: Double?
        public var minSamples: Int

        public init(toleranceRatio: Double?, toleranceMs: Double?, minSamples: Int) {
            self.toleranceRatio = toleranceRatio
            self.toleranceMs = toleranceMs
            self.minSamples = minSamples
        }
    }

    /// Mean cost of a succeeded request.
    public struct Cost: Sendable, Hashable {
        public var toleranceRatio: Double
        public var minSamples: Int

        public init(toleranceRatio: Double, minSamples: Int) {
            self.toleranceRatio = toleranceRatio
            self.minSamples = minSamples
        }
    }

    /// Mean quality score in [0, 1], for when answers are scored.
    public struct Quality: Sendable, Hashable {
        /// How far below the stable arm's mean the candidate's may be.
        public var tolerance: Double
        public var minSamples: Int

        public init(tolerance: Double, minSamples: Int) {
            self.tolerance = tolerance
            self.minSamples = minSamples
        }
    }

    public var errorRate: ErrorRate?
    public var p95Latency: Latency?
    public var costPerRequest: Cost?
    public var qualityScore: Quality?

    public init(errorRate: ErrorRate?, p95Latency: Latency?, costPerRequest: Cost?, qualityScore: Quality? = nil) {
        self.errorRate = errorRate
        self.p95Latency = p95Latency
        self.costPerRequest = costPerRequest
        self.qualityScore = qualityScore
    }

    /// The defaults, and why:
    /// - error rate: 2 points above the stable arm's, from 10 requests. Ten requests that all
    ///   fail are already far outside what any healthy model does, so a broken candidate is
    ///   stopped after 10 requests. 2 points allows the run-to-run wobble of a rate measured on a
    ///   few hundred requests, and still catches a candidate a few points worse within a canary
    ///   (9% against 1%: by its 123rd request, median of 200 simulated runs).
    /// - p95 latency: 1.5 times the stable arm's and 250 ms more, from 30 succeeded requests
    ///   (a 95th percentile of fewer is mostly noise). A candidate 3x slower (lognormal, sigma
    ///   0.5) is aborted by its 62nd request in 200 of 200 simulated runs.
    /// - cost per request: 1.5 times the stable arm's, from 30 priced requests; 3x dearer is
    ///   aborted by the 38th. Equal distributions: 0 aborts in 300 full canaries.
    /// - quality score: off until answers are scored; when on, 0.1 below, from 30 scores.
    public static let standard = RolloutGuards(
        errorRate: ErrorRate(tolerance: 0.02, minSamples: 10),
        p95Latency: Latency(toleranceRatio: 1.5, toleranceMs: 250, minSamples: 30),
        costPerRequest: Cost(toleranceRatio: 1.5, minSamples: 30))

    static let standardQuality = Quality(tolerance: 0.1, minSamples: 30)

    /// The guard keys of the `rollouts:` block of keel.yaml (or a spec's `guards`), over the
    /// standard ones: a guard given as an object changes the keys it names; `false` turns it off.
    /// ```yaml
    /// rollouts:
    ///   error_rate: {tolerance: 0.02, min_samples: 10}
    ///   p95_latency: {tolerance_ratio: 1.5, tolerance_ms: 250, min_samples: 30}
    ///   cost_per_request: {tolerance_ratio: 1.5, min_samples: 30}
    ///   quality_score: false
    /// ```
    /// Keys of the block that are not guards (`RolloutDefaults`' keys) are left alone; any other
    /// key is an error.
    public init(defaults: JSONObject, path: String = "rollouts", over base: RolloutGuards = .standard) throws(RolloutConfigError) {
        self = base
        for key in defaults.keys.sorted() where !Self.keys.contains(key) && !RolloutDefaults.planKeys.contains(key) {
            throw RolloutConfigError(
                "\(path).\(key): unknown key (expected one of \((Self.keys + RolloutDefaults.planKeys).joined(separator: ", ")))")
        }
        var reader = GuardReader(path: path, block: defaults)
        if let object = try reader.guardObject("error_rate", keys: ["tolerance", "min_samples"]) {
            let current = errorRate ?? Self.standard.errorRate!
            errorRate = ErrorRate(
                tolerance: try reader.fraction(object, "tolerance") ?? current.tolerance,
                minSamples: try reader.count(object, "min_samples") ?? current.minSamples)
        } else if reader.turnedOff {
            errorRate = nil
        }
        if let object = try reader.guardObject("p95_latency", keys: ["tolerance_ratio", "tolerance_ms", "min_samples"]) {
            let current = p95Latency ?? Self.standard.p95Latency!
            let ratio = try reader.ratio(object, "tolerance_ratio")
            let ms = try reader.positive(object, "tolerance_ms")
            p95Latency = Latency(
                toleranceRatio: ratio ?? (object["tolerance_ratio"] == .null ? nil : current.toleranceRatio),
                toleranceMs: ms ?? (object["tolerance_ms"] == .null ? nil : current.toleranceMs),
                minSamples: try reader.count(object, "min_samples") ?? current.minSamples)
            if p95Latency?.toleranceRatio == nil && p95Latency?.toleranceMs == nil {
                throw RolloutConfigError("\(path).p95_latency: give tolerance_ratio, tolerance_ms or both (or p95_latency: false)")
            }
        } else if reader.turnedOff {
            p95Latency = nil
        }
        if let object = try reader.guardObject("cost_per_request", keys: ["tolerance_ratio", "min_samples"]) {
            let current = costPerRequest ?? Self.standard.costPerRequest!
            costPerRequest = Cost(
                toleranceRatio: try reader.ratio(object, "tolerance_ratio") ?? current.toleranceRatio,
                minSamples: try reader.count(object, "min_samples") ?? current.minSamples)
        } else if reader.turnedOff {
            costPerRequest = nil
        }
        if let object = try reader.guardObject("quality_score", keys: ["tolerance", "min_samples"]) {
            let current = qualityScore ?? Self.standardQuality
            qualityScore = Quality(
                tolerance: try reader.fraction(object, "tolerance") ?? current.tolerance,
                minSamples: try reader.count(object, "min_samples") ?? current.minSamples)
        } else if reader.turnedOff {
            qualityScore = nil
        }
    }

    static let keys = ["error_rate", "p95_latency", "cost_per_request", "quality_score"]

    /// The shape `init(defaults:)` reads, every guard spelled out.
    public var json: JSONObject {
        func number(_ value: Double?) -> JSONValue { value.map(JSONValue.double) ?? .null }
        return [
            "error_rate": errorRate.map { ["tolerance": .double($0.tolerance), "min_samples": .int(Int64($0.minSamples))] } ?? false,
            "p95_latency": p95Latency.map {
                ["tolerance_ratio": number($0.toleranceRatio), "tolerance_ms": number($0.toleranceMs), "min_samples": .int(Int64($0.minSamples))]
            } ?? false,
            "cost_per_request": costPerRequest.map {
                ["tolerance_ratio": .double($0.toleranceRatio), "min_samples": .int(Int64($0.minSamples))]
            } ?? false,
            "quality_score": qualityScore.map { ["tolerance": .double($0.tolerance), "min_samples": .int(Int64($0.minSamples))] } ?? false,
        ]
    }
}

/// Reads one guard block's values, with errors naming `path.guard.key`.
private struct GuardReader {
    let path: String
    let block: JSONObject
    private var current = ""
    /// Whether the last guard read was `false`.
    private(set) var turnedOff = false

    init(path: String, block: JSONObject) {
        self.path = path
        self.block = block
    }

    /// The guard's object; nil when absent or turned off (`turnedOff` says which).
    mutating func guardObject(_ name: String, keys: [String]) throws(RolloutConfigError) -> JSONObject? {
        current = "\(path).\(name)"
        turnedOff = false
        switch block[name] {
        case nil: return nil
        case .bool(false)?, .string("off")?:
            turnedOff = true
            return nil
        case .object(let object)?:
            for key in object.keys.sorted() where !keys.contains(key) {
                throw RolloutConfigError("\(current).\(key): unknown key (expected one of \(keys.joined(separator: ", ")))")
            }
            return object
        case let other?:
            throw RolloutConfigError(
                "\(current): must be an object of \(keys.joined(separator: ", ")), or false to turn it off (got \(other.typeName))")
        }
    }

    func fraction(_ object: JSONObject, _ key: String) throws(RolloutConfigError) -> Double? {
        try number(object, key, "a number from 0 to 1") { (0...1).contains($0) }
    }

    func ratio(_ object: JSONObject, _ key: String) throws(RolloutConfigError) -> Double? {
        try number(object, key, "a ratio of at least 1 (1.5 = 50% more)") { $0 >= 1 && $0.isFinite }
    }

    func positive(_ object: JSONObject, _ key: String) throws(RolloutConfigError) -> Double? {
        try number(object, key, "a number above 0") { $0 > 0 && $0.isFinite }
    }

    func count(_ object: JSONObject, _ key: String) throws(RolloutConfigError) -> Int? {
        guard let value = object[key], value != .null else { return nil }
        guard let count = value.intValue, count >= 1, count <= 1_000_000 else {
            throw RolloutConfigError("\(current).\(key): must be a whole number from 1 to 1000000 (got \(value.encodedString()))")
        }
        return count
    }

    private func number(_ object: JSONObject, _ key: String, _ expected: String, _ valid: (Double) -> Bool) throws(RolloutConfigError) -> Double? {
        guard let value = object[key], value != .null else { return nil }
        guard let number = value.doubleValue, valid(number) else {
            throw RolloutConfigError("\(current).\(key): must be \(expected) (got \(value.encodedString()))")
        }
        return number
    }
}
