import Foundation
import KeelCore
import Testing

/// A prompt version canaried behind its label by `keel rollouts`, served by a running
/// gateway: a failing candidate is aborted by the analysis with the reason recorded, a healthy
/// one advances through its steps to production.
struct RolloutServingTests {
    static let models = """
          - {name: smart, targets: [{provider: up, model: echo}]}
          - {name: broken, targets: [{provider: down, model: echo}]}
        """

    static func file(model: String, style: String) -> String {
        """
        name: support-reply
        model: \(model)
        variables: {question: string}
        messages:
          - {role: system, content: "Answer \(style)."}
          - {role: user, content: "{{question}}"}
        """
    }

    static func push(_ harness: GatewayHarness, _ source: String) async throws {
        let reply = try await TestHTTP.post(harness.gateway.baseURL + "/api/prompts", json: ["source": .string(source)])
        #expect(reply.status == 201, "\(reply.body)")
    }

    static func keel(_ harness: GatewayHarness, _ arguments: [String]) async throws -> String {
        let run = try await KeelProcess.run(arguments + ["--config", harness.configPath], environment: GatewayHarness.environment)
        #expect(run.status == 0, "\(arguments): \(run.output)")
        return run.output
    }

    /// The version that answered (`x-keel-prompt`), and the status.
    static func call(_ harness: GatewayHarness) async throws -> (version: String?, status: Int) {
        let reply = try await TestHTTP.post(
            harness.v1 + "/chat/completions",
            json: ["model": "smart", "messages": [], "prompt": ["id": "support-reply", "variables": ["question": "How?"]]])
        return (reply.headers.first(name: "x-keel-prompt"), reply.status)
    }

    static func events(_ harness: GatewayHarness, kind: String) async throws -> [JSONValue] {
        let reply = try await TestHTTP.get(harness.gateway.baseURL + "/api/events?limit=1000")
        return reply.json?["data"]?.arrayValue?.filter { $0["kind"]?.stringValue == kind } ?? []
    }

    @Test func aFailingCandidateIsAbortedByTheAnalysisAndAHealthyOneIsPromoted() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        try await Self.push(harness, Self.file(model: "smart", style: "briefly"))
        try await Self.push(harness, Self.file(model: "broken", style: "at length"))
        let started = try await Self.keel(harness, ["rollouts", "start", "support-reply", "--candidate", "2", "--steps", "50,100"])
        #expect(started.contains("support-reply production v1 -> v2 at 50%"), "\(started)")

        // The candidate fails every request it gets; the client never sees it (the stable
        // version answers), and the error-rate guard aborts the rollout.
        var aborted: [JSONValue] = []
        var statuses: Set<Int> = []
        let deadline = ContinuousClock.now + .seconds(10)
        while aborted.isEmpty && ContinuousClock.now < deadline {
            statuses.insert(try await Self.call(harness).status)
            aborted = try await Self.events(harness, kind: "rollout_aborted")
        }
        #expect(statuses == [200])
        let detail = try #require(aborted.first?["detail"])
        #expect(detail["guard"] == "error_rate", "\(detail)")
        let candidateRequests = detail["candidate"]?["requests"]?.intValue ?? 0
        #expect(candidateRequests >= 10 && candidateRequests <= 50, "\(detail)")
        #expect(detail["stable"]?["requests"]?.intValue ?? 0 > 0)
        let answered = try await harness.traces("prompt=support-reply@1") { traces in
            traces.contains { $0["attempts"]?.arrayValue?.first?["provider"] == "down" }
        }
        let fallback = try #require(answered.first { $0["attempts"]?.arrayValue?.first?["provider"] == "down" })
        #expect(fallback["status"] == "ok")
        #expect(fallback["attempts"]?.arrayValue?.last?["provider"] == "up")
        for _ in 0..<20 { #expect(try await Self.call(harness).version == "support-reply@1") }
        let status = try await Self.keel(harness, ["rollouts", "status", "support-reply", "--json"])
        #expect(try JSONValue.parse(status)["status"] == "aborted", "\(status)")

        // A healthy candidate goes through its steps to production.
        try await Self.push(harness, Self.file(model: "smart", style: "kindly"))
        _ = try await Self.keel(
            harness, ["rollouts", "start", "support-reply", "--candidate", "3", "--steps", "50,100", "--step-requests", "40"])
        var promoted = false
        for _ in 0..<600 where !promoted {
            _ = try await Self.call(harness)
            promoted = try await !Self.events(harness, kind: "rollout_promoted").isEmpty
        }
        #expect(promoted)
        let production = try await TestHTTP.get(harness.gateway.baseURL + "/api/prompts/support-reply")
        #expect(production.json?["version"] == 3, "\(production.body)")
        var served: String?
        for _ in 0..<40 where served != "support-reply@3" {
            served = try await Self.call(harness).version
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(served == "support-reply@3")
        // Every request's trace was handed over: a stop does not wait for a trace that a
        // candidate's failure announced and its stable retry never handed over.
        #expect(try await harness.gateway.terminateGracefully(timeout: .seconds(10)) == 0)
    }
}

/// A shadow rollout runs the candidate on a copy of each live request, after its answer and
/// never returned; both arms' figures and the similarity of their answers are kept.
struct ShadowRolloutTests {
    @Test func theCandidateRunsOnCopiesAndTheClientOnlySeesStable() async throws {
        let harness = try await GatewayHarness.start(models: RolloutServingTests.models)
        defer { harness.stop() }
        try await RolloutServingTests.push(harness, RolloutServingTests.file(model: "smart", style: "briefly"))
        try await RolloutServingTests.push(harness, RolloutServingTests.file(model: "smart", style: "kindly"))
        let started = try await RolloutServingTests.keel(harness, ["rollouts", "start", "support-reply", "--candidate", "2", "--shadow"])
        #expect(started.contains("v1 -> v2 in shadow mode"), "\(started)")
        var shadows: [JSONValue] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while shadows.count < 5 && ContinuousClock.now < deadline {
            #expect(try await RolloutServingTests.call(harness).version == "support-reply@1")
            shadows = try await TestHTTP.get(harness.gateway.baseURL + "/api/traces?tag=rollout-shadow").json?["data"]?.arrayValue ?? []
        }
        #expect(shadows.count >= 5)
        #expect(shadows.allSatisfy { $0["prompt"]?["version"] == 2 && $0["status"] == "ok" })
        var similarity: JSONValue?
        let persisted = ContinuousClock.now + .seconds(12)
        while similarity?["samples"]?.intValue ?? 0 == 0 && ContinuousClock.now < persisted {
            _ = try await RolloutServingTests.call(harness)
            let status = try await RolloutServingTests.keel(harness, ["rollouts", "status", "support-reply", "--json"])
            similarity = try JSONValue.parse(status)["similarity"]
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(similarity?["samples"]?.intValue ?? 0 > 0, "\(String(describing: similarity))")
        #expect(similarity?["mean"]?.doubleValue ?? 0 > 0.9)

        // The two answers side by side: over the API and from `keel rollouts pairs`.
        let id = try #require(try await TestHTTP.get(harness.gateway.baseURL + "/api/rollouts").json?["data"]?[0]?["id"]?.stringValue)
        var pairs = try await TestHTTP.get(harness.gateway.baseURL + "/api/rollouts/\(id)/pairs?limit=3")
        let written = ContinuousClock.now + .seconds(5)
        while pairs.json?["data"]?[0]?["stable"]?["status"] != "ok" && ContinuousClock.now < written {
            try await Task.sleep(for: .milliseconds(100))
            pairs = try await TestHTTP.get(harness.gateway.baseURL + "/api/rollouts/\(id)/pairs?limit=3")
        }
        let pair = try #require(pairs.json?["data"]?[0], "\(pairs.body)")
        #expect(pair["stable"]?["prompt_version"] == 1 && pair["candidate"]?["prompt_version"] == 2, "\(pairs.body)")
        #expect(pair["stable"]?["output"] == "How?" && pair["candidate"]?["output"] == "How?", "the mock echoes the question: \(pairs.body)")
        #expect(pair["similarity"]?.doubleValue ?? 0 > 0.9)
        let printed = try await RolloutServingTests.keel(harness, ["rollouts", "pairs", "support-reply", "--limit", "1"])
        #expect(printed.contains("stable") && printed.contains("candidate") && printed.contains("How?"), "\(printed)")
    }
}

/// The `rollouts:` block of keel.yaml sets what a rollout gets unless its flags say otherwise.
struct RolloutDefaultsConfigTests {
    @Test func theBlockSetsTheStepsAndABadBlockIsRefusedAtLoad() async throws {
        let harness = try await GatewayHarness.start(
            models: RolloutServingTests.models, extra: "rollouts: {steps: [10, 100], step_requests: 5, error_rate: {tolerance: 0.05}}")
        defer { harness.stop() }
        try await RolloutServingTests.push(harness, RolloutServingTests.file(model: "smart", style: "briefly"))
        try await RolloutServingTests.push(harness, RolloutServingTests.file(model: "smart", style: "kindly"))
        let started = try await RolloutServingTests.keel(harness, ["rollouts", "start", "support-reply", "--candidate", "2"])
        #expect(started.contains("v1 -> v2 at 10%"), "\(started)")

        let original = try String(contentsOfFile: harness.configPath, encoding: .utf8)
        try original.replacingOccurrences(of: "steps: [10, 100]", with: "steps: [50, 10]")
            .write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        let refused = try await KeelProcess.run(["rollouts", "list", "--config", harness.configPath], environment: GatewayHarness.environment)
        #expect(refused.status == 2)
        #expect(refused.output.contains("rollouts"), "\(refused.output)")
        let reload = try await TestHTTP.post(harness.gateway.baseURL + "/api/config/reload", json: [:])
        #expect(reload.status == 422)
    }
}

/// `keel rollouts start --model M --candidate-target PROVIDER/UPSTREAM` canaries a new upstream
/// behind a Keel model name with the same steps, guards and events.
struct ModelRolloutTests {
    static func call(_ harness: GatewayHarness) async throws -> TestHTTP.Reply {
        try await TestHTTP.post(harness.v1 + "/chat/completions", json: GatewayHarness.chatBody("smart", "hello"))
    }

    @Test func aFailingUpstreamIsAbortedUnseenAndAHealthyOneIsPromoted() async throws {
        let harness = try await GatewayHarness.start(models: RolloutServingTests.models)
        defer { harness.stop() }
        let refused = try await KeelProcess.run(
            ["rollouts", "start", "--model", "smart", "--candidate-target", "nowhere/echo", "--config", harness.configPath],
            environment: GatewayHarness.environment)
        #expect(refused.status != 0 && refused.output.contains("nowhere"), "\(refused.output)")
        let started = try await RolloutServingTests.keel(
            harness, ["rollouts", "start", "--model", "smart", "--candidate-target", "down/echo", "--steps", "50,100"])
        #expect(started.contains("model smart -> down/echo at 50%"), "\(started)")

        var aborted: [JSONValue] = []
        var statuses: Set<Int> = []
        let deadline = ContinuousClock.now + .seconds(10)
        while aborted.isEmpty && ContinuousClock.now < deadline {
            statuses.insert(try await Self.call(harness).status)
            aborted = try await RolloutServingTests.events(harness, kind: "rollout_aborted")
        }
        #expect(statuses == [200])
        let detail = try #require(aborted.first?["detail"])
        #expect(detail["guard"] == "error_rate")
        #expect(detail["subject"] == "model:smart")

        _ = try await RolloutServingTests.keel(
            harness, ["rollouts", "start", "--model", "smart", "--candidate-target", "inproc/echo", "--steps", "50,100", "--step-requests", "40"])
        var promoted = false
        let promotion = ContinuousClock.now + .seconds(20)
        while !promoted && ContinuousClock.now < promotion {
            _ = try await Self.call(harness)
            promoted = try await !RolloutServingTests.events(harness, kind: "rollout_promoted").isEmpty
        }
        #expect(promoted)
        // Promoted: the model's traffic goes to the candidate upstream until keel.yaml names it.
        var providers: Set<String> = []
        for _ in 0..<10 {
            let reply = try await Self.call(harness)
            providers.insert(reply.headers.first(name: "x-keel-provider") ?? "?")
        }
        #expect(providers == ["inproc"], "\(providers)")
    }
}
