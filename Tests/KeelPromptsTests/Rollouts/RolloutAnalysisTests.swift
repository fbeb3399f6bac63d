import KeelPrompts
import Testing

/// Single verdicts on figures built by hand.
struct RolloutAnalysisTests {
    static func figures(_ count: Int, errors: Int = 0, latencyMs: Double = 800, costUSD: Double? = 0.002, quality: Double? = nil) -> ArmFigures {
        var figures = ArmFigures()
        for index in 0..<count {
            if index < errors {
                figures.record(.failed(latencyMs: 10))
            } else {
                figures.record(RolloutOutcome(ending: .succeeded, latencyMs: latencyMs, costUSD: costUSD, qualityScore: quality))
            }
        }
        return figures
    }

    static func verdict(_ report: AnalysisReport, _ name: RolloutGuardName) -> String? {
        report.results.first { $0.name == name }?.verdict.name
    }

    @Test func unpricedModelsLeaveTheCostGuardOutOfTheVerdict() {
        let report = RolloutAnalysis(guards: .standard).evaluate(
            stable: Self.figures(400, costUSD: nil), candidate: Self.figures(40, costUSD: nil))
        #expect(Self.verdict(report, .costPerRequest) == "not_applicable")
        #expect(report.passes)
    }

    /// A model rollout from an unpriced upstream to a priced one (or back) cannot compare costs,
    /// and must not be held at its first step waiting for a price that never comes.
    @Test func anArmWithoutAPriceLeavesTheCostGuardOut() {
        let analysis = RolloutAnalysis(guards: .standard)
        let priced = analysis.evaluate(stable: Self.figures(400, costUSD: nil), candidate: Self.figures(40, costUSD: 0.002))
        #expect(Self.verdict(priced, .costPerRequest) == "not_applicable")
        #expect(priced.passes)
        let unpriced = analysis.evaluate(stable: Self.figures(400, costUSD: 0.002), candidate: Self.figures(40, costUSD: nil))
        #expect(Self.verdict(unpriced, .costPerRequest) == "not_applicable")
        let early = analysis.evaluate(stable: Self.figures(5, costUSD: nil), candidate: Self.figures(40, costUSD: 0.002))
        #expect(Self.verdict(early, .costPerRequest) == "insufficient_sample")
    }

    @Test func aGuardWaitsForBothArmsSamples() {
        let report = RolloutAnalysis(guards: .standard).evaluate(stable: Self.figures(5), candidate: Self.figures(400, errors: 400))
        #expect(Self.verdict(report, .errorRate) == "insufficient_sample")
        #expect(report.failure == nil && !report.passes)
    }

    @Test func bothLatencyTolerancesMustBeExceeded() {
        let analysis = RolloutAnalysis(guards: .standard)
        // 40 ms against 10 ms: four times slower, but only 30 ms more.
        let fast = analysis.evaluate(stable: Self.figures(400, latencyMs: 10), candidate: Self.figures(100, latencyMs: 40))
        #expect(Self.verdict(fast, .p95Latency) == "pass")
        let slow = analysis.evaluate(stable: Self.figures(400, latencyMs: 1000), candidate: Self.figures(100, latencyMs: 2000))
        #expect(Self.verdict(slow, .p95Latency) == "fail")
        #expect(slow.failure?.name == .p95Latency)

        var msOnly = RolloutGuards.standard
        msOnly.p95Latency = RolloutGuards.Latency(toleranceRatio: nil, toleranceMs: 20, minSamples: 30)
        let report = RolloutAnalysis(guards: msOnly).evaluate(stable: Self.figures(400, latencyMs: 10), candidate: Self.figures(100, latencyMs: 40))
        #expect(Self.verdict(report, .p95Latency) == "fail")
    }

    @Test func theQualityGuardFailsACandidateScoredWorse() {
        var guards = RolloutGuards.standard
        guards.qualityScore = RolloutGuards.Quality(tolerance: 0.1, minSamples: 30)
        let analysis = RolloutAnalysis(guards: guards)
        #expect(Self.verdict(analysis.evaluate(stable: Self.figures(400), candidate: Self.figures(40)), .qualityScore) == "not_applicable")
        let worse = analysis.evaluate(stable: Self.figures(400, quality: 0.9), candidate: Self.figures(40, quality: 0.5))
        #expect(worse.failure?.name == .qualityScore)
        let same = analysis.evaluate(stable: Self.figures(400, quality: 0.9), candidate: Self.figures(40, quality: 0.85))
        #expect(Self.verdict(same, .qualityScore) == "pass")
    }

    @Test func wilsonBoundsStayInsideZeroToOne() {
        #expect(Wilson.lowerBound(successes: 0, trials: 10, z: 3.29) == 0)
        #expect(Wilson.upperBound(successes: 10, trials: 10, z: 3.29) == 1)
        let lower = Wilson.lowerBound(successes: 10, trials: 10, z: 3.29)
        #expect(lower > 0.47 && lower < 0.49)
        #expect(Wilson.upperBound(successes: 0, trials: 0, z: 3.29) == 1)
    }
}
