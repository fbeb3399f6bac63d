import KeelCore
import Testing

@testable import KeelEvals

@Suite struct TextAssertionTests {
    struct Case: Sendable, CustomStringConvertible {
        var type: EvalAssertionType
        var value: JSONValue
        var output: String
        var passes: Bool
        var threshold: Double? = nil
        var description: String { "\(type.rawValue) \(value) on \(output)" }
    }

    static let cases: [Case] = [
        Case(type: .equals, value: "Hello", output: "Hello", passes: true),
        Case(type: .equals, value: "Hello", output: "hello", passes: false),
        Case(type: .equals, value: ["a": 1], output: #"{"a": 1.0}"#, passes: true),
        Case(type: .equals, value: ["a": 1], output: #"{"a": 2}"#, passes: false),
        Case(type: .contains, value: "revoke", output: "First revoke the key", passes: true),
        Case(type: .contains, value: "revoke", output: "First Revoke the key", passes: false),
        Case(type: .icontains, value: "REVOKE", output: "First Revoke the key", passes: true),
        Case(type: .icontains, value: "delete", output: "First Revoke the key", passes: false),
        Case(type: .containsAny, value: ["cat", "dog"], output: "a dog", passes: true),
        Case(type: .containsAny, value: "cat, dog", output: "a bird", passes: false),
        Case(type: .containsAll, value: ["cat", "dog"], output: "cat and dog", passes: true),
        Case(type: .containsAll, value: ["cat", "dog"], output: "cat and Dog", passes: false),
        Case(type: .icontainsAny, value: ["CAT"], output: "a cat", passes: true),
        Case(type: .icontainsAny, value: ["CAT"], output: "a dog", passes: false),
        Case(type: .icontainsAll, value: ["CAT", "dog"], output: "Cat and DOG", passes: true),
        Case(type: .icontainsAll, value: ["CAT", "bird"], output: "Cat and DOG", passes: false),
        Case(type: .startsWith, value: "Yes", output: "Yes, indeed", passes: true),
        Case(type: .startsWith, value: "Yes", output: "No, yes", passes: false),
        Case(type: .regex, value: #"\d{3}-\d{4}"#, output: "call 555-1234", passes: true),
        Case(type: .regex, value: #"^\d+$"#, output: "12a", passes: false),
        Case(type: .levenshtein, value: "kitten", output: "sitting", passes: true),
        Case(type: .levenshtein, value: "kitten", output: "sitting", passes: false, threshold: 2),
        Case(type: .levenshtein, value: "abc", output: "abcdefghij", passes: false),
    ]

    @Test(arguments: cases) func plainAndNegated(_ test: Case) async {
        let plain = await check(EvalAssertion(test.type, value: test.value, threshold: test.threshold), test.output)
        #expect(plain.status == (test.passes ? .pass : .fail), "\(plain.reason)")
        #expect(plain.score == (test.passes ? 1 : 0))
        let negated = await check(EvalAssertion(test.type, negated: true, value: test.value, threshold: test.threshold), test.output)
        #expect(negated.status == (test.passes ? .fail : .pass), "\(negated.reason)")
        #expect(negated.score == (test.passes ? 0 : 1))
        #expect(negated.metric == "not-\(test.type.rawValue)")
    }

    @Test func anInvalidRegexIsAnErrorEvenNegated() async {
        let plain = await check(EvalAssertion(.regex, value: "(unclosed"), "anything")
        #expect(plain.status == .error)
        let negated = await check(EvalAssertion(.regex, negated: true, value: "(unclosed"), "anything")
        #expect(negated.status == .error)
        #expect(negated.score == 0)
    }

    @Test func valuesAreRenderedWithTheTestsVariables() async {
        let verdict = await check(EvalAssertion(.contains, value: "{{product}} keys"), "Keel keys rotate", vars: ["product": "Keel"])
        #expect(verdict.status == .pass)
        let list = await check(EvalAssertion(.containsAll, value: ["{{a}}", "{{ b }}"]), "x and 2", vars: ["a": "x", "b": 2])
        #expect(list.status == .pass)
        let missing = await check(EvalAssertion(.equals, value: "{{absent}}!"), "!")
        #expect(missing.status == .pass)
    }

    @Test func metricNamesTheVerdict() async {
        let verdict = await check(EvalAssertion(.contains, value: "a", metric: "tone"), "a")
        #expect(verdict.metric == "tone")
    }

    @Test func levenshteinDistance() {
        #expect(Levenshtein.distance("kitten", "sitting") == 3)
        #expect(Levenshtein.distance("", "abc") == 3)
        #expect(Levenshtein.distance("same", "same") == 0)
    }
}
