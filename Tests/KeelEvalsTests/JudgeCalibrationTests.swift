import Testing

@testable import KeelEvals

struct JudgeCalibrationTests {
    static func pairs(bothPass: Int, judgeOnly: Int, personOnly: Int, bothFail: Int) -> [JudgeCalibration.Pair] {
        Array(repeating: .init(judgePassed: true, personPassed: true), count: bothPass)
            + Array(repeating: .init(judgePassed: true, personPassed: false), count: judgeOnly)
            + Array(repeating: .init(judgePassed: false, personPassed: true), count: personOnly)
            + Array(repeating: .init(judgePassed: false, personPassed: false), count: bothFail)
    }

    @Test func agreementAndKappaMatchTheTextbookExample() throws {
        // 50 pairs, 35 agreeing: observed 0.7, chance 0.5 * 0.6 + 0.5 * 0.4 = 0.5, kappa 0.4.
        let calibration = JudgeCalibration(name: "helpful", pairs: Self.pairs(bothPass: 20, judgeOnly: 5, personOnly: 10, bothFail: 15))
        #expect(calibration.pairs == 50)
        #expect(abs(try #require(calibration.agreement) - 0.7) < 1e-12)
        #expect(abs(try #require(calibration.kappa) - 0.4) < 1e-12)
        #expect(calibration.strength == "fair")
    }

    @Test func perfectAgreementIsKappaOneAndAJudgeThatAlwaysDisagreesIsBelowZero() {
        #expect(JudgeCalibration(name: "x", pairs: Self.pairs(bothPass: 3, judgeOnly: 0, personOnly: 0, bothFail: 2)).kappa == 1)
        let contrary = JudgeCalibration(name: "x", pairs: Self.pairs(bothPass: 0, judgeOnly: 4, personOnly: 4, bothFail: 0))
        #expect(contrary.agreement == 0)
        #expect((contrary.kappa ?? 0) < 0)
        #expect(contrary.strength == "worse than chance")
    }

    @Test func kappaIsUndefinedWhenBothAlwaysSayOneThingAndAbsentWithoutPairs() {
        let unanimous = JudgeCalibration(name: "x", pairs: Self.pairs(bothPass: 5, judgeOnly: 0, personOnly: 0, bothFail: 0))
        #expect(unanimous.agreement == 1 && unanimous.kappa == nil && unanimous.strength == "undefined")
        let empty = JudgeCalibration(name: "x", pairs: [])
        #expect(empty.agreement == nil && empty.kappa == nil && empty.strength == "no pairs")
    }
}
