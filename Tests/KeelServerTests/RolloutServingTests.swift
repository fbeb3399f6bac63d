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

        // Served within two seconds of the start, then aborted by the error-rate guard.
        var candidateCalls = 0
        var sawCandidate = false
        var lastVersions: [String?] = []
        for _ in 0..<300 {
            let (version, status) = try await Self.call(harness)
            if version == "support-reply@2" {
                sawCandidate = true
                candidateCalls += 1
                #expect(status != 200)
            }
            lastVersions = Array((lastVersions + [version]).suffix(20))
            if sawCandidate && lastVersions.count == 20 && lastVersions.allSatisfy({ $0 == "support-reply@1" }) { break }
            if !sawCandidate { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(sawCandidate)
        #expect(candidateCalls <= 50, "the candidate served \(candidateCalls) requests before its abort")
        #expect(lastVersions.allSatisfy { $0 == "support-reply@1" })
        var aborted: [JSONValue] = []
        for _ in 0..<50 where aborted.isEmpty {
            aborted = try await Self.events(harness, kind: "rollout_aborted")
            try await Task.sleep(for: .milliseconds(100))
        }
        let detail = try #require(aborted.first?["detail"])
        #expect(detail["guard"] == "error_rate", "\(detail)")
        #expect(detail["candidate"]?["requests"]?.intValue ?? 0 >= 10)
        #expect(detail["stable"]?["requests"]?.intValue ?? 0 > 0)
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
    }
}
