/// The result of one assertion on one output.
public struct AssertionVerdict: Sendable, Hashable {
    /// `.error`: the assertion could not be checked (judge unreachable, bad reply, invalid regex or
    /// schema, unknown cost). An error is never a pass, negated or not.
    public enum Status: String, Sendable, Hashable {
        case pass
        case fail
        case error
    }

    public var type: EvalAssertionType
    public var negated: Bool
    public var metric: String
    public var status: Status
    /// 0...1; 0 for an error.
    public var score: Double
    public var reason: String
    public var weight: Double

    public init(
        type: EvalAssertionType, negated: Bool, metric: String, status: Status, score: Double, reason: String, weight: Double
    ) {
        self.type = type
        self.negated = negated
        self.metric = metric
        self.status = status
        self.score = min(max(score, 0), 1)
        self.reason = reason
        self.weight = weight
    }

    public var passed: Bool { status == .pass }
    public var isError: Bool { status == .error }
}

/// What an evaluator found before the `not-` prefix is applied.
enum AssertionOutcome: Sendable, Hashable {
    case checked(pass: Bool, score: Double, reason: String)
    case error(String)

    static func pass(_ reason: String) -> AssertionOutcome { .checked(pass: true, score: 1, reason: reason) }
    static func fail(_ reason: String) -> AssertionOutcome { .checked(pass: false, score: 0, reason: reason) }
    static func of(_ pass: Bool, _ reason: String) -> AssertionOutcome { .checked(pass: pass, score: pass ? 1 : 0, reason: reason) }
}
