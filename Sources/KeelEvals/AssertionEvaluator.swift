import KeelCore

/// Checks one assertion against one output: the single entry point of the assertion families.
/// String values are rendered with the test's variables first; `not-` inverts the verdict (pass
/// and fail swap, the score becomes 1 − score); an error stays an error.
public struct AssertionEvaluator: Sendable {
    public var judge: (any EvalJudge)?
    public var embedder: (any EvalEmbedder)?

    public init(judge: (any EvalJudge)? = nil, embedder: (any EvalEmbedder)? = nil) {
        self.judge = judge
        self.embedder = embedder
    }

    public func evaluate(_ assertion: EvalAssertion, output: EvalOutput, test context: EvalTestContext) async -> AssertionVerdict {
        await Self.evaluate(assertion, output: output, test: context, judge: judge, embedder: embedder)
    }

    /// Every assertion of a test, in order.
    public func evaluate(_ assertions: [EvalAssertion], output: EvalOutput, test context: EvalTestContext) async -> [AssertionVerdict] {
        var verdicts: [AssertionVerdict] = []
        for assertion in assertions { verdicts.append(await evaluate(assertion, output: output, test: context)) }
        return verdicts
    }

    public static func evaluate(
        _ assertion: EvalAssertion, output: EvalOutput, test context: EvalTestContext, judge: (any EvalJudge)?,
        embedder: (any EvalEmbedder)?
    ) async -> AssertionVerdict {
        var rendered = assertion
        rendered.value = assertion.value.map { VariableRendering.render($0, context.vars) }
        let outcome: AssertionOutcome
        switch assertion.type {
        case .equals, .contains, .icontains, .containsAny, .containsAll, .icontainsAny, .icontainsAll, .startsWith, .regex, .levenshtein:
            outcome = TextAssertions.evaluate(rendered, output: output.text)
        case .isJSON, .containsJSON:
            outcome = JSONAssertions.evaluate(rendered, output: output.text)
        case .toolCall:
            outcome = ToolCallAssertion.evaluate(rendered, output: output)
        case .isRefusal, .finishReason, .cost, .latency:
            outcome = OperationalAssertions.evaluate(rendered, output: output)
        case .similar:
            outcome = await SimilarityAssertion.evaluate(rendered, output: output.text, embedder: embedder)
        case .llmRubric, .factuality, .answerRelevance, .contextFaithfulness:
            outcome = await JudgedAssertion.evaluate(rendered, output: output, test: context, judge: judge)
        }
        return verdict(assertion, outcome)
    }

    static func verdict(_ assertion: EvalAssertion, _ outcome: AssertionOutcome) -> AssertionVerdict {
        let status: AssertionVerdict.Status
        let score: Double
        let reason: String
        switch outcome {
        case .error(let message):
            (status, score, reason) = (.error, 0, message)
        case .checked(let pass, let rawScore, let rawReason):
            let passed = assertion.negated ? !pass : pass
            status = passed ? .pass : .fail
            score = assertion.negated ? 1 - rawScore : rawScore
            reason = assertion.negated ? "not: \(rawReason)" : rawReason
        }
        return AssertionVerdict(
            type: assertion.type, negated: assertion.negated, metric: assertion.metricName, status: status, score: score, reason: reason,
            weight: assertion.weight)
    }
}
