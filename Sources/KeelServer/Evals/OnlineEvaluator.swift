import Foundation
import KeelCore
import KeelEvals
import KeelGateway
import KeelMonitor
import KeelStore
import Logging
import ServiceLifecycle
import Synchronization

/// Online evals (`evals.online`): a sampled share of the live requests to a model or prompt is
/// graded after its answer was sent, off the request path. `offer` runs on the request's
/// thread and only samples and enqueues; a bounded queue (full: the trace is dropped and
/// counted) feeds `concurrency` workers, whose judge calls go through the gateway like any
/// (tagged `eval`, never sampled themselves) and stop for the day once they have cost the daily
/// cap. Each verdict becomes a score on the trace (source `eval`, named by the rule).
final class OnlineEvaluator: Service, Sendable {
    struct Job: Sendable {
        var trace: Trace
        var rule: OnlineEvalRule
    }

    /// What the evaluator has done since it started.
    struct Counters: Sendable, Equatable {
        var sampled = 0
        var dropped = 0
        var scored = 0
        var failed = 0
        var skippedOverBudget = 0
    }

    private let rules: [OnlineEvalRule]
    private let settings: EvalSettings
    private let store: any ScoreStore
    private let logger: Logger
    private let queue: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation
    private let counters = Mutex(Counters())
    /// The judges' spend today (UTC day number, USD).
    private let spend = Mutex<(day: Int, usd: Double)>((0, 0))
    private let sample: @Sendable (Double) -> Bool
    private let gateway = Mutex<(gateway: Gateway, tap: TraceTap, signals: SignalBook)?>(nil)

    init(
        settings: EvalSettings, store: any ScoreStore, logger: Logger,
        sample: @escaping @Sendable (Double) -> Bool = { rate in rate >= 1 || Double.random(in: 0..<1) < rate }
    ) {
        self.settings = settings
        rules = settings.online
        self.store = store
        self.logger = logger
        self.sample = sample
        (queue, continuation) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .bufferingOldest(settings.onlineQueue))
    }

    /// The gateway the judges are called through, the tap that shows their traces' cost, and
    /// the monitor's signals, which take every verdict.
    func attach(gateway: Gateway, tap: TraceTap, signals: SignalBook) { self.gateway.withLock { $0 = (gateway, tap, signals) } }

    var snapshot: Counters { counters.withLock { $0 } }

    /// Called with every finished trace: samples it for each rule it matches.
    func offer(_ trace: Trace) {
        guard trace.status == "ok", trace.operation == "chat", !trace.tags.contains("eval") else { return }
        for rule in rules where Self.matches(rule, trace) && sample(rule.sample) {
            if isOverBudget() {
                counters.withLock { $0.skippedOverBudget += 1 }
                continue
            }
            switch continuation.yield(Job(trace: trace, rule: rule)) {
            case .enqueued: counters.withLock { $0.sampled += 1 }
            case .dropped: counters.withLock { $0.dropped += 1 }
            case .terminated: return
            @unknown default: return
            }
        }
    }

    static func matches(_ rule: OnlineEvalRule, _ trace: Trace) -> Bool {
        switch rule.subject {
        case .model(let name): return trace.model == name
        case .prompt(let name): return trace.prompt?.name == name
        }
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<max(1, settings.onlineConcurrency) {
                    group.addTask {
                        for await job in self.queue { await self.grade(job) }
                    }
                }
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
    }

    /// Grades one sampled trace and stores the score.
    func grade(_ job: Job) async {
        guard let (gateway, tap, signals) = gateway.withLock({ $0 }) else { return }
        let transport = SpendCountingTransport(
            inner: GatewayEvalTransport(gateway: gateway, tap: tap, session: "online-eval", tags: "eval,online-eval"), onCost: { self.add($0) })
        let evaluator = AssertionEvaluator(
            judge: TransportJudge(transport: transport, defaultModel: settings.judgeModel),
            embedder: TransportEmbedder(transport: transport, defaultModel: settings.embeddingModel))
        let context = EvalTestContext(vars: job.trace.prompt?.variables ?? [:], messages: job.trace.sentMessages(from: gateway.snapshot.prompts))
        let verdicts = await evaluator.evaluate(job.rule.assertions, output: Self.output(of: job.trace), test: context)
        let verdict = EvalGrader.grade(verdicts)
        if verdict.hasErrors && verdicts.allSatisfy(\.isError) {
            counters.withLock { $0.failed += 1 }
            logger.warning(
                "an online eval could not grade a trace",
                metadata: ["eval": "\(job.rule.name)", "trace_id": "\(job.trace.id)", "reason": "\(verdict.reason)"])
            return
        }
        let score = Score(
            traceID: job.trace.id, name: job.rule.name, value: verdict.score, dataType: .numeric, source: .eval,
            comment: "\(verdict.pass ? "pass" : "fail"): \(verdict.reason)")
        do {
            try await store.insertScore(score)
            counters.withLock { $0.scored += 1 }
            signals.recordScore(job.rule.name, value: verdict.score, scopes: RequestSignal.scopes(of: job.trace))
            // A label a rollout splits: the verdict feeds the arms' quality figures and guard.
            if let use = job.trace.prompt, let label = use.label {
                gateway.rollouts.recordQuality(prompt: use.name, label: label, version: use.version, score: verdict.score)
            }
        } catch {
            counters.withLock { $0.failed += 1 }
            logger.error("an online eval's score could not be stored", metadata: ["eval": "\(job.rule.name)", "error": "\(error)"])
        }
    }

    /// What a trace's answer was, as assertions see it.
    static func output(of trace: Trace) -> EvalOutput {
        let toolCalls = (trace.output["tool_calls"]?.arrayValue ?? []).compactMap { call -> EvalToolCall? in
            guard let name = call["function"]?["name"]?.stringValue ?? call["name"]?.stringValue else { return nil }
            return EvalToolCall(name: name, arguments: call["function"]?["arguments"] ?? call["arguments"] ?? .object([:]))
        }
        return EvalOutput(
            text: EvalTestContext.text(of: trace.output["content"]) ?? "", toolCalls: toolCalls, finishReason: trace.finishReason,
            costUSD: trace.costUSD, latencyMs: trace.latencyMs, promptTokens: trace.usage.promptTokens,
            completionTokens: trace.usage.completionTokens)
    }

    private static func today() -> Int { Int(Date().timeIntervalSince1970 / 86_400) }

    private func isOverBudget() -> Bool {
        let day = Self.today()
        return spend.withLock { $0.day == day && $0.usd >= settings.onlineDailyCostUSD }
    }

    private func add(_ usd: Double) {
        let day = Self.today()
        spend.withLock { spend in
            if spend.day != day { spend = (day, 0) }
            spend.usd += usd
        }
    }
}

/// A transport that reports the cost of each call it makes (the online evals' daily cap).
struct SpendCountingTransport: EvalTransport {
    let inner: any EvalTransport
    let onCost: @Sendable (Double) -> Void

    func chat(_ body: JSONObject) async throws(EvalCallError) -> EvalAnswer {
        let answer = try await inner.chat(body)
        if let cost = answer.output.costUSD { onCost(cost) }
        return answer
    }

    func embed(_ body: JSONObject) async throws(EvalCallError) -> JSONValue { try await inner.embed(body) }
}
