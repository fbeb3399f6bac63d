import KeelCore
import Testing

@Suite struct GuardrailsConfigTests {
    static let base = "providers: [{name: p, kind: mock}]\n"

    @Test func readsGlobalAndPerModelRules() throws {
        let config = try ConfigLoader.parse(yaml: Self.base + """
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
        #expect(config.model(named: "support")?.guardrails?.input == [
            GuardRule(check: "regex", action: .redact, name: "no-ticket-ids", pattern: "TCK-[0-9]+")
        ])
    }

    @Test(arguments: [
        ("guardrails: {input: [{check: magic, action: block}]}", "guardrails.input[0].check", "unknown check"),
        ("guardrails: {input: [{check: injection, action: block}]}", "guardrails.input[0].check", "not available in this version yet"),
        ("guardrails: {input: [{check: pii, action: shout}]}", "guardrails.input[0].action", "unknown action"),
        ("guardrails: {input: [{check: regex, name: r, action: redact}]}", "guardrails.input[0].pattern", "is required"),
        ("guardrails: {input: [{check: regex, name: r, pattern: \"([\", action: redact}]}", "guardrails.input[0].pattern", "invalid regular expression"),
        ("guardrails: {input: [{check: pii, action: flag, pattern: x}]}", "guardrails.input[0]", "regex rules only"),
        ("guardrails: {output: [{check: schema, action: block}]}", "guardrails.output[0].check", "not available in this version yet"),
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
