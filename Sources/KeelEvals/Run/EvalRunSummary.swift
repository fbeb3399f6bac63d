import KeelCore

/// One side's figures over a run: pass rate, mean score, per-metric results, tokens, cost and
/// latency of its calls (judges' calls not included).
public struct EvalSideSummary: Sendable, Hashable {
    public var side: EvalSide
    public var results: Int
    public var passed: Int
    /// Calls that got no answer.
    public var callErrors: Int
    public var meanScore: Double
    public var metrics: [MetricSummary]
    public var promptTokens: Int
    public var completionTokens: Int
    /// The sum of the priced calls' costs; nil when no call had a price.
    public var costUSD: Double?
    public var latencyP50Ms: Double?
    public var latencyP95Ms: Double?

    public var passRate: Double { results == 0 ? 0 : Double(passed) / Double(results) }
    public var failed: Int { results - passed }

    init(side: EvalSide, results: [EvalSideResult]) {
        self.side = side
        self.results = results.count
        passed = results.filter(\.verdict.pass).count
        callErrors = results.filter { $0.output == nil }.count
        meanScore = results.isEmpty ? 0 : results.reduce(0) { $0 + $1.verdict.score } / Double(results.count)
        metrics = EvalGrader.metrics(results.map(\.verdict))
        let outputs = results.compactMap(\.output)
        promptTokens = outputs.reduce(0) { $0 + ($1.promptTokens ?? 0) }
        completionTokens = outputs.reduce(0) { $0 + ($1.completionTokens ?? 0) }
        let costs = outputs.compactMap(\.costUSD)
        costUSD = costs.isEmpty ? nil : costs.reduce(0, +)
        let latencies = outputs.map(\.latencyMs).sorted()
        latencyP50Ms = Self.percentile(latencies, 0.50)
        latencyP95Ms = Self.percentile(latencies, 0.95)
    }

    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    public var json: JSONValue {
        [
            "side": side.json, "results": .int(Int64(results)), "passed": .int(Int64(passed)), "failed": .int(Int64(failed)),
            "call_errors": .int(Int64(callErrors)), "pass_rate": .double(passRate), "mean_score": .double(meanScore),
            "metrics": .array(metrics.map(\.json)), "prompt_tokens": .int(Int64(promptTokens)),
            "completion_tokens": .int(Int64(completionTokens)), "cost_usd": costUSD.map(JSONValue.double) ?? .null,
            "latency_p50_ms": latencyP50Ms.map(JSONValue.double) ?? .null, "latency_p95_ms": latencyP95Ms.map(JSONValue.double) ?? .null,
        ]
    }
}

/// A test whose outcome differs between the sides, or across its repeats on one side.
public struct EvalTestChange: Sendable, Hashable {
    public var test: Int
    public var description: String
    /// The share of its repeats that passed on the candidate, and on the baseline (nil without one).
    public var candidatePassRate: Double
    public var baselinePassRate: Double?
    /// The candidate's lowest and highest score across repeats.
    public var minScore: Double
    public var maxScore: Double

    public var json: JSONValue {
        [
            "test": .int(Int64(test)), "description": .string(description), "candidate_pass_rate": .double(candidatePassRate),
            "baseline_pass_rate": baselinePassRate.map(JSONValue.double) ?? .null, "min_score": .double(minScore),
            "max_score": .double(maxScore),
        ]
    }
}

/// What a run comes to: each side's figures, the tests that regressed (passed on the baseline,
/// fail on the candidate) and improved, the tests whose outcome changed across repeats, and the
/// gate's verdict with its exit code.
public struct EvalRunSummary: Sendable, Hashable {
    public enum Verdict: String, Sendable, Hashable {
        /// Every test passed, or the suite's threshold was met and nothing regressed: exit 0.
        case passed
        /// Tests failed or regressed: exit 100.
        case failed
        /// The run could not be done (every call of a side failed): exit 1.
        case error
    }

    public var sides: [EvalSideSummary]
    public var regressions: [EvalTestChange]
    public var improvements: [EvalTestChange]
    /// Tests that passed in some repeats and failed in others on the candidate.
    public var flaky: [EvalTestChange]
    public var threshold: Double?
    public var verdict: Verdict
    /// Why the verdict is what it is, in a sentence.
    public var reason: String

    public var exitCode: Int32 {
        switch verdict {
        case .passed: return 0
        case .failed: return 100
        case .error: return 1
        }
    }

    public init(results: [EvalCaseResult], sides: [EvalSide], threshold: Double?) {
        self.threshold = threshold
        self.sides = sides.map { side in EvalSideSummary(side: side, results: results.compactMap { $0.side(side.role) }) }
        var changes: [(EvalTestChange, regressed: Bool, improved: Bool, flaky: Bool)] = []
        for (test, runs) in Dictionary(grouping: results, by: \.test).sorted(by: { $0.key < $1.key }) {
            let candidate = runs.map(\.primary)
            let baseline = runs.compactMap { $0.side(.baseline) }
            let candidateRate = Double(candidate.filter(\.verdict.pass).count) / Double(candidate.count)
            let baselineRate = baseline.isEmpty ? nil : Double(baseline.filter(\.verdict.pass).count) / Double(baseline.count)
            let scores = candidate.map(\.verdict.score)
            let change = EvalTestChange(
                test: test, description: runs[0].description, candidatePassRate: candidateRate, baselinePassRate: baselineRate,
                minScore: scores.min() ?? 0, maxScore: scores.max() ?? 0)
            changes.append(
                (
                    change, baselineRate.map { candidateRate < $0 } ?? false, baselineRate.map { candidateRate > $0 } ?? false,
                    candidateRate > 0 && candidateRate < 1
                ))
        }
        regressions = changes.filter(\.regressed).map(\.0)
        improvements = changes.filter(\.improved).map(\.0)
        flaky = changes.filter(\.flaky).map(\.0)

        let primary = results.map(\.primary.verdict)
        if let dead = self.sides.first(where: { $0.results > 0 && $0.callErrors == $0.results }) {
            let error = results.compactMap { $0.side(dead.side.role)?.error }.first ?? "no answer"
            verdict = .error
            reason = "every call to the \(dead.side.role.rawValue) (\(dead.side.resolved)) failed: \(error)"
        } else if !EvalGrader.suitePasses(primary, threshold: threshold) {
            let rate = EvalGrader.passRate(primary)
            verdict = .failed
            reason =
                threshold.map { "pass rate \(Self.percent(rate)) is below the suite's threshold \(Self.percent($0))" }
                ?? "\(primary.filter { !$0.pass }.count) of \(primary.count) results failed"
        } else if !regressions.isEmpty {
            verdict = .failed
            reason = "\(regressions.count) test\(regressions.count == 1 ? "" : "s") regressed against the baseline"
        } else {
            verdict = .passed
            reason =
                threshold.map { "pass rate \(Self.percent(EvalGrader.passRate(primary))) meets the suite's threshold \(Self.percent($0))" }
                ?? "every test passed"
        }
    }

    public func side(_ role: EvalSide.Role) -> EvalSideSummary? { sides.first { $0.side.role == role } }

    static func percent(_ rate: Double) -> String { "\(format((rate * 1000).rounded() / 10))%" }

    public var json: JSONValue {
        [
            "verdict": .string(verdict.rawValue), "exit_code": .int(Int64(exitCode)), "reason": .string(reason),
            "threshold": threshold.map(JSONValue.double) ?? .null, "sides": .array(sides.map(\.json)),
            "regressions": .array(regressions.map(\.json)), "improvements": .array(improvements.map(\.json)),
            "flaky": .array(flaky.map(\.json)),
        ]
    }
}

extension MetricSummary {
    public var json: JSONValue {
        [
            "name": .string(name), "count": .int(Int64(count)), "passed": .int(Int64(passed)), "errors": .int(Int64(errors)),
            "pass_rate": .double(passRate), "mean_score": .double(meanScore),
        ]
    }
}
