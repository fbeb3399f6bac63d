import Testing

@testable import KeelEvals

@Suite struct EvalGraderTests {
    func verdict(_ status: AssertionVerdict.Status, score: Double? = nil, weight: Double = 1, metric: String = "m") -> AssertionVerdict {
        AssertionVerdict(
            type: .contains, negated: false, metric: metric, status: status, score: score ?? (status == .pass ? 1 : 0), reason: "r",
            weight: weight)
    }

    @Test func withoutAThresholdEveryAssertionMustPass() {
        #expect(EvalGrader.grade([verdict(.pass), verdict(.pass)]).pass)
        let one = EvalGrader.grade([verdict(.pass), verdict(.fail)])
        #expect(!one.pass)
        #expect(one.score == 0.5)
        #expect(EvalGrader.grade([]).pass)
        #expect(EvalGrader.grade([]).score == 1)
    }

    @Test func weightsMakeTheScore() {
        let graded = EvalGrader.grade([verdict(.pass, weight: 3), verdict(.fail, weight: 1)])
        #expect(graded.score == 0.75)
    }

    @Test func weightZeroCountsForPassFailNotScore() {
        let graded = EvalGrader.grade([verdict(.pass), verdict(.fail, weight: 0)])
        #expect(graded.score == 1)
        #expect(!graded.pass)
        #expect(EvalGrader.grade([verdict(.pass, weight: 0)]).score == 1)
    }

    @Test func aThresholdLetsFailuresBeOutweighed() {
        let verdicts = [verdict(.pass, weight: 3), verdict(.fail, weight: 1)]
        #expect(EvalGrader.grade(verdicts, threshold: 0.7).pass)
        #expect(!EvalGrader.grade(verdicts, threshold: 0.8).pass)
        #expect(EvalGrader.grade([verdict(.fail, score: 0.6)], threshold: 0.5).pass)
    }

    @Test func anErrorIsNeverOutweighed() {
        let verdicts = [verdict(.pass, weight: 10), verdict(.error, weight: 0.1)]
        let graded = EvalGrader.grade(verdicts, threshold: 0.5)
        #expect(!graded.pass)
        #expect(graded.hasErrors)
        #expect(graded.reason.contains("error"))
        #expect(!EvalGrader.grade(verdicts).pass)
    }

    @Test func suiteThresholdAndMetrics() {
        let passing = EvalGrader.grade([verdict(.pass, metric: "tone"), verdict(.pass, metric: "facts")])
        let failing = EvalGrader.grade([verdict(.fail, metric: "tone"), verdict(.error, metric: "facts")])
        #expect(EvalGrader.passRate([passing, failing]) == 0.5)
        #expect(EvalGrader.suitePasses([passing, failing], threshold: 0.5))
        #expect(!EvalGrader.suitePasses([passing, failing], threshold: nil))
        let metrics = EvalGrader.metrics([passing, failing])
        #expect(metrics.map(\.name) == ["tone", "facts"])
        #expect(metrics[0].passRate == 0.5)
        #expect(metrics[0].meanScore == 0.5)
        #expect(metrics[1].errors == 1)
    }
}
