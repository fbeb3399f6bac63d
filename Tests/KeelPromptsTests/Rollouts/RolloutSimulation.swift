import Foundation
import KeelPrompts
import KeelTestSupport

extension SeededRandom {
    mutating func uniform() -> Double {
        Double(next() >> 11) / Double(UInt64(1) << 53)
    }

    /// exp(N(log median, sigma)), by Box-Muller.
    mutating func logNormal(median: Double, sigma: Double) -> Double {
        let u1 = max(uniform(), .leastNonzeroMagnitude)
        let u2 = uniform()
        let normal = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        return median * exp(sigma * normal)
    }
}

/// How an arm behaves in a simulation.
struct ArmBehaviour: Sendable {
    var errorRate: Double
    var medianLatencyMs = 800.0
    var medianCostUSD = 0.002
    /// The spread of latency and cost: lognormal sigma.
    var sigma = 0.5

    func outcome(_ random: inout SeededRandom) -> RolloutOutcome {
        let failed = random.uniform() < errorRate
        let latency = random.logNormal(median: medianLatencyMs, sigma: sigma)
        if failed { return .failed(latencyMs: latency / 4) }
        return .succeeded(
            latencyMs: latency, costUSD: random.logNormal(median: medianCostUSD, sigma: sigma), promptTokens: 500, completionTokens: 200)
    }
}

/// One simulated rollout: requests arrive, the rollout assigns each an arm, the arm's
/// behaviour decides the outcome, until the rollout ends or `maxRequests` have come.
struct RolloutSimulation: Sendable {
    enum End: Equatable {
        case promoted
        case aborted(RolloutGuardName)
        case stillActive
    }

    struct Result: Sendable {
        var end: End
        /// Counted candidate requests when the rollout ended.
        var candidateRequests: Int
        var totalRequests: Int
    }

    var spec: RolloutSpec
    var stable: ArmBehaviour
    var candidate: ArmBehaviour
    var maxRequests = 1_000_000

    /// Runs the seeds on a thread of its own: a thousand simulated canaries would otherwise hold
    /// one of the two cooperative threads for a minute, and starve the timers of the end-to-end
    /// tests running beside them (a gateway "did not start" in 20 s that had).
    func runs(seeds: [UInt64]) async -> [Result] {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: seeds.map(run)) }
        }
    }

    func run(seed: UInt64) -> Result {
        var random = SeededRandom(seed: seed)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var rollout = Rollout(spec: spec, now: start)
        for request in 0..<maxRequests {
            let now = start.addingTimeInterval(Double(request) * 0.05)
            let arm = rollout.assign(stickyKey: nil, random: random.uniform())
            let outcome = (arm == .stable ? stable : candidate).outcome(&random)
            for action in rollout.record(arm: arm, outcome: outcome, now: now) {
                switch action {
                case .promoted:
                    return Result(end: .promoted, candidateRequests: rollout.state.candidate.requests, totalRequests: request + 1)
                case .aborted(let name, _):
                    return Result(end: .aborted(name), candidateRequests: rollout.state.candidate.requests, totalRequests: request + 1)
                default: break
                }
            }
        }
        return Result(end: .stillActive, candidateRequests: rollout.state.candidate.requests, totalRequests: maxRequests)
    }
}
