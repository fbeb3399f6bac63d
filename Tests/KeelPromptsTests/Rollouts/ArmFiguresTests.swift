import Foundation
import KeelCore
import KeelPrompts
import KeelTestSupport
import Testing

struct ArmFiguresTests {
    @Test func cancelledRequestsAreNotCountedAndFailuresHaveNoLatencyOrCost() {
        var figures = ArmFigures()
        figures.record(.succeeded(latencyMs: 100, costUSD: 0.01, promptTokens: 10, completionTokens: 5))
        figures.record(.failed(latencyMs: 3))
        figures.record(RolloutOutcome(ending: .cancelled, latencyMs: 50))
        #expect(figures.requests == 2 && figures.errors == 1 && figures.cancelled == 1)
        #expect(figures.errorRate == 0.5)
        #expect(figures.latency.total == 1 && figures.cost.count == 1 && figures.costPerRequestUSD == 0.01)
        #expect(figures.promptTokens == 10 && figures.completionTokens == 5)
    }

    @Test func quantilesAreWithinTheBucketWidth() {
        var histogram = LatencyHistogram()
        var random = SeededRandom(seed: 7)
        var samples: [Double] = []
        for _ in 0..<20_000 {
            let latency = random.logNormal(median: 800, sigma: 0.6)
            samples.append(latency)
            histogram.add(latency)
        }
        samples.sort()
        for q in [0.5, 0.95, 0.99] {
            let exact = samples[Int(q * Double(samples.count)) - 1]
            let estimate = try! #require(histogram.quantile(q))
            #expect(abs(estimate / exact - 1) < 0.03, "q\(q): \(estimate) vs \(exact)")
        }
        #expect(LatencyHistogram().quantile(0.5) == nil)
    }

    @Test func histogramsAddUp() {
        var a = LatencyHistogram()
        var b = LatencyHistogram()
        var both = LatencyHistogram()
        for value in stride(from: 1.0, to: 2000, by: 7) {
            a.add(value)
            both.add(value)
        }
        for value in stride(from: 500.0, to: 9000, by: 13) {
            b.add(value)
            both.add(value)
        }
        a.merge(b)
        #expect(a == both)
        #expect(LatencyHistogram(json: both.json) == both)
    }

    @Test func theMeanAndItsStandardError() {
        var mean = MeanFigures()
        for value in [2.0, 4, 4, 4, 5, 5, 7, 9] { mean.add(value) }
        #expect(mean.mean == 5)
        // Sample standard deviation sqrt(32/7), over sqrt(8).
        #expect(abs(mean.standardError! - (32.0 / 7).squareRoot() / 8.0.squareRoot()) < 1e-12)
        #expect(MeanFigures(json: mean.json) == mean)
    }

    @Test func figuresRoundTripThroughJSON() throws {
        var figures = ArmFigures()
        var random = SeededRandom(seed: 1)
        for index in 0..<500 {
            figures.record(index % 17 == 0 ? .failed(latencyMs: 20) : ArmBehaviour(errorRate: 0).outcome(&random))
        }
        let decoded = ArmFigures(json: try JSONValue.parse(figures.json.encodedString()))
        #expect(decoded == figures)
        let summary = figures.summary
        #expect(summary["requests"] == 500 && summary["errors"] == 30)
        #expect(summary["latency_ms"]?["samples"] == 470 && summary["latency_ms"]?["p95"]?.doubleValue != nil)
        #expect(summary["cost_per_request_usd"]?["samples"] == 470)
    }
}
