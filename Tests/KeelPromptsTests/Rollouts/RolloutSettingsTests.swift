import Foundation
import KeelCore
import KeelPrompts
import KeelTestSupport
import Testing

/// The `rollouts:` block, the start flags and the stored spec.
struct RolloutSettingsTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let prompt = RolloutSpec.Subject.prompt(name: "support-reply", label: "production", stable: 3, candidate: 4)

    @Test func anEmptyBlockIsTheStandardGuards() throws {
        #expect(try RolloutGuards(defaults: [:]) == .standard)
        let defaults = try RolloutDefaults([:])
        #expect(defaults.steps == [5, 25, 50, 100] && defaults.advance == .requests(200) && defaults.sticky == .none)
    }

    @Test func aBlockChangesTheKeysItNamesAndTurnsGuardsOff() throws {
        let guards = try RolloutGuards(defaults: [
            "error_rate": ["tolerance": 0.05], "p95_latency": ["tolerance_ms": .null, "min_samples": 100], "cost_per_request": false,
            "quality_score": ["tolerance": 0.2], "steps": [10, 50],
        ])
        #expect(guards.errorRate == RolloutGuards.ErrorRate(tolerance: 0.05, minSamples: 10))
        #expect(guards.p95Latency == RolloutGuards.Latency(toleranceRatio: 1.5, toleranceMs: nil, minSamples: 100))
        #expect(guards.costPerRequest == nil)
        #expect(guards.qualityScore == RolloutGuards.Quality(tolerance: 0.2, minSamples: 30))
        let defaults = try RolloutDefaults(["steps": [10, 50], "step_minutes": 15, "sticky": "user"])
        #expect(defaults.steps == [10, 50, 100] && defaults.advance == .minutes(15) && defaults.sticky == .user)
    }

    static let wrongBlocks: [(JSONObject, String)] = [
        (["error_rate": ["tolerance": 2]], "rollouts.error_rate.tolerance: must be a number from 0 to 1 (got 2)"),
        (["error_rate": ["tolerence": 0.1]], "rollouts.error_rate.tolerence: unknown key (expected one of tolerance, min_samples)"),
        (["p95_latency": ["tolerance_ratio": 0.5]], "rollouts.p95_latency.tolerance_ratio: must be a ratio of at least 1 (1.5 = 50% more) (got 0.5)"),
        (
            ["p95_latency": ["tolerance_ratio": .null, "tolerance_ms": .null]],
            "rollouts.p95_latency: give tolerance_ratio, tolerance_ms or both (or p95_latency: false)"
        ),
        (["cost_per_request": ["min_samples": 0]], "rollouts.cost_per_request.min_samples: must be a whole number from 1 to 1000000 (got 0)"),
        (
            ["cost_per_request": "high"],
            "rollouts.cost_per_request: must be an object of tolerance_ratio, min_samples, or false to turn it off (got string)"
        ),
        (
            ["latency": [:]],
            "rollouts.latency: unknown key (expected one of error_rate, p95_latency, cost_per_request, quality_score, steps, step_requests, step_minutes, sticky)"
        ),
        (["steps": [50, 25]], "rollouts.steps: steps must increase (50 then 25)"),
        (["steps": [5, 150]], "rollouts.steps: each step is a percentage above 0 and at most 100 (got 150)"),
        (["step_requests": 10, "step_minutes": 5], "rollouts: give step_requests or step_minutes, not both"),
        (["sticky": "ip"], "rollouts.sticky: must be none, user or session (got \"ip\")"),
    ]

    @Test(arguments: wrongBlocks)
    func errorsNameTheKey(block: JSONObject, message: String) {
        #expect(throws: RolloutConfigError(message)) { try RolloutDefaults(block) }
    }

    @Test func flagsMakeASpecOverTheDefaults() throws {
        var flags = RolloutFlags()
        flags.weight = 2
        flags.stepMinutes = 10
        flags.sticky = "session"
        flags.maxErrorRateIncrease = 0.01
        flags.minSamples = 40
        let defaults = try RolloutDefaults(["cost_per_request": false])
        let spec = try flags.spec(id: "ro_1", subject: Self.prompt, defaults: defaults, now: Self.now)
        #expect(spec.mode == .canary(steps: [2, 5, 25, 50, 100], advance: .minutes(10)))
        #expect(spec.sticky == .session)
        #expect(spec.guards.errorRate == RolloutGuards.ErrorRate(tolerance: 0.01, minSamples: 40))
        #expect(spec.guards.p95Latency?.minSamples == 40)
        #expect(spec.guards.costPerRequest == nil)

        var shadow = RolloutFlags()
        shadow.shadow = true
        #expect(try shadow.spec(id: "ro_2", subject: .model(name: "smart", candidateTarget: "anthropic/claude-x"), now: Self.now).mode == .shadow)
    }

    static func flags(_ change: (inout RolloutFlags) -> Void) -> RolloutFlags {
        var flags = RolloutFlags()
        change(&flags)
        return flags
    }

    static let wrongFlags: [(RolloutFlags, String)] = [
        (flags { $0.steps = "5,x,100" }, "--steps: must be percentages separated by commas, e.g. 5,25,50,100 (got \"5,x,100\")"),
        (
            flags {
                $0.steps = "5,25"
                $0.weight = 10
            }, "--weight: is the first step; --steps starts at 5, not 10"
        ),
        (flags { $0.weight = 0 }, "--weight: must be a percentage above 0 and at most 100 (got 0)"),
        (
            flags {
                $0.stepRequests = 10
                $0.stepMinutes = 1
            }, "--step-requests: give --step-requests or --step-minutes, not both"
        ),
        (
            flags {
                $0.shadow = true
                $0.weight = 5
            }, "--weight: a --shadow rollout sends no traffic to the candidate; drop --weight"
        ),
        (flags { $0.sticky = "ip" }, "--sticky: must be user, session or none (got \"ip\")"),
        (flags { $0.maxLatencyRatio = 0.9 }, "--max-latency-ratio: must be a ratio of at least 1 (1.5 = 50% more) (got 0.9)"),
        (flags { $0.minSamples = 0 }, "--min-samples: must be a whole number from 1 to 1000000 (got 0)"),
    ]

    @Test(arguments: wrongFlags)
    func flagErrorsNameTheFlag(flags: RolloutFlags, message: String) {
        #expect(throws: RolloutConfigError(message)) { try flags.spec(id: "ro_1", subject: Self.prompt, now: Self.now) }
    }

    static let storedSpecs: [RolloutSpec] = [
        RolloutSpec(id: "ro_1", subject: prompt, mode: .canary(steps: [0.5, 5, 100], advance: .requests(300)), sticky: .user, createdAt: now),
        RolloutSpec(
            id: "ro_2", subject: .model(name: "smart", candidateTarget: "openai/gpt-5-mini"), mode: .shadow,
            guards: RolloutGuards(
                errorRate: nil, p95Latency: RolloutGuards.Latency(toleranceRatio: nil, toleranceMs: 400, minSamples: 50), costPerRequest: nil,
                qualityScore: RolloutGuards.Quality(tolerance: 0.05, minSamples: 20)),
            createdAt: now.addingTimeInterval(0.25)),
        RolloutSpec(id: "ro_3", subject: prompt, mode: .canary(steps: [10, 100], advance: .minutes(2.5)), sticky: .session, createdAt: now),
    ]

    @Test(arguments: storedSpecs)
    func specsRoundTripThroughJSON(spec: RolloutSpec) throws {
        let stored = spec.json.encodedString()
        #expect(try RolloutSpec(json: JSONValue.parse(stored)) == spec)
        #expect(spec.subject.key == (spec.id == "ro_2" ? "model:smart" : "prompt:support-reply:production"))
    }

    @Test func stateRoundTripsThroughJSON() throws {
        var rollout = Rollout(spec: RolloutSpec(id: "ro_1", subject: Self.prompt, mode: .shadow, createdAt: Self.now), now: Self.now)
        var random = SeededRandom(seed: 3)
        for index in 0..<40 {
            let behaviour = ArmBehaviour(errorRate: 0.05)
            _ = rollout.recordShadow(
                stable: behaviour.outcome(&random), candidate: behaviour.outcome(&random), similarity: 0.9,
                now: Self.now.addingTimeInterval(Double(index)))
        }
        _ = rollout.abort(reason: "wrong tone", now: Self.now.addingTimeInterval(100))
        let decoded = try RolloutState(json: JSONValue.parse(rollout.state.json.encodedString()))
        #expect(decoded == rollout.state)
        #expect(throws: RolloutConfigError.self) { try RolloutState(json: ["step": 1]) }
    }
}
