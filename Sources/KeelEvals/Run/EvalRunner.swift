import KeelCore

/// Runs a suite: every test, `repeats` times, on every side, at most `concurrency` calls at a
/// time; each answer graded by its test's assertions (judges and embeddings through the same
/// transport). The results come back in suite order, whatever order the calls finished in.
public struct EvalRunner: Sendable {
    public var transport: any EvalTransport
    public var evaluator: AssertionEvaluator
    public var concurrency: Int
    public var repeats: Int

    public init(transport: any EvalTransport, evaluator: AssertionEvaluator, concurrency: Int = 4, repeats: Int = 1) {
        self.transport = transport
        self.evaluator = evaluator
        self.concurrency = max(1, concurrency)
        self.repeats = max(1, repeats)
    }

    /// A transport's judge and embedder are the transport's own models.
    public init(transport: any EvalTransport, judgeModel: String?, embeddingModel: String?, concurrency: Int = 4, repeats: Int = 1) {
        self.init(
            transport: transport,
            evaluator: AssertionEvaluator(
                judge: TransportJudge(transport: transport, defaultModel: judgeModel),
                embedder: TransportEmbedder(transport: transport, defaultModel: embeddingModel)),
            concurrency: concurrency, repeats: repeats)
    }

    private struct Job: Sendable {
        var test: Int
        var repeatIndex: Int
        var side: Int
    }

    /// `progress(done, total)` is called after each call is graded.
    public func run(_ suite: EvalSuite, sides: [EvalSide], progress: @Sendable (Int, Int) -> Void = { _, _ in }) async -> [EvalCaseResult] {
        guard !sides.isEmpty else { return [] }
        var jobs: [Job] = []
        for repeatIndex in 0..<repeats {
            for test in suite.tests.indices {
                for side in sides.indices { jobs.append(Job(test: test, repeatIndex: repeatIndex, side: side)) }
            }
        }
        var graded: [Int: EvalSideResult] = [:]
        await withTaskGroup(of: (Int, EvalSideResult).self) { group in
            var next = 0
            func startNext() {
                guard next < jobs.count else { return }
                let index = next
                let job = jobs[index]
                next += 1
                group.addTask { (index, await self.grade(suite.tests[job.test], on: sides[job.side])) }
            }
            for _ in 0..<min(concurrency, jobs.count) { startNext() }
            while let (index, result) = await group.next() {
                graded[index] = result
                progress(graded.count, jobs.count)
                startNext()
            }
        }
        var cases: [EvalCaseResult] = []
        var index = 0
        for repeatIndex in 0..<repeats {
            for (number, test) in suite.tests.enumerated() {
                let results = sides.indices.map { offset in graded[index + offset]! }
                index += sides.count
                cases.append(
                    EvalCaseResult(
                        test: number, repeatIndex: repeatIndex, description: test.description ?? "test \(number + 1)", vars: test.vars,
                        location: test.location, sides: results))
            }
        }
        return cases
    }

    /// One test on one side: the call, then its assertions.
    public func grade(_ test: EvalTest, on side: EvalSide) async -> EvalSideResult {
        let answer: EvalAnswer
        do {
            answer = try await transport.chat(side.body(for: test))
        } catch {
            return .failedCall(side.role, error)
        }
        let context = EvalTestContext(vars: test.vars, messages: answer.sentMessages.isEmpty ? test.renderedMessages : answer.sentMessages)
        let verdicts = await evaluator.evaluate(test.assertions, output: answer.output, test: context)
        return EvalSideResult(
            role: side.role, output: answer.output, verdict: EvalGrader.grade(verdicts, threshold: test.threshold), traceID: answer.traceID)
    }
}
