import KeelCore

/// `llm-rubric`, `factuality`, `answer-relevance`, `context-faithfulness`: a judge model grades
/// the output. Its reply must be the verdict object (`JudgeReply`); anything else is an error.
/// Without a threshold the judge's `pass` decides; with one, `score >= threshold` does (as in
/// promptfoo), whatever the judge's `pass`.
enum JudgedAssertion {
    static func evaluate(_ assertion: EvalAssertion, output: EvalOutput, test context: EvalTestContext, judge: (any EvalJudge)?) async
        -> AssertionOutcome
    {
        guard let judge else { return .error("no judge model is configured for '\(assertion.type.rawValue)'") }
        let messages: [JSONValue]
        switch request(assertion, output: output, test: context) {
        case .success(let built): messages = built
        case .failure(let problem): return .error(problem.message)
        }
        let reply: String
        do {
            reply = try await judge.judge(JudgeRequest(assertion: assertion.type, messages: messages, model: assertion.provider))
        } catch {
            return .error("the judge failed: \(error)")
        }
        switch JudgeReply.parse(reply) {
        case .failure(let problem):
            return .error(problem.description)
        case .success(let verdict):
            let pass = assertion.threshold.map { verdict.score >= $0 } ?? verdict.pass
            let threshold = assertion.threshold.map { " (score \(verdict.score) \(pass ? "≥" : "<") threshold \(format($0)))" } ?? ""
            return .checked(pass: pass, score: verdict.score, reason: verdict.reason + threshold)
        }
    }

    struct Problem: Error {
        var message: String
    }

    static func request(_ assertion: EvalAssertion, output: EvalOutput, test context: EvalTestContext) -> Result<[JSONValue], Problem> {
        let text = output.text
        let value = assertion.value.map(TextAssertions.text)
        switch assertion.type {
        case .llmRubric:
            guard let value else { return .failure(Problem(message: "'llm-rubric' needs a rubric as its value")) }
            return .success(JudgePrompts.llmRubric(output: text, rubric: value))
        case .factuality:
            guard let value else { return .failure(Problem(message: "'factuality' needs the reference answer as its value")) }
            return .success(JudgePrompts.factuality(output: text, reference: value, question: context.query))
        case .answerRelevance:
            guard let question = value ?? context.query else {
                return .failure(Problem(message: "'answer-relevance' needs a query: a 'question' or 'query' variable, or a user message"))
            }
            return .success(JudgePrompts.answerRelevance(output: text, question: question))
        case .contextFaithfulness:
            guard let contextText = value ?? context.contextText else {
                return .failure(Problem(message: "'context-faithfulness' needs a 'context' variable"))
            }
            return .success(JudgePrompts.contextFaithfulness(output: text, context: contextText, question: context.query))
        default:
            return .failure(Problem(message: "'\(assertion.type.rawValue)' is not judged by a model"))
        }
    }
}
