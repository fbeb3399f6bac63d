import Foundation
import KeelCore

/// A service level objective from keel.yaml's `slos:`: what must hold for a scope (a model by
/// default), and the burn-rate windows that alert when its error budget goes too fast (the SRE
/// workbook's multiwindow, multi-burn-rate table unless `windows` says otherwise).
public struct SLO: Sendable, Equatable {
    public enum Objective: String, Sendable, CaseIterable {
        /// Requests that do not fail (cancelled and rejected ones aside): `target`, such as 0.995.
        case availability
        /// At most 5% of requests slower than `threshold` ms.
        case latencyP95 = "latency_p95_ms"
        /// The mean cost per request at most `threshold` dollars.
        case costPerRequest = "cost_per_request_usd"
        /// The mean of score `score` at least `threshold`.
        case score
    }

    /// Alert when the burn rate over both `long` and `short` reaches `burnRate`.
    public struct Window: Sendable, Equatable {
        public var long: TimeInterval
        public var short: TimeInterval
        public var burnRate: Double
        public var severity: Finding.Severity
    }

    /// 2% of a 30-day budget in 1 h, 5% in 6 h, 10% in 3 d.
    public static let defaultWindows = [
        Window(long: 3600, short: 300, burnRate: 14.4, severity: .critical),
        Window(long: 21_600, short: 1800, burnRate: 6, severity: .error),
        Window(long: 259_200, short: 21_600, burnRate: 1, severity: .warning),
    ]

    public var name: String
    public var scope: Finding.Scope
    public var objective: Objective
    /// The availability target (0.995), or the threshold of the other objectives.
    public var goal: Double
    public var score: String?
    public var windows: [Window]

    /// How fast the window's figures spend the error budget (1: exactly as fast as allowed); nil without data.
    public func burnRate(_ figures: SignalFigures) -> Double? {
        switch objective {
        case .availability:
            let counted = figures.succeeded + figures.failed
            guard counted > 0 else { return nil }
            return (Double(figures.failed) / Double(counted)) / max(1e-9, 1 - goal)
        case .latencyP95:
            guard figures.latency.total > 0 else { return nil }
            return (Double(figures.latency.count(above: goal)) / Double(figures.latency.total)) / 0.05
        case .costPerRequest:
            return figures.costPerRequest.map { $0 / max(1e-12, goal) }
        case .score:
            guard let score, let mean = figures.scores[score]?.mean else { return nil }
            return (1 - mean) / max(1e-9, 1 - goal)
        }
    }

    public static let keys = ["name", "model", "target", "prompt", "key", "team", "objective", "threshold", "score", "windows"]

    /// Reads `slos:`; errors name the SLO and the key.
    public static func parse(_ list: [JSONValue]) throws(MonitorSettingsError) -> [SLO] {
        var slos: [SLO] = []
        for (index, item) in list.enumerated() {
            guard let object = item.objectValue else { throw MonitorSettingsError(key: "slos[\(index)]", problem: "must be a mapping") }
            let reader = SettingsReader(prefix: "slos[\(index)]")
            try reader.only(keys, in: object)
            guard let name = object["name"]?.stringValue, !name.isEmpty else {
                throw MonitorSettingsError(key: "slos[\(index)].name", problem: "is required")
            }
            guard !slos.contains(where: { $0.name == name }) else {
                throw MonitorSettingsError(key: "slos[\(index)].name", problem: "duplicate SLO name \"\(name)\"")
            }
            guard let objective = object["objective"]?.stringValue.flatMap(Objective.init(rawValue:)) else {
                throw MonitorSettingsError(
                    key: "slos[\(index)].objective", problem: "must be one of: \(Objective.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var scope = Finding.Scope(.none, "all")
            for dimension in [SignalDimension.model, .prompt, .key, .team] {
                if let value = object[dimension.rawValue]?.stringValue { scope = Finding.Scope(dimension, value) }
            }
            // `target` is the availability target when a number, a `provider/upstream` scope when a string.
            if let target = object["target"]?.stringValue { scope = Finding.Scope(.target, target) }
            var slo = SLO(name: name, scope: scope, objective: objective, goal: 0, score: nil, windows: defaultWindows)
            switch objective {
            case .availability:
                guard let goal = object["target"]?.doubleValue, goal > 0, goal < 1 else {
                    throw MonitorSettingsError(key: "slos[\(index)].target", problem: "availability needs a target above 0 and below 1 (0.995)")
                }
                slo.goal = goal
            case .score:
                guard let score = object["score"]?.stringValue, !score.isEmpty else {
                    throw MonitorSettingsError(key: "slos[\(index)].score", problem: "names the score whose mean is held (an online eval's name)")
                }
                slo.score = score
                guard let goal = try reader.fraction(object["threshold"], "threshold"), goal < 1 else {
                    throw MonitorSettingsError(key: "slos[\(index)].threshold", problem: "a score objective needs a threshold above 0 and below 1")
                }
                slo.goal = goal
            case .latencyP95, .costPerRequest:
                guard let goal = try reader.number(object["threshold"], "threshold", above: 0) else {
                    throw MonitorSettingsError(key: "slos[\(index)].threshold", problem: "is required for \(objective.rawValue)")
                }
                slo.goal = goal
            }
            if let windows = object["windows"], windows != .null {
                slo.windows = try parseWindows(windows, reader: reader, index: index)
            }
            slos.append(slo)
        }
        return slos
    }

    private static func parseWindows(_ value: JSONValue, reader: SettingsReader, index: Int) throws(MonitorSettingsError) -> [Window] {
        guard let list = value.arrayValue, !list.isEmpty else {
            throw MonitorSettingsError(key: "slos[\(index)].windows", problem: "must be a non-empty list of {long_s, short_s, burn_rate, severity}")
        }
        var windows: [Window] = []
        for (position, item) in list.enumerated() {
            let path = "windows[\(position)]"
            guard let object = item.objectValue else { throw MonitorSettingsError(key: "slos[\(index)].\(path)", problem: "must be a mapping") }
            try reader.only(["long_s", "short_s", "burn_rate", "severity"], in: object, under: path)
            guard let long = try reader.seconds(object["long_s"], "\(path).long_s"),
                let short = try reader.seconds(object["short_s"], "\(path).short_s"),
                short <= long
            else {
                throw MonitorSettingsError(key: "slos[\(index)].\(path)", problem: "needs long_s and short_s, short_s at most long_s")
            }
            let burn = try reader.number(object["burn_rate"], "\(path).burn_rate", above: 0) ?? 1
            let severityText = object["severity"]?.stringValue ?? "error"
            guard let severity = Finding.Severity(rawValue: severityText) else {
                throw MonitorSettingsError(key: "slos[\(index)].\(path).severity", problem: "must be info, warning, error or critical")
            }
            windows.append(Window(long: long, short: short, burnRate: burn, severity: severity))
        }
        return windows
    }

    /// The longest window: the signals an SLO reads must reach this far back.
    public var longestWindow: TimeInterval { windows.map(\.long).max() ?? 0 }
    /// The shortest window: the signals' slots must be finer than this.
    public var shortestWindow: TimeInterval { windows.map(\.short).min() ?? 60 }
}

/// Each SLO's burn rate over each of its window pairs: an `slo_burn` finding when both the
/// long and the short window of a pair burn at its rate or faster (the short one says it is
/// still happening, so the alert ends soon after the burn stops).
public struct SLOBurnDetector: Detector {
    public var slos: [SLO]

    public init(slos: [SLO]) { self.slos = slos }

    public func findings(in book: SignalBook, now: Date) -> [Finding] {
        slos.compactMap { slo in
            for window in slo.windows {
                let long = book.figures(slo.scope.dimension, slo.scope.value, window: window.long, now: now)
                let short = book.figures(slo.scope.dimension, slo.scope.value, window: window.short, now: now)
                guard let longBurn = slo.burnRate(long), let shortBurn = slo.burnRate(short), longBurn >= window.burnRate,
                    shortBurn >= window.burnRate
                else { continue }
                var finding = Finding(
                    kind: .sloBurn, scope: slo.scope, severity: window.severity,
                    title:
                        "SLO \(slo.name) (\(slo.objective.rawValue)) burns its budget at \(SpikeDetector.format(longBurn))x over \(Int(window.long)) s and \(SpikeDetector.format(shortBurn))x over \(Int(window.short)) s",
                    figures: [
                        "slo": .string(slo.name), "objective": .string(slo.objective.rawValue), "goal": .double(slo.goal),
                        "burn_rate_long": .double(longBurn), "burn_rate_short": .double(shortBurn), "threshold_burn_rate": .double(window.burnRate),
                        "window_s": .double(window.short), "long_s": .double(window.long), "requests": .int(Int64(long.requests)),
                    ])
                finding.discriminator = slo.name
                return finding
            }
            return nil
        }
    }

    /// Every SLO's burn rate over each of its windows, for `/metrics`.
    public func burnRates(in book: SignalBook, now: Date) -> [(slo: String, window: TimeInterval, rate: Double)] {
        slos.flatMap { slo in
            Set(slo.windows.flatMap { [$0.long, $0.short] }).sorted().compactMap { window in
                slo.burnRate(book.figures(slo.scope.dimension, slo.scope.value, window: window, now: now)).map { (slo.name, window, $0) }
            }
        }
    }
}
