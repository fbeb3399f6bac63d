import Foundation
import KeelCore
import KeelMonitor
import KeelStore
import KeelTestSupport
import Testing

/// A batch of traces is summed by scopes and slot before it reaches the book: whatever the
/// batches, the book (and its mirror) must hold what recording each trace alone gives.
struct SignalBatchTests {
    /// Mixed traffic over two minutes: models, keys, teams, prompt versions, outcomes, failovers.
    /// Costs are multiples of 1/1024, so that sums in any order are the same number.
    static func traffic(count: Int, seed: UInt64) -> [Trace] {
        var random = SeededRandom(seed: seed)
        let outcomes: [(status: String, http: Int)] = [
            ("ok", 200), ("ok", 200), ("api_error", 502), ("client_cancelled", 499), ("rate_limit_error", 429),
        ]
        let prompts: [Trace.PromptUse?] = [nil, Trace.PromptUse(name: "p", version: 1), Trace.PromptUse(name: "p", version: 2)]
        return (0..<count).map { index in
            let outcome = outcomes.randomElement(using: &random)!
            let attempts: [(String, Trace.Attempt.Outcome)] =
                outcome.http == 429 ? [] : Bool.random(using: &random) ? [("up/echo", .error), ("other/echo", .ok)] : [("up/echo", .ok)]
            var trace = SignalBookTests.trace(
                "t\(index)", at: -Double(Int.random(in: 0..<120, using: &random)), model: ["smart", "fast"].randomElement(using: &random)!,
                status: outcome.status, httpStatus: outcome.http, latency: Double(Int.random(in: 1..<5000, using: &random)), attempts: attempts,
                answer: Int.random(in: 0..<10, using: &random) == 0 ? "I can't help with that." : "Sure.",
                cost: Bool.random(using: &random) ? Double(Int.random(in: 1..<64, using: &random)) / 1024 : nil,
                prompt: prompts.randomElement(using: &random)!)
            trace.apiKeyID = ["k1", "k2", "k3", nil].randomElement(using: &random)!
            trace.apiTeam = trace.apiKeyID == nil ? nil : ["red", "blue"].randomElement(using: &random)!
            trace.ttftMs = Bool.random(using: &random) ? Double(Int.random(in: 1..<500, using: &random)) : nil
            return trace
        }
    }

    /// Every scope's figures over three windows, by name (figures compare as values: their
    /// latency buckets are dictionaries, whose printed order says nothing).
    static func contents(of book: SignalBook) -> [String: SignalFigures] {
        var contents: [String: SignalFigures] = [:]
        for dimension in SignalDimension.allCases {
            for window in [10.0, 60, 3600] {
                for row in book.figures(groupBy: dimension, window: window, now: SignalBookTests.now) {
                    contents["\(dimension) \(window) \(row.key)"] = row.figures
                }
            }
        }
        return contents
    }

    static func book(maxScopes: Int) -> SignalBook {
        SignalBook(
            settings: SignalBook.Settings(resolution: 1, horizon: 3600, maxScopesPerDimension: maxScopes),
            mirror: SignalBook(settings: SignalBook.Settings(resolution: 7, horizon: 7200, maxScopesPerDimension: maxScopes)))
    }

    /// `runs`: each trace comes up to that many times in a row (like traffic in runs, as a
    /// batch usually holds it), else once.
    @Test(arguments: [(UInt64(1), 1000, 1), (2, 1000, 1), (3, 2, 1), (4, 1000, 4), (5, 2, 4)])
    func batchesHoldWhatEachTraceAloneGives(seed: UInt64, maxScopes: Int, runs: Int) throws {
        var repeats = SeededRandom(seed: seed &+ 7)
        let traces = Self.traffic(count: 600 / runs, seed: seed).flatMap { trace in
            Array(repeating: trace, count: Int.random(in: 1...runs, using: &repeats))
        }
        let alone = Self.book(maxScopes: maxScopes)
        for trace in traces { alone.record(trace) }
        let whole = Self.book(maxScopes: maxScopes)
        whole.record(traces)
        let chunked = Self.book(maxScopes: maxScopes)
        var random = SeededRandom(seed: seed &+ 99)
        var start = 0
        while start < traces.count {
            let end = min(traces.count, start + Int.random(in: 1...64, using: &random))
            chunked.record(Array(traces[start..<end]))
            start = end
        }
        let expected = Self.contents(of: alone)
        #expect(expected.count > 30)
        #expect(Self.contents(of: whole) == expected)
        #expect(Self.contents(of: chunked) == expected)
        #expect(Self.contents(of: try #require(whole.mirror)) == Self.contents(of: try #require(alone.mirror)))
    }
}
