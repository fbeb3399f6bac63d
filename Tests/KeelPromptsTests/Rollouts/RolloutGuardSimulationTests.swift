import Foundation
import KeelPrompts
import Testing

/// Latency and cost guards on seeded simulations, with lognormal noise (sigma 0.5) on both.
struct RolloutGuardSimulationTests {
    static let spec = RolloutSpec(
        id: "ro_sim", subject: .model(name: "smart", candidateTarget: "openai/gpt-next"),
        mode: .canary(steps: [5, 25, 50, 100], advance: .requests(500)), createdAt: Date(timeIntervalSince1970: 1_800_000_000))

    @Test func aCandidateThreeTimesSlowerIsAbortedOnLatency() async {
        var slow = ArmBehaviour(errorRate: 0.01)
        slow.medianLatencyMs *= 3
        let simulation = RolloutSimulation(spec: Self.spec, stable: ArmBehaviour(errorRate: 0.01), candidate: slow)
        let results = await simulation.runs(seeds: (0..<200).map { UInt64($0) })
        for (seed, result) in results.enumerated() { #expect(result.end == .aborted(.p95Latency), "seed \(seed)") }
        let latest = results.map(\.candidateRequests).max() ?? 0
        print("3x slower: aborted by the \(latest)th candidate request at the latest")
        // The 30 succeeded requests the guard needs, and a few more when the candidate's first are its fastest.
        #expect(latest <= 100)
    }

    @Test func aCandidateThreeTimesDearerIsAbortedOnCost() async {
        var dear = ArmBehaviour(errorRate: 0.01)
        dear.medianCostUSD *= 3
        let simulation = RolloutSimulation(spec: Self.spec, stable: ArmBehaviour(errorRate: 0.01), candidate: dear)
        let results = await simulation.runs(seeds: (0..<200).map { UInt64($0) })
        for (seed, result) in results.enumerated() { #expect(result.end == .aborted(.costPerRequest), "seed \(seed)") }
        let latest = results.map(\.candidateRequests).max() ?? 0
        print("3x dearer: aborted by the \(latest)th candidate request at the latest")
        #expect(latest <= 60)
    }

    @Test func aCandidateWithTheSameDistributionsIsPromoted() async {
        let simulation = RolloutSimulation(spec: Self.spec, stable: ArmBehaviour(errorRate: 0.02), candidate: ArmBehaviour(errorRate: 0.02))
        let aborted = await simulation.runs(seeds: (0..<300).map { UInt64($0) + 5000 }).filter { $0.end != .promoted }.count
        #expect(aborted == 0)
    }
}
