import KeelCore

/// The kinds of assertion a suite may use, named as promptfoo names them.
public enum EvalAssertionType: String, Sendable, Hashable, CaseIterable {
    case equals
    case contains
    case icontains
    case containsAny = "contains-any"
    case containsAll = "contains-all"
    case icontainsAny = "icontains-any"
    case icontainsAll = "icontains-all"
    case startsWith = "starts-with"
    case regex
    case isJSON = "is-json"
    case containsJSON = "contains-json"
    case toolCall = "tool-call"
    case levenshtein
    case similar
    case llmRubric = "llm-rubric"
    case factuality
    case answerRelevance = "answer-relevance"
    case contextFaithfulness = "context-faithfulness"
    case isRefusal = "is-refusal"
    case finishReason = "finish-reason"
    case cost
    case latency

    /// Whether the assertion needs a `value`.
    public var requiresValue: Bool {
        switch self {
        case .equals, .contains, .icontains, .containsAny, .containsAll, .icontainsAny, .icontainsAll, .startsWith, .regex, .levenshtein,
            .similar, .llmRubric, .factuality, .finishReason:
            return true
        case .isJSON, .containsJSON, .toolCall, .answerRelevance, .contextFaithfulness, .isRefusal, .cost, .latency:
            return false
        }
    }

    /// Whether the assertion needs a `threshold` (it has no sensible default).
    public var requiresThreshold: Bool { self == .cost || self == .latency }

    /// Whether a judge model grades it.
    public var isModelGraded: Bool {
        switch self {
        case .llmRubric, .factuality, .answerRelevance, .contextFaithfulness: return true
        default: return false
        }
    }

    /// Whether its threshold is a score in 0...1 (rather than a distance, dollars or milliseconds).
    public var thresholdIsScore: Bool { isModelGraded || self == .similar }
}

/// One assertion of a test, as written (its string values may hold `{{var}}` placeholders,
/// rendered with the test's variables when it is evaluated).
public struct EvalAssertion: Sendable, Hashable {
    public var type: EvalAssertionType
    /// Written with the `not-` prefix: the verdict is inverted (an error stays an error).
    public var negated: Bool
    public var value: JSONValue?
    public var threshold: Double?
    /// How much the assertion counts in the test's score; 0 = it counts for pass/fail only.
    public var weight: Double
    /// The name its score is reported under; nil = the type's name.
    public var metric: String?
    /// A Keel model name for the judge (or embedder) of this assertion; nil = the configured one.
    public var provider: String?
    /// Where it was written, for reports (`file:line`); nil when built in code.
    public var location: String?

    public init(
        _ type: EvalAssertionType, negated: Bool = false, value: JSONValue? = nil, threshold: Double? = nil, weight: Double = 1,
        metric: String? = nil, provider: String? = nil, location: String? = nil
    ) {
        self.type = type
        self.negated = negated
        self.value = value
        self.threshold = threshold
        self.weight = weight
        self.metric = metric
        self.provider = provider
        self.location = location
    }

    /// The type as written: `not-contains`, `llm-rubric`.
    public var typeName: String { (negated ? "not-" : "") + type.rawValue }
    /// The metric its verdict is reported under: `metric`, else the type's name.
    public var metricName: String { metric ?? typeName }
}
