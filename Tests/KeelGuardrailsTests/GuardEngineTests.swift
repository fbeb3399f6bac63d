import KeelCore
import KeelGuardrails
import Testing

@Suite struct GuardEngineTests {
    @Test func eachActionShapesWhatIsForwardedAndWhatIsStored() {
        let engine = GuardEngine(rules: [
            GuardRule(check: "secrets", action: .block), GuardRule(check: "pii", action: .redact),
            GuardRule(check: "regex", action: .flag, name: "order-ids", pattern: "ORD-[0-9]+"),
        ])
        let text = "order ORD-991 for jane@example.com, key AKIAIOSFODNN7EXAMPLE"
        let result = engine.inspect(text, location: "text")
        #expect(result.verdicts.map(\.finding.type) == ["AWS_ACCESS_KEY", "EMAIL", "ORDER_IDS"])
        #expect(result.verdicts.map(\.action) == [.block, .redact, .flag])
        #expect(result.forwarded == "order ORD-991 for [EMAIL], key AKIAIOSFODNN7EXAMPLE")
        #expect(result.stored == "order ORD-991 for [EMAIL], key [AWS_ACCESS_KEY]")
        #expect(result.verdicts[2].json["rule"] == "order-ids")
        #expect(result.verdicts[1].json["start"] == 18)
    }

    @Test func regexOffsetsAreUTF8Bytes() {
        let engine = GuardEngine(rules: [GuardRule(check: "regex", action: .redact, name: "t", pattern: "TCK-[0-9]+")])
        let result = engine.inspect("é ✓ TCK-12 ok", location: "text")
        #expect(result.forwarded == "é ✓ [T] ok")
        #expect(result.verdicts.first?.finding.range == 7..<13)
    }
}
