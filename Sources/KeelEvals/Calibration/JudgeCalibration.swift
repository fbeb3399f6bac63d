/// How often a judge agrees with people on the same traces (`keel eval calibrate`): both
/// verdicts read as pass or fail, the agreement rate and Cohen's kappa (agreement beyond what
/// chance would give: 1 perfect, 0 chance, below 0 worse than chance).
public struct JudgeCalibration: Sendable, Hashable {
    /// One trace judged by both: the judge's verdict and the person's.
    public struct Pair: Sendable, Hashable {
        public var judgePassed: Bool
        public var personPassed: Bool

        public init(judgePassed: Bool, personPassed: Bool) {
            self.judgePassed = judgePassed
            self.personPassed = personPassed
        }
    }

    public var name: String
    public var pairs: Int
    /// Both pass, judge pass and person fail, judge fail and person pass, both fail.
    public var bothPass: Int
    public var judgeOnlyPass: Int
    public var personOnlyPass: Int
    public var bothFail: Int

    public init(name: String, pairs: [Pair]) {
        self.name = name
        self.pairs = pairs.count
        bothPass = pairs.filter { $0.judgePassed && $0.personPassed }.count
        judgeOnlyPass = pairs.filter { $0.judgePassed && !$0.personPassed }.count
        personOnlyPass = pairs.filter { !$0.judgePassed && $0.personPassed }.count
        bothFail = pairs.filter { !$0.judgePassed && !$0.personPassed }.count
    }

    /// The share of pairs where both agree; nil without pairs.
    public var agreement: Double? {
        pairs == 0 ? nil : Double(bothPass + bothFail) / Double(pairs)
    }

    /// Cohen's kappa; nil without pairs, and when chance agreement is already total (both always
    /// said the same one thing: kappa is undefined, the agreement rate says it all).
    public var kappa: Double? {
        guard pairs > 0, let observed = agreement else { return nil }
        let total = Double(pairs)
        let judgePass = Double(bothPass + judgeOnlyPass) / total
        let personPass = Double(bothPass + personOnlyPass) / total
        let chance = judgePass * personPass + (1 - judgePass) * (1 - personPass)
        guard chance < 1 else { return nil }
        return (observed - chance) / (1 - chance)
    }

    /// Landis and Koch's words for a kappa.
    public var strength: String {
        guard let kappa else { return pairs == 0 ? "no pairs" : "undefined" }
        switch kappa {
        case ..<0: return "worse than chance"
        case ..<0.21: return "slight"
        case ..<0.41: return "fair"
        case ..<0.61: return "moderate"
        case ..<0.81: return "substantial"
        default: return "almost perfect"
        }
    }
}
