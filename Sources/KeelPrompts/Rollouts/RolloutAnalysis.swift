import Foundation
import KeelCore

/// What a rollout's guards are named in events and in `keel rollouts status`.
public enum RolloutGuardName: String, Sendable, Hashable, CaseIterable {
    case errorRate = "error_rate"
    case p95Latency = "p95_latency"
    case costPerRequest = "cost_per_request"
    case qualityScore = "quality_score"
    /// An abort someone asked for.
    case manual
}

/// One guard's verdict on the candidate.
public enum GuardVerdict: Sendable, Hashable {
    case pass
    case fail(reason: String)
    /// An arm has fewer samples than the guard's minimum.
    case insufficientSample
    /// Nothing to compare: no request of either arm has this measure (no prices, no scores).
    case notApplicable

    public var name: String {
        switch self {
        case .pass: return "pass"
        case .fail: return "fail"
        case .insufficientSample: return "insufficient_sample"
        case .notApplicable: return "not_applicable"
        }
    }
}

public struct GuardResult: Sendable, Hashable {
    public var name: RolloutGuardName
    public var verdict: GuardVerdict
    public var stableSample: Int
    public var candidateSample: Int
    public var minSamples: Int

    public var json: JSONValue {
        var object: JSONObject = [
            "guard": .string(name.rawValue), "verdict": .string(verdict.name), "stable_sample": .int(Int64(stableSample)),
            "candidate_sample": .int(Int64(candidateSample)), "min_samples": .int(Int64(minSamples)),
        ]
        if case .fail(let reason) = verdict { object["reason"] = .string(reason) }
        return .object(object)
    }
}

/// Every guard's verdict at one moment.
public struct AnalysisReport: Sendable, Hashable {
    public var results: [GuardResult]

    /// The first failing guard: the rollout aborts.
    public var failure: GuardResult? {
        results.first { if case .fail = $0.verdict { return true } else { return false } }
    }

    /// Whether the evidence lets the rollout take its next step: no guard fails, none waits for
    /// its sample, and at least one passed.
    public var passes: Bool {
        var passed = false
        for result in results {
            switch result.verdict {
            case .pass: passed = true
            case .fail, .insufficientSample: return false
            case .notApplicable: break
            }
        }
        return passed
    }

    public var json: JSONValue { .array(results.map(\.json)) }
}

/// The guards' verdicts from the two arms' figures.
///
/// Every guard compares a bound, not a point: a verdict is re-evaluated after every candidate
/// request, thousands of times over a canary, so a test at the usual 95% would fail a healthy
/// candidate on noise many times over. Each guard asks for the candidate's figure to be worse
/// than the stable arm's plus the tolerance even when the candidate is taken at its most
/// favourable and the stable arm at its least, each at one-sided 99.95% (z = 3.29):
///
/// - **error rate**: fail when the Wilson lower bound of the candidate's error rate exceeds the
///   Wilson upper bound of the stable arm's, plus `tolerance`. With the defaults (2 points, 10
///   requests): a candidate failing every request against a stable arm at 1-2% has a lower bound
///   of 0.48 after 10 requests, far above the stable arm's bound (about 0.09 after 190 stable
///   requests at 2%, which is what a 5% canary has seen by then) plus 0.02, so it is aborted at
///   its 10th request. A candidate at the stable arm's rate would need, after 10 requests at 10%
///   errors, 6 failures in 10 (p ≈ 1.5e-4). The seeded simulations in
///   `RolloutAnalysisSimulationTests`: 0 of 1,000 healthy canaries of 3,000 candidate requests
///   aborted at 1%, 5% and 10% errors; every candidate failing all its requests aborted at its
///   10th; one failing half aborted by its 28th; one at 9% against 1% aborted in 200 of 200
///   runs, at its 123rd request (median). In shadow mode both arms have the same few requests
///   and the stable arm's bound is wider: a candidate failing everything is stopped at its 12th.
/// - **p95 latency**: the 95th percentile's confidence bounds come from order statistics: the
///   candidate's is read at quantile 0.95 − z·√(0.95·0.05/n), the stable arm's at 0.95 +
///   z·√(0.95·0.05/m). Fail when the first exceeds the second times `tolerance_ratio` and by
///   more than `tolerance_ms` (each when set).
/// - **cost per request**: means with normal bounds (mean ∓ z·standard error); fail when the
///   candidate's lower bound exceeds the stable arm's upper bound times `tolerance_ratio`.
/// - **quality score**: the same bounds, the other way: fail when the candidate's upper bound
///   is below the stable arm's lower bound minus `tolerance`.
public struct RolloutAnalysis: Sendable, Hashable {
    public static let z = 3.29

    public var guards: RolloutGuards

    public init(guards: RolloutGuards) {
        self.guards = guards
    }

    public func evaluate(stable: ArmFigures, candidate: ArmFigures) -> AnalysisReport {
        var results: [GuardResult] = []
        if let rule = guards.errorRate { results.append(errorRate(rule, stable, candidate)) }
        if let rule = guards.p95Latency { results.append(latency(rule, stable, candidate)) }
        if let rule = guards.costPerRequest { results.append(cost(rule, stable, candidate)) }
        if let rule = guards.qualityScore { results.append(quality(rule, stable, candidate)) }
        return AnalysisReport(results: results)
    }

    private func errorRate(_ rule: RolloutGuards.ErrorRate, _ stable: ArmFigures, _ candidate: ArmFigures) -> GuardResult {
        var result = GuardResult(
            name: .errorRate, verdict: .pass, stableSample: stable.requests, candidateSample: candidate.requests, minSamples: rule.minSamples)
        guard stable.requests >= rule.minSamples, candidate.requests >= rule.minSamples else {
            result.verdict = .insufficientSample
            return result
        }
        let candidateLow = Wilson.lowerBound(successes: candidate.errors, trials: candidate.requests, z: Self.z)
        let stableHigh = Wilson.upperBound(successes: stable.errors, trials: stable.requests, z: Self.z)
        if candidateLow > stableHigh + rule.tolerance {
            result.verdict = .fail(
                reason: "candidate error rate \(percent(candidate.errorRate)) (\(candidate.errors) of \(candidate.requests)) is above the stable "
                    + "arm's \(percent(stable.errorRate)) (\(stable.errors) of \(stable.requests)) by more than \(percent(rule.tolerance)) "
                    + "(at least \(percent(candidateLow)) vs at most \(percent(stableHigh)) at 99.95% confidence)")
        }
        return result
    }

    private func latency(_ rule: RolloutGuards.Latency, _ stable: ArmFigures, _ candidate: ArmFigures) -> GuardResult {
        let n = candidate.latency.total
        let m = stable.latency.total
        var result = GuardResult(name: .p95Latency, verdict: .pass, stableSample: m, candidateSample: n, minSamples: rule.minSamples)
        if n == 0 && m == 0 && candidate.requests >= rule.minSamples {
            result.verdict = .notApplicable
            return result
        }
        guard n >= rule.minSamples, m >= rule.minSamples else {
            result.verdict = .insufficientSample
            return result
        }
        let spread = 0.95 * 0.05
        guard let candidateLow = candidate.latency.quantile(max(0, 0.95 - Self.z * (spread / Double(n)).squareRoot())),
            let stableHigh = stable.latency.quantile(min(1, 0.95 + Self.z * (spread / Double(m)).squareRoot()))
        else { return result }
        let overRatio = rule.toleranceRatio.map { candidateLow > stableHigh * $0 } ?? true
        let overMs = rule.toleranceMs.map { candidateLow - stableHigh > $0 } ?? true
        if overRatio && overMs, let candidateP95 = candidate.p95LatencyMs, let stableP95 = stable.p95LatencyMs {
            let tolerance = [rule.toleranceRatio.map { "\(number($0))x" }, rule.toleranceMs.map { "\(number($0)) ms" }].compactMap { $0 }
            result.verdict = .fail(
                reason: "candidate p95 latency \(number(candidateP95)) ms (\(n) requests) is over the stable arm's \(number(stableP95)) ms "
                    + "(\(m) requests) beyond the tolerance of \(tolerance.joined(separator: " and ")) (at least \(number(candidateLow)) ms "
                    + "vs at most \(number(stableHigh)) ms at 99.95% confidence)")
        }
        return result
    }

    private func cost(_ rule: RolloutGuards.Cost, _ stable: ArmFigures, _ candidate: ArmFigures) -> GuardResult {
        var result = GuardResult(
            name: .costPerRequest, verdict: .pass, stableSample: stable.cost.count, candidateSample: candidate.cost.count, minSamples: rule.minSamples
        )
        // An arm whose model has no price cannot be compared: once either arm has served a full
        // sample with no price, the guard does not apply (and does not hold the rollout back).
        let unpricedArm =
            (stable.cost.count == 0 && stable.requests >= rule.minSamples) || (candidate.cost.count == 0 && candidate.requests >= rule.minSamples)
        if unpricedArm {
            result.verdict = .notApplicable
            return result
        }
        guard stable.cost.count >= rule.minSamples, candidate.cost.count >= rule.minSamples,
            let candidateMean = candidate.cost.mean, let stableMean = stable.cost.mean
        else {
            result.verdict = .insufficientSample
            return result
        }
        let candidateLow = candidateMean - Self.z * (candidate.cost.standardError ?? 0)
        let stableHigh = stableMean + Self.z * (stable.cost.standardError ?? 0)
        if candidateLow > 0 && candidateLow > stableHigh * rule.toleranceRatio {
            result.verdict = .fail(
                reason:
                    "candidate cost per request $\(dollars(candidateMean)) (\(candidate.cost.count) requests) is over \(number(rule.toleranceRatio))x "
                    + "the stable arm's $\(dollars(stableMean)) (\(stable.cost.count) requests) (at least $\(dollars(candidateLow)) vs at most "
                    + "$\(dollars(stableHigh)) at 99.95% confidence)")
        }
        return result
    }

    private func quality(_ rule: RolloutGuards.Quality, _ stable: ArmFigures, _ candidate: ArmFigures) -> GuardResult {
        var result = GuardResult(
            name: .qualityScore, verdict: .pass, stableSample: stable.quality.count, candidateSample: candidate.quality.count,
            minSamples: rule.minSamples)
        if stable.quality.count == 0 && candidate.quality.count == 0 {
            result.verdict = .notApplicable
            return result
        }
        guard stable.quality.count >= rule.minSamples, candidate.quality.count >= rule.minSamples,
            let candidateMean = candidate.quality.mean, let stableMean = stable.quality.mean
        else {
            result.verdict = .insufficientSample
            return result
        }
        let candidateHigh = candidateMean + Self.z * (candidate.quality.standardError ?? 0)
        let stableLow = stableMean - Self.z * (stable.quality.standardError ?? 0)
        if candidateHigh < stableLow - rule.tolerance {
            result.verdict = .fail(
                reason: "candidate quality score \(number(candidateMean)) (\(candidate.quality.count) scores) is below the stable arm's "
                    + "\(number(stableMean)) (\(stable.quality.count) scores) by more than \(number(rule.tolerance)) (at most "
                    + "\(number(candidateHigh)) vs at least \(number(stableLow)) at 99.95% confidence)")
        }
        return result
    }

    private func percent(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%.1f%%", value * 100)
    }

    private func number(_ value: Double) -> String {
        value >= 100 ? String(format: "%.0f", value) : String(format: "%.3g", value)
    }

    private func dollars(_ value: Double) -> String {
        String(format: "%.6f", value)
    }
}

/// Wilson score bounds of a binomial proportion: unlike the normal approximation, they stay
/// inside [0, 1] and mean something at 0 of n and n of n, which is where a rollout's first
/// verdicts are made.
public enum Wilson {
    public static func lowerBound(successes: Int, trials: Int, z: Double) -> Double {
        bounds(successes: successes, trials: trials, z: z).lower
    }

    public static func upperBound(successes: Int, trials: Int, z: Double) -> Double {
        bounds(successes: successes, trials: trials, z: z).upper
    }

    static func bounds(successes: Int, trials: Int, z: Double) -> (lower: Double, upper: Double) {
        guard trials > 0 else { return (0, 1) }
        let n = Double(trials)
        let p = Double(successes) / n
        let z2 = z * z
        let denominator = 1 + z2 / n
        let centre = (p + z2 / (2 * n)) / denominator
        let margin = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / denominator
        return (max(0, centre - margin), min(1, centre + margin))
    }
}
