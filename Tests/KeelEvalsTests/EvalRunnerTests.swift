import KeelCore
import Synchronization
import Testing

@testable import KeelEvals

@Suite struct EvalRunnerTests {
    static let promptV2 = EvalSide(role: .candidate, target: .prompt(name: "support", version: 2), requested: "support@staging")
    static let smallModel = EvalSide(role: .baseline, target: .model("small"), requested: "small")

    /// Tests `n = 0..<count`, each asserting that the answer mentions its number.
    func numberedSuite(_ count: Int) -> EvalSuite {
        EvalSuite(
            target: .prompt(EvalPromptSelector(name: "support")),
            tests: (0..<count).map { n in
                EvalTest(
                    description: "number \(n)", vars: ["n": .int(Int64(n))], assertions: [EvalAssertion(.contains, value: .string("\(n)"))],
                    location: "suite.yaml:\(n + 1)")
            })
    }

    func echoing(pauseMs: ClosedRange<Int> = 0...8) -> FakeTransport {
        FakeTransport(pauseMs: pauseMs) { .success(EvalOutput(text: FakeTransport.echo($0), latencyMs: 5)) }
    }

    @Test func resultsComeBackInSuiteOrderWhateverOrderCallsFinish() async {
        let transport = echoing()
        let runner = EvalRunner(transport: transport, judgeModel: nil, embeddingModel: nil, concurrency: 4, repeats: 3)
        let results = await runner.run(numberedSuite(7), sides: [Self.promptV2, Self.smallModel])
        #expect(results.count == 7 * 3)
        #expect(transport.bodies.count == 7 * 3 * 2)
        for (index, result) in results.enumerated() {
            #expect(result.test == index % 7)
            #expect(result.repeatIndex == index / 7)
            #expect(result.description == "number \(result.test)")
            #expect(result.location == "suite.yaml:\(result.test + 1)")
            #expect(result.sides.map(\.role) == [.candidate, .baseline])
            #expect(result.side(.candidate)?.output?.text == "v2 says \(result.test)")
            #expect(result.side(.baseline)?.output?.text == "small says: ")
            #expect(result.side(.candidate)?.verdict.pass == true)
            #expect(result.side(.candidate)?.traceID?.hasPrefix("trace-") == true)
        }
    }

    @Test func progressCountsEveryCall() async {
        let counts = Counter()
        let runner = EvalRunner(transport: echoing(), judgeModel: nil, embeddingModel: nil, concurrency: 3, repeats: 2)
        _ = await runner.run(numberedSuite(4), sides: [Self.promptV2]) { done, total in counts.record(done, total) }
        #expect(counts.calls.map(\.0) == Array(1...8))
        #expect(counts.calls.allSatisfy { $0.1 == 8 })
    }

    @Test(arguments: [1, 3, 5])
    func concurrencyNeverExceedsTheLimit(_ limit: Int) async {
        let transport = echoing(pauseMs: 2...10)
        let runner = EvalRunner(transport: transport, judgeModel: nil, embeddingModel: nil, concurrency: limit)
        let results = await runner.run(numberedSuite(12), sides: [Self.promptV2, Self.smallModel])
        #expect(results.count == 12)
        #expect(transport.mostInFlight <= limit)
        #expect(transport.mostInFlight >= min(limit, 2))
    }

    @Test func aPromptSideSendsThePromptByReferenceWithTheVariables() async {
        let transport = echoing()
        let suite = EvalSuite(
            target: .prompt(EvalPromptSelector(name: "support")), tests: [EvalTest(vars: ["name": "Ada", "plan": ["pro", 2]])])
        _ = await EvalRunner(transport: transport, judgeModel: nil, embeddingModel: nil).run(suite, sides: [Self.promptV2])
        let body = transport.bodies.first
        #expect(body == ["prompt": ["id": "support", "version": 2, "variables": ["name": "Ada", "plan": ["pro", 2]]]])
    }

    @Test func aModelSideSendsTheModelAndTheRenderedMessages() async {
        let transport = echoing()
        let messages: [JSONValue] = [
            ["role": "system", "content": "You help {{name}}."],
            ["role": "user", "content": [["type": "text", "text": "Hello, I am {{name}}"]]],
        ]
        let suite = EvalSuite(target: .model("small"), tests: [EvalTest(vars: ["name": "Ada"], messages: messages)])
        _ = await EvalRunner(transport: transport, judgeModel: nil, embeddingModel: nil).run(suite, sides: [Self.smallModel])
        let expected: JSONObject = [
            "model": "small",
            "messages": [
                ["role": "system", "content": "You help Ada."],
                ["role": "user", "content": [["type": "text", "text": "Hello, I am Ada"]]],
            ],
        ]
        #expect(transport.bodies.first == expected)
    }

    @Test func aFailedCallFailsItsResultWithTheError() async {
        let broken = EvalSide(role: .candidate, target: .prompt(name: "support", version: 3), requested: "support@3")
        let transport = FakeTransport { body in
            body["prompt"]?["version"] == 3
                ? .failure(EvalCallError(status: 503, message: "upstream unavailable"))
                : .success(EvalOutput(text: FakeTransport.echo(body)))
        }
        let runner = EvalRunner(transport: transport, judgeModel: nil, embeddingModel: nil)
        let results = await runner.run(numberedSuite(2), sides: [broken, Self.smallModel])
        for result in results {
            let candidate = result.side(.candidate)!
            #expect(candidate.output == nil)
            #expect(candidate.error == "503: upstream unavailable")
            #expect(!candidate.verdict.pass)
            #expect(candidate.verdict.reason.contains("503: upstream unavailable"))
            #expect(result.side(.baseline)?.output != nil)
        }
    }

    @Test func aRubricAsksTheJudgeModelForTheVerdictAtTemperatureZero() async {
        let transport = FakeTransport { body in
            if body["model"] == "judge" { return .success(EvalOutput(text: #"{"reason": "polite enough", "pass": true, "score": 0.9}"#)) }
            return .success(EvalOutput(text: "Happy to help, Ada."))
        }
        let runner = EvalRunner(transport: transport, judgeModel: "judge", embeddingModel: nil)
        let results = await runner.run(rubricSuite, sides: [Self.promptV2])
        let judged = transport.bodies.first { $0["model"] == "judge" }
        #expect(judged?["response_format"] == JudgeRequest.verdictFormat)
        #expect(judged?["temperature"]?.doubleValue == 0)
        #expect(judged?["messages"]?.arrayValue?.last?["content"]?.stringValue?.contains("Happy to help, Ada.") == true)
        let verdict = results[0].primary.verdict
        #expect(verdict.pass)
        #expect(verdict.assertions.first?.status == .pass)
        #expect(verdict.assertions.first?.reason == "polite enough")
    }

    @Test(arguments: ["Looks polite to me!", #"{"pass": true, "score": 1}"#, ""])
    func aJudgeReplyThatIsNotTheVerdictIsAnErrorNeverAPass(_ reply: String) async {
        let transport = FakeTransport { body in
            .success(EvalOutput(text: body["model"] == "judge" ? reply : "Happy to help, Ada."))
        }
        let runner = EvalRunner(transport: transport, judgeModel: "judge", embeddingModel: nil)
        let verdict = await runner.run(rubricSuite, sides: [Self.promptV2])[0].primary.verdict
        #expect(verdict.assertions.first?.status == .error)
        #expect(!verdict.pass)
        #expect(verdict.reason.contains("error"))
    }

    var rubricSuite: EvalSuite {
        EvalSuite(
            target: .prompt(EvalPromptSelector(name: "support")),
            tests: [EvalTest(vars: ["name": "Ada"], assertions: [EvalAssertion(.llmRubric, value: "greets {{name}} politely")])])
    }
}

/// Records the progress callbacks it is given.
final class Counter: Sendable {
    private let recorded = Mutex<[(Int, Int)]>([])
    var calls: [(Int, Int)] { recorded.withLock { $0 } }
    func record(_ done: Int, _ total: Int) { recorded.withLock { $0.append((done, total)) } }
}
