import Foundation
import KeelCore
import KeelPrompts
import Testing

/// The state machine, driven by hand: no clock, no store, no sockets.
struct RolloutTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let healthy = RolloutOutcome.succeeded(latencyMs: 800, costUSD: 0.002, promptTokens: 100, completionTokens: 50)

    static func spec(_ mode: RolloutSpec.Mode, sticky: RolloutSpec.Sticky = .none, guards: RolloutGuards = .standard) -> RolloutSpec {
        RolloutSpec(
            id: "ro_test", subject: .prompt(name: "support-reply", label: "production", stable: 3, candidate: 4), mode: mode, sticky: sticky,
            guards: guards, createdAt: start)
    }

    static func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    /// Records `count` outcomes on an arm; returns every action.
    static func feed(_ rollout: inout Rollout, _ arm: Arm, _ outcome: RolloutOutcome, count: Int, at time: Double = 1) -> [RolloutAction] {
        (0..<count).flatMap { _ in rollout.record(arm: arm, outcome: outcome, now: at(time)) }
    }

    static func events(_ actions: [RolloutAction]) -> [String: JSONObject] {
        var events: [String: JSONObject] = [:]
        for case .event(let type, let payload) in actions { events[type] = payload }
        return events
    }

    @Test func aHealthyCanaryStepsThroughItsWeightsAndIsPromoted() {
        var rollout = Rollout(spec: Self.spec(.canary(steps: [5, 25, 100], advance: .requests(40))), now: Self.start)
        #expect(rollout.weight == 5)
        _ = Self.feed(&rollout, .stable, Self.healthy, count: 500)
        var actions = Self.feed(&rollout, .candidate, Self.healthy, count: 39)
        #expect(!actions.contains { if case .advanced = $0 { true } else { false } })
        actions = Self.feed(&rollout, .candidate, Self.healthy, count: 1, at: 2)
        #expect(actions.first == .advanced(step: 1, weight: 25))
        #expect(actions.contains(.persist(rollout.state)))
        let step = try! #require(Self.events(actions)["rollout_step"])
        #expect(step["weight"]?.doubleValue == 25 && step["step"] == 1 && step["candidate"]?["requests"] == 40 && step["stable"]?["requests"] == 500)
        #expect(step["analysis"]?.arrayValue?.count == 3)
        #expect(rollout.weight == 25 && rollout.state.candidateRequestsInStep == 0 && rollout.state.stepStartedAt == Self.at(2))

        actions = Self.feed(&rollout, .candidate, Self.healthy, count: 40, at: 3)
        #expect(actions.first == .promoted)
        #expect(Self.events(actions)["rollout_promoted"]?["weight"]?.doubleValue == 100)
        #expect(rollout.state.status == .promoted && rollout.state.endedAt == Self.at(3))
        #expect(rollout.assign(stickyKey: nil, random: 0.99) == .candidate)
        #expect(rollout.record(arm: .candidate, outcome: Self.healthy, now: Self.at(4)).isEmpty)
    }

    @Test func aStepWaitsForASampleTheGuardsCanJudge() {
        var rollout = Rollout(spec: Self.spec(.canary(steps: [5, 100], advance: .requests(5))), now: Self.start)
        _ = Self.feed(&rollout, .stable, Self.healthy, count: 500)
        // 5 requests make the step, but the error-rate guard needs 10 and latency and cost 30.
        #expect(Self.feed(&rollout, .candidate, Self.healthy, count: 29).isEmpty)
        #expect(rollout.currentReport().passes == false)
        #expect(Self.feed(&rollout, .candidate, Self.healthy, count: 1).first == .promoted)
    }

    @Test func aFailingCandidateIsAbortedAndEveryLaterRequestGoesToStable() throws {
        var rollout = Rollout(spec: Self.spec(.canary(steps: [5, 25, 50, 100], advance: .requests(200)), sticky: .user), now: Self.start)
        _ = Self.feed(&rollout, .stable, Self.healthy, count: 380)
        _ = Self.feed(&rollout, .stable, .failed(latencyMs: 30), count: 5)
        #expect(Self.feed(&rollout, .candidate, .failed(latencyMs: 30), count: 9).isEmpty)
        let actions = rollout.record(arm: .candidate, outcome: .failed(latencyMs: 30), now: Self.at(7))
        guard case .aborted(let name, let reason) = actions.first else {
            Issue.record("expected an abort, got \(actions)")
            return
        }
        #expect(name == .errorRate)
        #expect(reason.hasPrefix("candidate error rate 100.0% (10 of 10) is above the stable arm's 1.3% (5 of 385) by more than 2.0%"))
        let event = try #require(Self.events(actions)["rollout_aborted"])
        #expect(event["guard"] == "error_rate" && event["reason"] == .string(reason) && event["weight"]?.doubleValue == 5)
        #expect(event["candidate"]?["requests"] == 10 && event["stable"]?["requests"] == 385 && event["stable"]?["errors"] == 5)
        let verdict = try #require(event["analysis"]?.arrayValue?.first)
        #expect(verdict["verdict"] == "fail" && verdict["candidate_sample"] == 10 && verdict["stable_sample"] == 385)
        #expect(actions.contains(.persist(rollout.state)) && rollout.state.status == .aborted && rollout.state.abortedBy == .errorRate)

        #expect(rollout.weight == 0)
        for index in 0..<1000 { #expect(rollout.assign(stickyKey: "user-\(index)", random: 0) == .stable) }
        #expect(rollout.record(arm: .candidate, outcome: .failed(latencyMs: 1), now: Self.at(8)).isEmpty)
        #expect(rollout.promote(now: Self.at(9)).isEmpty)
    }

    @Test func minuteStepsAdvanceOnATick() {
        var rollout = Rollout(spec: Self.spec(.canary(steps: [10, 50, 100], advance: .minutes(5))), now: Self.start)
        _ = Self.feed(&rollout, .stable, Self.healthy, count: 300)
        _ = Self.feed(&rollout, .candidate, Self.healthy, count: 40)
        #expect(rollout.tick(now: Self.at(299)).allSatisfy { if case .persist = $0 { true } else { false } })
        #expect(rollout.tick(now: Self.at(300)).first == .advanced(step: 1, weight: 50))
        #expect(rollout.tick(now: Self.at(400)).isEmpty)
        #expect(rollout.tick(now: Self.at(600)).first == .promoted)
    }

    @Test func stickyKeysAreUsedOnlyWhenTheSpecSaysSo() {
        let sticky = Rollout(spec: Self.spec(.canary(steps: [50, 100], advance: .requests(10)), sticky: .user), now: Self.start)
        let loose = Rollout(spec: Self.spec(.canary(steps: [50, 100], advance: .requests(10))), now: Self.start)
        let arms = Set((0..<50).map { sticky.assign(stickyKey: "alice", random: Double($0) / 50) })
        #expect(arms.count == 1)
        #expect(loose.assign(stickyKey: "alice", random: 0.1) == .candidate && loose.assign(stickyKey: "alice", random: 0.9) == .stable)
    }

    @Test func manualAbortAndPromote() {
        var aborted = Rollout(spec: Self.spec(.canary(steps: [5, 100], advance: .requests(10))), now: Self.start)
        let actions = aborted.abort(reason: "tone is off", now: Self.at(5))
        #expect(actions.first == .aborted(guard: .manual, reason: "tone is off"))
        #expect(Self.events(actions)["rollout_aborted"]?["guard"] == "manual")
        #expect(aborted.abort(reason: "again", now: Self.at(6)).isEmpty)

        var promoted = Rollout(spec: Self.spec(.shadow), now: Self.start)
        #expect(promoted.promote(now: Self.at(5)).first == .promoted)
        #expect(promoted.state.status == .promoted && promoted.shadowsRequests == false)
    }

    @Test func shadowModeServesStableAndAbortsOnAFailingCandidate() {
        var rollout = Rollout(spec: Self.spec(.shadow), now: Self.start)
        #expect(rollout.shadowsRequests && rollout.weight == 0)
        #expect(rollout.assign(stickyKey: "alice", random: 0) == .stable)
        for index in 0..<100 {
            #expect(rollout.recordShadow(stable: Self.healthy, candidate: Self.healthy, similarity: 0.8, now: Self.at(Double(index) / 100)).isEmpty)
        }
        #expect(rollout.state.similarity.count == 100 && abs(rollout.state.similarity.mean! - 0.8) < 1e-9)
        #expect(rollout.state.status == .active)
        // A shadow rollout is never promoted by itself, however good the candidate.
        #expect(rollout.state.candidateRequestsInStep == 0)

        var broken = Rollout(spec: Self.spec(.shadow), now: Self.start)
        var last: [RolloutAction] = []
        for _ in 0..<30 where broken.state.status == .active {
            last = broken.recordShadow(stable: Self.healthy, candidate: .failed(latencyMs: 10), similarity: nil, now: Self.at(1))
        }
        #expect(broken.state.status == .aborted && broken.state.abortedBy == .errorRate)
        // Both arms have the same few requests, so the stable arm's bound is wide: later than a canary's 10, still early.
        #expect(broken.state.candidate.requests == 12)
        #expect(Self.events(last)["rollout_aborted"]?["similarity"]?["samples"] == 0)
    }

    @Test func figuresArePersistedAtMostEveryFiveSeconds() {
        var rollout = Rollout(spec: Self.spec(.canary(steps: [5, 100], advance: .requests(1000))), now: Self.start)
        var persisted: [Date] = []
        for tenth in 0..<200 {
            for case .persist(let state) in rollout.record(arm: .stable, outcome: Self.healthy, now: Self.at(Double(tenth) / 10)) {
                persisted.append(state.updatedAt)
            }
        }
        #expect(persisted == [Self.at(5), Self.at(10), Self.at(15)])
        // A tick writes what has waited since, once.
        #expect(rollout.tick(now: Self.at(30)).count == 1)
        #expect(rollout.tick(now: Self.at(40)).isEmpty)
    }

    @Test func aRolloutResumesFromItsStoredState() throws {
        var first = Rollout(spec: Self.spec(.canary(steps: [5, 25, 100], advance: .requests(40))), now: Self.start)
        _ = Self.feed(&first, .stable, Self.healthy, count: 500)
        _ = Self.feed(&first, .candidate, Self.healthy, count: 40)
        _ = Self.feed(&first, .candidate, Self.healthy, count: 25, at: 2)
        let stored = first.state.json.encodedString()
        let specText = first.spec.json.encodedString()

        var resumed = Rollout(spec: try RolloutSpec(json: JSONValue.parse(specText)), state: try RolloutState(json: JSONValue.parse(stored)))
        #expect(resumed.weight == 25 && resumed.state.candidateRequestsInStep == 25)
        #expect(Self.feed(&resumed, .candidate, Self.healthy, count: 15, at: 3).first == .promoted)
    }

    @Test func statusShowsBothArmsSideBySide() throws {
        var rollout = Rollout(spec: Self.spec(.canary(steps: [5, 100], advance: .requests(1000))), now: Self.start)
        _ = Self.feed(&rollout, .stable, Self.healthy, count: 100)
        _ = Self.feed(&rollout, .candidate, .succeeded(latencyMs: 900, costUSD: 0.003, promptTokens: 100, completionTokens: 70), count: 12)
        _ = Self.feed(&rollout, .candidate, RolloutOutcome(ending: .cancelled, latencyMs: 5), count: 2)
        let status = rollout.status
        #expect(status["status"] == "active" && status["weight"]?.doubleValue == 5 && status["steps"] == [5.0, 100.0])
        #expect(status["stable"]?["requests"] == 100 && status["candidate"]?["requests"] == 12 && status["candidate"]?["cancelled"] == 2)
        let p50 = try #require(status["candidate"]?["latency_ms"]?["p50"]?.doubleValue)
        #expect(abs(p50 - 900) < 25)
        #expect(status["candidate"]?["tokens"]?["completion"] == 840)
        let verdicts = try #require(status["analysis"]?.arrayValue)
        #expect(verdicts.map { $0["verdict"] } == ["pass", "insufficient_sample", "insufficient_sample"])
    }

    @Test func anotherProcesssAbortOrStepIsAdopted() {
        var here = Rollout(spec: Self.spec(.canary(steps: [5, 25, 100], advance: .requests(40))), now: Self.start)
        var there = here
        _ = Self.feed(&here, .stable, Self.healthy, count: 10)
        _ = Self.feed(&there, .stable, Self.healthy, count: 500)
        _ = Self.feed(&there, .candidate, Self.healthy, count: 40, at: 2)
        here.adopt(there.state)
        #expect(here.weight == 25 && here.state.stepStartedAt == Self.at(2))
        #expect(here.state.stable.requests == 10)

        _ = there.abort(reason: "by hand", now: Self.at(3))
        here.adopt(there.state)
        #expect(here.state.status == .aborted && here.state.abortedBy == .manual && here.assign(stickyKey: nil, random: 0) == .stable)
        // An older state read late changes nothing.
        var older = Rollout(spec: here.spec, now: Self.start)
        older.adopt(RolloutState(startedAt: Self.start))
        #expect(older.state == RolloutState(startedAt: Self.start))
    }
}
