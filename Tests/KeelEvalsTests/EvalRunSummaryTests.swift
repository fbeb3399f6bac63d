import KeelCore
import Testing

@testable import KeelEvals

@Suite struct EvalRunSummaryTests {
    typealias F = RunFixtures

    @Test func regressionsAndImprovementsCompareTheSides() {
        let summary = F.summary([
            F.result(0, F.answer(.candidate, pass: true), F.answer(.baseline, pass: true)),
            F.result(1, F.answer(.candidate, pass: false), F.answer(.baseline, pass: true)),
            F.result(2, F.answer(.candidate, pass: true), F.answer(.baseline, pass: false)),
            F.result(3, F.answer(.candidate, pass: false), F.answer(.baseline, pass: false)),
        ])
        #expect(summary.regressions.map(\.test) == [1])
        #expect(summary.regressions.first?.candidatePassRate == 0)
        #expect(summary.regressions.first?.baselinePassRate == 1)
        #expect(summary.improvements.map(\.test) == [2])
        #expect(summary.flaky.isEmpty)
    }

    @Test func withoutABaselineNothingRegresses() {
        let summary = F.summary([F.result(0, F.answer(.candidate, pass: false))], baseline: false)
        #expect(summary.regressions.isEmpty)
        #expect(summary.improvements.isEmpty)
        #expect(summary.verdict == .failed)
        #expect(summary.reason == "1 of 1 results failed")
    }

    @Test func aMetThresholdWithoutRegressionPasses() {
        let summary = F.summary(
            [
                F.result(0, F.answer(.candidate, pass: true), F.answer(.baseline, pass: true)),
                F.result(1, F.answer(.candidate, pass: false), F.answer(.baseline, pass: false)),
            ], threshold: 0.5)
        #expect(summary.verdict == .passed)
        #expect(summary.exitCode == 0)
        #expect(summary.reason.contains("meets the suite's threshold 50%"))
    }

    @Test func aPassRateBelowTheThresholdFails() {
        let summary = F.summary(
            [
                F.result(0, F.answer(.candidate, pass: true), F.answer(.baseline, pass: true)),
                F.result(1, F.answer(.candidate, pass: false), F.answer(.baseline, pass: false)),
                F.result(2, F.answer(.candidate, pass: false), F.answer(.baseline, pass: false)),
            ], threshold: 0.5)
        #expect(summary.verdict == .failed)
        #expect(summary.exitCode == 100)
        #expect(summary.reason == "pass rate 33.3% is below the suite's threshold 50%")
    }

    @Test func aRegressionFailsTheRunEvenWhenTheThresholdIsMet() {
        let summary = F.summary(
            [
                F.result(0, F.answer(.candidate, pass: true), F.answer(.baseline, pass: true)),
                F.result(1, F.answer(.candidate, pass: true), F.answer(.baseline, pass: true)),
                F.result(2, F.answer(.candidate, pass: false), F.answer(.baseline, pass: true)),
            ], threshold: 0.5)
        #expect(summary.verdict == .failed)
        #expect(summary.exitCode == 100)
        #expect(summary.reason == "1 test regressed against the baseline")
    }

    @Test func aSideWhoseEveryCallFailedIsAnError() {
        let summary = F.summary([
            F.result(0, F.answer(.candidate, pass: true), F.unanswered(.baseline)),
            F.result(1, F.answer(.candidate, pass: true), F.unanswered(.baseline)),
        ])
        #expect(summary.verdict == .error)
        #expect(summary.exitCode == 1)
        #expect(summary.reason.contains("baseline (support@2)"))
        #expect(summary.reason.contains("503: upstream unavailable"))
        #expect(summary.side(.baseline)?.callErrors == 2)
    }

    @Test func someFailedCallsAreFailuresNotAnError() {
        let summary = F.summary(
            [
                F.result(0, F.answer(.candidate, pass: true)),
                F.result(1, F.unanswered(.candidate)),
            ], baseline: false)
        #expect(summary.verdict == .failed)
        #expect(summary.side(.candidate)?.callErrors == 1)
    }

    @Test func aTestThatPassesInSomeRepeatsIsFlaky() {
        let summary = F.summary(
            [
                F.result(0, repeat: 0, F.answer(.candidate, pass: true)), F.result(1, repeat: 0, F.answer(.candidate, pass: true)),
                F.result(0, repeat: 1, F.answer(.candidate, pass: false, score: 0.25)), F.result(1, repeat: 1, F.answer(.candidate, pass: true)),
                F.result(0, repeat: 2, F.answer(.candidate, pass: true, score: 0.75)), F.result(1, repeat: 2, F.answer(.candidate, pass: true)),
            ], baseline: false)
        #expect(summary.flaky.map(\.test) == [0])
        let flaky = summary.flaky[0]
        #expect(abs(flaky.candidatePassRate - 2.0 / 3) < 1e-9)
        #expect(flaky.baselinePassRate == nil)
        #expect(flaky.minScore == 0.25)
        #expect(flaky.maxScore == 1)
    }

    @Test func eachSideAddsUpItsTokensCostAndLatency() {
        var results: [EvalCaseResult] = []
        for n in 0..<20 {
            results.append(
                F.result(
                    n,
                    F.answer(.candidate, pass: true, latencyMs: Double(200 - n * 10), costUSD: 0.001, promptTokens: 100, completionTokens: 20),
                    F.answer(.baseline, pass: n % 2 == 0, latencyMs: 50, promptTokens: nil, completionTokens: 7)))
        }
        results.append(F.result(20, F.unanswered(.candidate), F.answer(.baseline, pass: true, latencyMs: 50)))
        let summary = F.summary(results)
        let candidate = summary.side(.candidate)!
        #expect(candidate.results == 21)
        #expect(candidate.passed == 20)
        #expect(candidate.callErrors == 1)
        #expect(candidate.promptTokens == 2000)
        #expect(candidate.completionTokens == 400)
        #expect(abs(candidate.costUSD! - 0.02) < 1e-12)
        #expect(candidate.latencyP50Ms == 100)
        #expect(candidate.latencyP95Ms == 190)
        let baseline = summary.side(.baseline)!
        #expect(baseline.costUSD == nil)
        #expect(baseline.promptTokens == 10)
        #expect(baseline.completionTokens == 7 * 20 + 5)
        #expect(baseline.latencyP50Ms == 50)
        #expect(baseline.metrics.first?.name == "contains")
        #expect(baseline.metrics.first?.count == 21)
        #expect(baseline.metrics.first?.passed == 11)
        let json = summary.json["sides"]?[1]
        #expect(json?["cost_usd"] == .null)
        #expect(json?["side"]?["role"] == "baseline")
    }

    @Test func theSummaryJSONCarriesTheVerdictAndChanges() {
        let json = F.summary(F.regressedRun).json
        #expect(json["verdict"] == "failed")
        #expect(json["exit_code"] == 100)
        #expect(json["regressions"]?.arrayValue?.map { $0["description"] } == ["mentions the refund policy"])
        #expect(json["threshold"] == .null)
    }
}
