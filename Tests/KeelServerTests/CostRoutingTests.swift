import Foundation
import KeelCore
import Testing

/// A router model: simple requests to a cheap model, hard ones to a frontier one, the decision
/// on the trace.
@Suite struct CostRoutingTests {
    static func start() async throws -> GatewayHarness {
        try await GatewayHarness.start(
            models: """
                  - {name: cheap, targets: [{provider: inproc, model: cheap-model}]}
                  - {name: smart, targets: [{provider: inproc, model: smart-model}]}
                  - name: auto
                    router:
                      default: cheap
                      rules:
                        - {when: {has_tools: true}, use: smart}
                        - {when: {input_tokens_over: 200}, use: smart}
                        - {when: {last_user_matches: "(?i)\\\\b(prove|step by step)\\\\b"}, use: smart}
                        - {when: {header: {name: x-tier, equals: premium}}, use: smart}
                """)
    }

    @Test func rulesPickTheModelAndTheTraceSaysWhy() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let simple = try await harness.chat("auto", "what time zone is Lisbon in?")
        #expect(simple.status == 200)
        #expect(simple.headers.first(name: "x-keel-upstream-model") == "cheap-model")
        let simpleTrace = try await harness.trace(try #require(simple.headers.first(name: "x-keel-trace-id")))
        #expect(simpleTrace["model"] == "cheap")
        #expect(simpleTrace["routing"]?["router"] == "auto" && simpleTrace["routing"]?["rule"] == "default")

        let hard = try await harness.chat("auto", "Prove that there are infinitely many primes.")
        #expect(hard.headers.first(name: "x-keel-upstream-model") == "smart-model")
        let hardTrace = try await harness.trace(try #require(hard.headers.first(name: "x-keel-trace-id")))
        #expect(hardTrace["routing"]?["rule"] == 2 && hardTrace["routing"]?["reasons"] == ["last_user_matches"])

        let long = try await harness.chat("auto", String(repeating: "context ", count: 200))
        #expect(long.headers.first(name: "x-keel-upstream-model") == "smart-model")
        let tools: JSONObject = [
            "tools": [["type": "function", "function": ["name": "lookup", "parameters": ["type": "object", "properties": [:]]]]]
        ]
        #expect(try await harness.chat("auto", "hi", extra: tools).headers.first(name: "x-keel-upstream-model") == "smart-model")
        #expect(try await harness.chat("auto", "hi", headers: ["x-tier": "premium"]).headers.first(name: "x-keel-upstream-model") == "smart-model")
        let (stream, _) = try await harness.streamChat("auto", "show it step by step")
        #expect(stream.headers.first(name: "x-keel-upstream-model") == "smart-model")
    }

    @Test(arguments: [
        ("- {name: auto, router: {default: nowhere}}", "models.auto.router.default", "unknown model"),
        ("- {name: a, router: {default: b}}\n- {name: b, router: {default: a}}", "models.a.router.default", "is a router itself"),
        ("- {name: auto, router: {default: m, rules: [{when: {}, use: m}]}}", "models[1].router.rules[0].when", "at least one condition"),
        (
            "- {name: auto, router: {default: m, rules: [{when: {last_user_matches: \"([\"}, use: m}]}}",
            "models[1].router.rules[0].when.last_user_matches", "invalid regular expression"
        ),
        ("- {name: auto, targets: [{provider: p, model: x}], router: {default: m}}", "models[1]", "not targets"),
    ])
    func badRoutersAreRefusedAtLoad(models: String, key: String, problem: String) {
        let yaml = "providers: [{name: p, kind: mock}]\nmodels:\n- {name: m, targets: [{provider: p, model: x}]}\n" + models
        do {
            _ = try ConfigLoader.parse(yaml: yaml, file: "k.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.key == key, "\(error)")
            #expect(error.problem.contains(problem), "\(error.problem)")
        }
    }
}
