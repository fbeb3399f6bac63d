import Foundation
import KeelCore
import Testing

/// Every assertion type, checked end to end through the gateway: answers from the mock
/// provider, judged by its `judge` model and compared by its embeddings.
struct EvalAssertionsTests {
    static let models = """
          - {name: smart, targets: [{provider: inproc, model: echo}]}
          - {name: judge, targets: [{provider: inproc, model: judge}]}
          - {name: embed, targets: [{provider: inproc, model: embed}]}
        """

    static let textSuite = #"""
        description: every assertion on text
        model: smart
        tests:
          - description: a plain answer
            vars: {old: old one}
            messages: [{role: user, content: "Rotate the key: revoke the {{old}}, then create a new one."}]
            assert:
              - {type: equals, value: "Rotate the key: revoke the old one, then create a new one."}
              - {type: contains, value: revoke}
              - {type: not-contains, value: acme}
              - {type: icontains, value: ROTATE}
              - {type: contains-any, value: [zebra, revoke]}
              - {type: contains-all, value: [revoke, create]}
              - {type: icontains-any, value: "ZEBRA, REVOKE"}
              - {type: icontains-all, value: [REVOKE, CREATE]}
              - {type: starts-with, value: Rotate}
              - {type: regex, value: "re(voke|new)"}
              - {type: levenshtein, value: "Rotate the key: revoke the old one, then create a new key.", threshold: 5}
              - {type: similar, value: "Rotate the key: revoke the old one, then create a new one.", threshold: 0.9}
              - {type: llm-rubric, value: "revoke the old key"}
              - {type: factuality, value: "Revoke the old one and create a new one."}
              - {type: answer-relevance}
              - {type: not-is-refusal}
              - {type: finish-reason, value: stop}
              - {type: cost, threshold: 1}
              - {type: latency, threshold: 5000}
          - description: a JSON answer
            messages: [{role: user, content: "{\"steps\": 2, \"key\": \"new\"}"}]
            assert:
              - {type: is-json, value: {type: object, required: [steps], properties: {steps: {type: integer}}}}
              - {type: contains-json}
          - description: a grounded answer
            vars: {context: "Keys are rotated by revoking the old key and creating a new one."}
            messages: [{role: user, content: "Keys are rotated by revoking the old key and creating a new one."}]
            assert:
              - {type: context-faithfulness}
          - description: a refusal
            messages: [{role: user, content: "I'm sorry, but I can't help with that."}]
            assert:
              - {type: is-refusal}
        """#

    static let lookup = """
        name: lookup
        model: smart
        params:
          tools: [{type: function, function: {name: get_weather, parameters: {type: object, properties: {city: {type: string}}, required: [city]}}}]
        variables: {city: string}
        messages:
          - {role: user, content: "Weather in {{city}}?"}
        """

    static let toolSuite = """
        prompt: lookup@1
        tests:
          - vars: {city: Paris}
            assert:
              - {type: tool-call, value: {name: get_weather}}
              - {type: not-tool-call, value: send_email}
              - {type: finish-reason, value: tool_calls}
        """

    @Test func everyAssertionTypePassesWhereItShouldThroughTheGateway() async throws {
        let harness = try await GatewayHarness.start(models: Self.models, extra: "evals: {judge: {model: judge}, embedding: {model: embed}}")
        defer { harness.stop() }
        let workspace = EvalRunTests.Workspace(harness: harness)
        #expect(try await workspace.keel(["prompts", "push", try workspace.write(Self.lookup, "lookup.yaml")]).status == 0)
        let text = try workspace.write(Self.textSuite, "text.yaml")
        let tools = try workspace.write(Self.toolSuite, "tools.yaml")
        let reportPath = workspace.directory.appendingPathComponent("all.json").path
        let run = try await workspace.keel(["eval", "run", text, tools, "--output", reportPath])
        #expect(run.status == 0, "\(run.output)")

        let report = try workspace.report(reportPath)
        let runs = try #require(report["runs"]?.arrayValue)
        var seen = Set<String>()
        for run in runs {
            for result in run["results"]?.arrayValue ?? [] {
                for assertion in result["candidate"]?["assertions"]?.arrayValue ?? [] {
                    #expect(assertion["status"] == "pass", "\(result["description"] ?? .null): \(assertion)")
                    if let type = assertion["type"]?.stringValue { seen.insert(type.hasPrefix("not-") ? String(type.dropFirst(4)) : type) }
                }
            }
        }
        let all: Set<String> = [
            "equals", "contains", "icontains", "contains-any", "contains-all", "icontains-any", "icontains-all", "starts-with", "regex",
            "is-json", "contains-json", "tool-call", "levenshtein", "similar", "llm-rubric", "factuality", "answer-relevance",
            "context-faithfulness", "is-refusal", "finish-reason", "cost", "latency",
        ]
        #expect(seen == all, "missing: \(all.subtracting(seen))")
    }

    @Test func aJudgeThatDoesNotAnswerTheVerdictMakesItsAssertionAnErrorNeverAPass() async throws {
        let models = Self.models + "\n  - {name: chatty, targets: [{provider: inproc, model: \"reply-I think it is fine\"}]}"
        let harness = try await GatewayHarness.start(models: models, extra: "evals: {judge: {model: chatty}}")
        defer { harness.stop() }
        let workspace = EvalRunTests.Workspace(harness: harness)
        let suite = try workspace.write(
            "model: smart\ntests:\n  - messages: [{role: user, content: hello}]\n    assert:\n      - {type: llm-rubric, value: greets}\n      - {type: not-llm-rubric, value: greets}\n",
            "chatty.yaml")
        let reportPath = workspace.directory.appendingPathComponent("chatty.json").path
        let run = try await workspace.keel(["eval", "run", suite, "--output", reportPath])
        #expect(run.status == 100, "\(run.output)")
        let assertions = try workspace.report(reportPath)["results"]?[0]?["candidate"]?["assertions"]?.arrayValue ?? []
        #expect(assertions.count == 2 && assertions.allSatisfy { $0["status"] == "error" && $0["pass"] == false }, "\(assertions)")
    }
}
