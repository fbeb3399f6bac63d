import KeelCore
import Testing

@testable import KeelEvals

@Suite struct ModelGradedAssertionTests {
    let output = EvalOutput(text: "Revoke the old key and create a new one.")

    @Test func rubricPassAndFail() async {
        let rubric = EvalAssertion(.llmRubric, value: "explains how to revoke the old key")
        let passing = await check(rubric, output, judge: FakeJudge.verdict(pass: true, score: 0.9, reason: "it does"))
        #expect(passing.status == .pass)
        #expect(passing.score == 0.9)
        #expect(passing.reason == "it does")
        let failing = await check(rubric, output, judge: FakeJudge.verdict(pass: false, score: 0.2))
        #expect(failing.status == .fail)
        var negated = rubric
        negated.negated = true
        let inverted = await check(negated, output, judge: FakeJudge.verdict(pass: false, score: 0.2))
        #expect(inverted.status == .pass)
        #expect(abs(inverted.score - 0.8) < 1e-9)
    }

    @Test func aThresholdDecidesByScore() async {
        let rubric = EvalAssertion(.llmRubric, value: "polite", threshold: 0.7)
        #expect(await check(rubric, output, judge: FakeJudge.verdict(pass: false, score: 0.75)).status == .pass)
        #expect(await check(rubric, output, judge: FakeJudge.verdict(pass: true, score: 0.5)).status == .fail)
    }

    @Test func theRequestCarriesTheRubricModelAndFormat() async {
        let judge = FakeJudge.verdict(pass: true, score: 1)
        _ = await check(
            EvalAssertion(.llmRubric, value: "mentions {{product}}", provider: "judge-model"), output, vars: ["product": "Keel"], judge: judge)
        let request = try! #require(judge.requests.first)
        #expect(request.model == "judge-model")
        #expect(request.messages.count == 2)
        #expect(request.messages[0]["role"] == "system")
        #expect(request.messages[1]["content"]?.stringValue?.contains("mentions Keel") == true)
        #expect(request.messages[1]["content"]?.stringValue?.contains(output.text) == true)
        #expect(request.responseFormat["type"] == "json_schema")
        #expect(request.responseFormat["json_schema"]?["strict"] == true)
    }

    @Test(arguments: [
        "The output is great, pass.",
        #"{"reason": "ok", "pass": true, "score": 1.5}"#,
        #"{"reason": "ok", "pass": "yes", "score": 1}"#,
        #"{"pass": true, "score": 1}"#,
        #"Sure! {"reason": "ok", "pass": true, "score": 1}"#,
        #"[{"reason": "ok", "pass": true, "score": 1}]"#,
    ])
    func aReplyThatIsNotTheVerdictIsAnError(_ reply: String) async {
        let plain = await check(EvalAssertion(.llmRubric, value: "x"), output, judge: FakeJudge(reply: reply))
        #expect(plain.status == .error)
        #expect(plain.reason.contains("judge"))
        let negated = await check(EvalAssertion(.llmRubric, negated: true, value: "x"), output, judge: FakeJudge(reply: reply))
        #expect(negated.status == .error)
    }

    @Test func aFencedReplyIsRead() async {
        let reply = "\n```json\n{\"reason\": \"ok\", \"pass\": true, \"score\": 1}\n```\n"
        #expect(await check(EvalAssertion(.llmRubric, value: "x"), output, judge: FakeJudge(reply: reply)).status == .pass)
    }

    @Test func aJudgeThatThrowsOrIsMissingIsAnError() async {
        let thrown = await check(EvalAssertion(.factuality, value: "Revoke then create."), output, judge: FakeJudge(reply: nil))
        #expect(thrown.status == .error)
        #expect(thrown.reason.contains("connection refused"))
        #expect(await check(EvalAssertion(.llmRubric, value: "x"), output).status == .error)
    }

    @Test func factualitySendsTheReference() async {
        let judge = FakeJudge.verdict(pass: true, score: 1)
        let verdict = await check(EvalAssertion(.factuality, value: "Keys are revoked, then recreated."), output, judge: judge)
        #expect(verdict.status == .pass)
        #expect(judge.requests.first?.messages[1]["content"]?.stringValue?.contains("<reference>") == true)
    }

    @Test func answerRelevanceUsesTheQuestion() async {
        let judge = FakeJudge.verdict(pass: true, score: 0.8)
        let fromVar = await check(EvalAssertion(.answerRelevance), output, vars: ["question": "How do I rotate a key?"], judge: judge)
        #expect(fromVar.status == .pass)
        #expect(judge.requests.last?.messages[1]["content"]?.stringValue?.contains("How do I rotate a key?") == true)
        let messages: [JSONValue] = [["role": "system", "content": "be brief"], ["role": "user", "content": "What is Keel?"]]
        _ = await check(EvalAssertion(.answerRelevance), output, messages: messages, judge: judge)
        #expect(judge.requests.last?.messages[1]["content"]?.stringValue?.contains("What is Keel?") == true)
        #expect(await check(EvalAssertion(.answerRelevance), output, judge: judge).status == .error)
    }

    @Test func contextFaithfulnessNeedsAContext() async {
        let judge = FakeJudge.verdict(pass: false, score: 0.3)
        let verdict = await check(EvalAssertion(.contextFaithfulness), output, vars: ["context": "Keys can be revoked."], judge: judge)
        #expect(verdict.status == .fail)
        #expect(judge.requests.last?.messages[1]["content"]?.stringValue?.contains("Keys can be revoked.") == true)
        #expect(await check(EvalAssertion(.contextFaithfulness), output, judge: judge).status == .error)
    }

    @Test func similarByCosine() async {
        let embedder = FakeEmbedder(vectors: ["out": [1, 0], "near": [0.9, 0.1], "far": [0, 1]])
        let output = EvalOutput(text: "out")
        let near = await check(EvalAssertion(.similar, value: "near"), output, embedder: embedder)
        #expect(near.status == .pass)
        #expect(near.score > 0.99)
        #expect(await check(EvalAssertion(.similar, value: "far"), output, embedder: embedder).status == .fail)
        #expect(await check(EvalAssertion(.similar, negated: true, value: "far"), output, embedder: embedder).status == .pass)
        #expect(await check(EvalAssertion(.similar, value: ["far", "near"]), output, embedder: embedder).status == .pass)
        #expect(await check(EvalAssertion(.similar, value: "near", threshold: 0.999), output, embedder: embedder).status == .fail)
    }

    @Test func similarErrors() async {
        let output = EvalOutput(text: "out")
        #expect(await check(EvalAssertion(.similar, value: "x"), output).status == .error)
        #expect(await check(EvalAssertion(.similar, value: "x"), output, embedder: FakeEmbedder(vectors: [:], fails: true)).status == .error)
        let zero = FakeEmbedder(vectors: ["out": [0, 0, 0]])
        #expect(await check(EvalAssertion(.similar, negated: true, value: "x"), output, embedder: zero).status == .error)
    }

    @Test func judgeReplyParsing() throws {
        let reply = try JudgeReply.parse(#"  {"reason": "fine", "pass": true, "score": 0}  "#).get()
        #expect(reply == JudgeReply(reason: "fine", pass: true, score: 0))
        #expect(throws: JudgeReplyError.self) { try JudgeReply.parse("```json\n{}\n```").get() }
    }
}
