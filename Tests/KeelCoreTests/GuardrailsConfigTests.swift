import KeelCore
import Testing

@Suite struct GuardrailsConfigTests {
    static let base = "providers: [{name: p, kind: mock}]\n"

    @Test func readsGlobalAndPerModelRules() throws {
        let config = try ConfigLoader.parse(
            yaml: Self.base + """
                guardrails:
                  input:
                    - {check: secrets, action: block}
                    - {check: pii, action: redact}
                  output:
                    - {check: pii, action: redact}
                models:
                  - {name: plain, targets: [{provider: p, model: x}]}
                  - name: support
                    targets: [{provider: p, model: x}]
                    guardrails:
                      input: [{check: regex, name: no-ticket-ids, pattern: "TCK-[0-9]+", action: redact}]
                """)
        #expect(config.guardrails.input == [GuardRule(check: "secrets", action: .block), GuardRule(check: "pii", action: .redact)])
        #expect(config.guardrails.output == [GuardRule(check: "pii", action: .redact)])
        #expect(config.model(named: "plain")?.guardrails == nil)
        #expect(
            config.model(named: "support")?.guardrails?.input == [
                GuardRule(check: "regex", action: .redact, name: "no-ticket-ids", pattern: "TCK-[0-9]+")
            ])
    }

    @Test func readsTheOptionsOfEachCheck() throws {
        let config = try ConfigLoader.parse(
            yaml: Self.base + """
                guardrails:
                  stream_window: 64
                  input:
                    - {check: injection, action: block, threshold: 0.7}
                    - {check: toxicity, action: flag, words: [dimwit]}
                    - {check: topics, name: politics, words: [election, "vote for"], action: block}
                    - {check: classifier, model: judge, action: block}
                  output:
                    - check: schema
                      action: block
                      schema: {type: object, required: [answer], properties: {answer: {type: string}, n: {type: integer, minimum: 1}, s: {const: "1"}}}
                models:
                  - {name: judge, targets: [{provider: p, model: x}]}
                """)
        #expect(config.guardrails.streamWindow == 64)
        #expect(
            config.guardrails.input == [
                GuardRule(check: "injection", action: .block, threshold: 0.7),
                GuardRule(check: "toxicity", action: .flag, words: ["dimwit"]),
                GuardRule(check: "topics", action: .block, name: "politics", words: ["election", "vote for"]),
                GuardRule(check: "classifier", action: .block, model: "judge"),
            ])
        let schema = config.guardrails.output.first?.schema
        #expect(schema?["required"] == ["answer"])
        #expect(schema?["properties"]?["n"]?["minimum"] == 1)
        #expect(schema?["properties"]?["s"]?["const"] == "1")
    }

    @Test(arguments: [
        ("guardrails: {input: [{check: magic, action: block}]}", "guardrails.input[0].check", "unknown check"),
        ("guardrails: {input: [{check: pii, action: shout}]}", "guardrails.input[0].action", "unknown action"),
        ("guardrails: {input: [{check: regex, name: r, action: redact}]}", "guardrails.input[0].pattern", "is required"),
        (
            "guardrails: {input: [{check: regex, name: r, pattern: \"([\", action: redact}]}", "guardrails.input[0].pattern",
            "invalid regular expression"
        ),
        ("guardrails: {input: [{check: pii, action: flag, pattern: x}]}", "guardrails.input[0].pattern", "does not apply to the pii check"),
        ("guardrails: {input: [{check: schema, action: block}]}", "guardrails.input[0].check", "output only"),
        ("guardrails: {output: [{check: schema, action: redact}]}", "guardrails.output[0].action", "no span to redact"),
        ("guardrails: {input: [{check: injection, action: block, threshold: 2}]}", "guardrails.input[0].threshold", "at most 1"),
        ("guardrails: {input: [{check: topics, name: t, action: block}]}", "guardrails.input[0].words", "is required"),
        ("guardrails: {input: [{check: topics, name: t, words: [], action: block}]}", "guardrails.input[0].words", "at least one"),
        ("guardrails: {input: [{check: classifier, action: block}]}", "guardrails.input[0].model", "is required"),
        ("guardrails: {input: [{check: classifier, model: nobody, action: block}]}", "guardrails", "not configured"),
        ("guardrails: {output: [{check: schema, action: block, schema: [1]}]}", "guardrails.output[0].schema", "is a mapping"),
        ("guardrails: {stream_window: 4}", "guardrails.stream_window", "at least 16"),
    ])
    func rejectsMistakesNamingTheKey(yaml: String, key: String, problem: String) {
        do {
            _ = try ConfigLoader.parse(yaml: Self.base + yaml + "\nmodels: [{name: m, targets: [{provider: p, model: x}]}]", file: "test.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.key == key)
            #expect(error.problem.contains(problem), "\(error.problem)")
        }
    }
}
