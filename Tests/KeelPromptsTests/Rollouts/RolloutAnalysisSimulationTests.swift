import Foundation
import KeelPrompts
import Testing

/// The guards' defaults, proven on seeded simulations: a broken candidate is stopped early, a
/// healthy one is almost never stopped by noise. Every run uses `RolloutGuards.standard`.
struct RolloutAnalysisSimulationTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func canary(stepRequests: Int) -> RolloutSpec {
        RolloutSpec(
            id: "ro_sim", subject: .prompt(name: "support-reply", label: "production", stable: 3, candidate: 4),
            mode: .canary(steps: [5, 25, 50, 100], advance: .requests(stepRequests)), createdAt: start)
    }

    @Test(arguments: [0.01, 0.02])
    func aCandidateFailingEveryRequestIsAbortedAtItsTenthRequest(stableErrorRate: Double) async {
        let simulation = RolloutSimulation(
            spec: Self.canary(stepRequests: 200), stable: ArmBehaviour(errorRate: stableErrorRate), candidate: ArmBehaviour(errorRate: 1))
        let results = await simulation.runs(seeds: (0..<1000).map { UInt64($0) })
        for (seed, result) in results.enumerated() { #expect(result.end == .aborted(.errorRate), "seed \(seed)") }
        #expect(results.map(\.candidateRequests).max() == 10)
    }

    @Test func aCandidateFailingHalfItsRequestsIsAbortedWithinItsFirst50() async {
        let simulation = RolloutSimulation(
            spec: Self.canary(stepRequests: 200), stable: ArmBehaviour(errorRate: 0.02), candidate: ArmBehaviour(errorRate: 0.5))
        let counts = await simulation.runs(seeds: (0..<1000).map { UInt64($0) }).map { result in
            #expect(result.end == .aborted(.errorRate))
            return result.candidateRequests
        }
        print("half failing: aborted by the \(counts.max()!)th candidate request at the latest, \(counts.reduce(0, +) / counts.count) on average")
        #expect(counts.max()! <= 50)
    }

    /// A full canary: 1,000 candidate requests per step, 3,000 in all and some 26,000 requests
    /// with the stable arm's; 1,000 seeds per error rate.
    @Test(arguments: [0.01, 0.05, 0.10])
    func aHealthyCandidateIsAlmostNeverAbortedByNoise(errorRate: Double) async {
        let simulation = RolloutSimulation(
            spec: Self.canary(stepRequests: 1000), stable: ArmBehaviour(errorRate: errorRate), candidate: ArmBehaviour(errorRate: errorRate))
        let results = await simulation.runs(seeds: (0..<1000).map { UInt64($0) + 10_000 })
        let aborted = results.filter { $0.end != .promoted }.count
        print("healthy candidate at \(errorRate): \(aborted) of 1000 runs aborted")
        #expect(aborted < 10)
    }

    /// The other side of the trade: a candidate a few points worse than the tolerance allows is
    /// still caught within the canary, at 1,000 candidate requests per step.
    @Test func aCandidateEightPointsWorseIsAbortedWithinTheCanary() async {
        let simulation = RolloutSimulation(
            spec: Self.canary(stepRequests: 1000), stable: ArmBehaviour(errorRate: 0.01), candidate: ArmBehaviour(errorRate: 0.09))
        let results = await simulation.runs(seeds: (0..<200).map { UInt64($0) + 20_000 })
        let aborted = results.filter { $0.end == .aborted(.errorRate) }.map(\.candidateRequests).sorted()
        print(
            "9% vs 1%: \(aborted.count) of 200 aborted, at the \(aborted[aborted.count / 2])th candidate request (median), \(aborted.last!)th at the latest"
        )
        #expect(aborted.count == 200)
    }
}
