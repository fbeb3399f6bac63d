import Foundation
import KeelCore
import KeelMonitor
import KeelStore
import Testing

struct SignalBookTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func trace(
        _ id: String, at offset: TimeInterval, model: String = "smart", status: String = "ok", httpStatus: Int = 200, latency: Double = 100,
        attempts: [(String, Trace.Attempt.Outcome)] = [("up/echo", .ok)], answer: String = "Sure, here it is.", cost: Double? = 0.002,
        prompt: Trace.PromptUse? = nil
    ) -> Trace {
        let answered = attempts.last { $0.1 == .ok }?.0 ?? attempts.last?.0
        let parts = answered?.split(separator: "/").map(String.init)
        var trace = Trace(
            id: id, startedAt: now.addingTimeInterval(offset - latency / 1000), latencyMs: latency, model: model, provider: parts?.first,
            upstreamModel: parts?.last, status: status, httpStatus: httpStatus, finishReason: status == "ok" ? "stop" : nil,
            usage: Trace.Usage(promptTokens: 30, completionTokens: 10), costUSD: cost, output: ["content": .string(answer)],
            attempts: attempts.map { target, outcome in
                let split = target.split(separator: "/").map(String.init)
                return Trace.Attempt(provider: split[0], upstreamModel: split[1], outcome: outcome, latencyMs: 10)
            })
        trace.prompt = prompt
        return trace
    }

    @Test func aWindowSumsItsSlotsByOutcomeAndCancellationsAreNobodysFailure() {
        let book = SignalBook()
        for index in 0..<8 { book.record(Self.trace("ok\(index)", at: -Double(index))) }
        book.record(Self.trace("failed", at: -1, status: "api_error", httpStatus: 502, attempts: [("up/echo", .error)]))
        for index in 0..<20 { book.record(Self.trace("gone\(index)", at: -2, status: "client_cancelled", httpStatus: 499, latency: 30_000)) }
        book.record(Self.trace("limited", at: -1, status: "rate_limit_error", httpStatus: 429, attempts: []))
        book.record(Self.trace("old", at: -100))

        let figures = book.figures(.model, "smart", window: 10, now: Self.now)
        #expect(figures.requests == 30 && figures.succeeded == 8 && figures.failed == 1 && figures.cancelled == 20 && figures.rejected == 1)
        #expect(figures.errorRate == 1.0 / 9.0)
        // Cancelled requests' half-minute waits are not the model's latency.
        #expect((figures.latency.quantile(0.99) ?? 0) < 110)
        #expect(figures.tokensPerRequest == 40)
        #expect(abs((figures.costPerRequest ?? 0) - 0.002) < 1e-12)
        #expect(book.figures(.model, "smart", window: 200, now: Self.now).requests == 31)
    }

    @Test func aFailoverHidesAnOutageFromClientsButNotFromTheTarget() {
        let book = SignalBook()
        for index in 0..<10 {
            book.record(Self.trace("f\(index)", at: -1, attempts: [("down/gpt", .error), ("up/echo", .ok)]))
            book.record(Self.trace("s\(index)", at: -1, attempts: [("down/gpt", .skipped), ("up/echo", .ok)]))
        }
        #expect(book.figures(.model, "smart", window: 10, now: Self.now).errorRate == 0)
        let down = book.figures(.target, "down/gpt", window: 10, now: Self.now)
        #expect(down.attempts == 20 && down.failedAttempts == 20 && down.attemptErrorRate == 1)
        #expect(down.requests == 0)
        let up = book.figures(.target, "up/echo", window: 10, now: Self.now)
        #expect(up.attemptErrorRate == 0 && up.requests == 20)
        let rows = book.figures(groupBy: .target, window: 10, now: Self.now)
        #expect(Set(rows.map(\.key)) == ["down/gpt", "up/echo"])
    }

    @Test func refusalsPromptVersionsAndScoresAreCounted() {
        let book = SignalBook()
        let use = Trace.PromptUse(name: "support-reply", version: 3, label: "production")
        book.record(Self.trace("r1", at: -1, answer: "I'm sorry, but I can't help with that.", prompt: use))
        book.record(Self.trace("r2", at: -1, answer: "Revoke the old key.", prompt: use))
        let figures = book.figures(.prompt, "support-reply@3", window: 10, now: Self.now)
        #expect(figures.refused == 1 && figures.refusalRate == 0.5)
        let scopes = RequestSignal(trace: Self.trace("r3", at: -1, prompt: use)).scopes
        book.recordScore("helpful", value: 1, scopes: scopes, at: Self.now)
        book.recordScore("helpful", value: 0, scopes: scopes, at: Self.now)
        #expect(book.figures(.prompt, "support-reply@3", window: 10, now: Self.now).scores["helpful"]?.mean == 0.5)
        #expect(book.figures(.none, "all", window: 10, now: Self.now).scores["helpful"]?.count == 2)
    }

    @Test func slotsPastTheHorizonAreForgottenAndScopesAreBounded() {
        let book = SignalBook(settings: .init(resolution: 1, horizon: 60, maxScopesPerDimension: 3))
        for index in 0..<5 { book.record(Self.trace("m\(index)", at: -1, model: "model-\(index)")) }
        #expect(book.scopes(of: .model) == [SignalBook.overflowScope, "model-0", "model-1", "model-2"])
        #expect(book.figures(.model, SignalBook.overflowScope, window: 60, now: Self.now).requests == 2)
        // Much later traffic prunes what is past the horizon.
        book.record(Self.trace("late", at: 600, model: "model-0"))
        #expect(book.figures(.model, "model-1", window: 60, now: Self.now.addingTimeInterval(600)).requests == 0)
        #expect(book.figures(.model, "model-0", window: 60, now: Self.now.addingTimeInterval(600)).requests == 1)
    }

    @Test func percentilesComeFromTheLatencyBucketsWithinFivePercent() {
        var latencies = SparseLatencies()
        for value in 1...1000 { latencies.add(Double(value)) }
        let p95 = latencies.quantile(0.95) ?? 0
        #expect(abs(p95 - 950) / 950 < 0.05)
        // Bucket-exact: between the samples above 900 ms × 1.05 and above 900 ms ÷ 1.05.
        let above = latencies.count(above: 900)
        #expect(above >= 1000 - 945 && above <= 1000 - 857, "\(above)")
    }
}
