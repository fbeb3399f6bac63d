import Foundation
import KeelCore
import Testing

@testable import KeelEvals

@Suite struct EvalSuiteParserTests {
    static let contract = """
        description: support-reply regression set
        prompt: support-reply            # the prompt under test
        defaultTest:
          assert: [{type: latency, threshold: 5000}]
        tests:
          - description: rotates a key
            vars: {product: Keel, question: "How do I rotate a key?"}
            assert:
              - {type: icontains, value: "revoke"}
              - {type: llm-rubric, value: "explains how to revoke the old key and create a new one"}
          - file: cases.jsonl             # more tests, one JSON object a line
        """

    func directory(_ files: [String: String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keel-evals-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: (path as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return path
    }

    func error(_ text: String, files: [String: String] = [:]) throws -> EvalSuiteError {
        let base = try directory(files)
        do {
            _ = try EvalSuiteParser.parse(text: text, file: "suite.yaml", baseDirectory: base)
        } catch {
            return error
        }
        Issue.record("no error")
        return EvalSuiteError(file: "", line: nil, message: "")
    }

    @Test func theContractShapeParses() throws {
        let jsonl = """
            {"vars": {"question": "What is Keel?"}, "assert": [{"type": "not-contains", "value": "sorry"}]}

            {"description": "third", "vars": {"question": "Hi"}, "threshold": 0.5}
            """
        let base = try directory(["suite.yaml": Self.contract, "cases.jsonl": jsonl])
        let suite = try EvalSuiteParser.load(path: (base as NSString).appendingPathComponent("suite.yaml"))
        #expect(suite.description == "support-reply regression set")
        #expect(suite.target == .prompt(EvalPromptSelector(name: "support-reply")))
        #expect(suite.tests.count == 3)
        let first = suite.tests[0]
        #expect(first.description == "rotates a key")
        #expect(first.vars == ["product": "Keel", "question": "How do I rotate a key?"])
        #expect(first.assertions.map(\.typeName) == ["icontains", "llm-rubric", "latency"])
        #expect(first.assertions[2].threshold == 5000)
        #expect(first.location.hasSuffix("suite.yaml:6"))
        let second = suite.tests[1]
        #expect(second.assertions.map(\.typeName) == ["not-contains", "latency"])
        #expect(second.assertions[0].negated)
        #expect(second.location.hasSuffix("cases.jsonl:1"))
        #expect(suite.tests[2].threshold == 0.5)
        #expect(suite.tests[2].location.hasSuffix("cases.jsonl:3"))
    }

    @Test func promptSelectors() {
        #expect(EvalPromptSelector(parsing: "support-reply@2") == EvalPromptSelector(name: "support-reply", selector: .version(2)))
        #expect(EvalPromptSelector(parsing: "support-reply@staging") == EvalPromptSelector(name: "support-reply", selector: .label("staging")))
        #expect(EvalPromptSelector(parsing: "@2") == nil)
        #expect(EvalPromptSelector(parsing: "x@") == nil)
        #expect(EvalPromptSelector(parsing: "x@0") == nil)
    }

    @Test func aModelSuiteWithMessagesDefaultsAndOptions() throws {
        let text = """
            model: smart
            threshold: 0.9
            defaultTest:
              vars: {tone: friendly, product: Keel}
              options: {provider: judge}
              assert: [{type: llm-rubric, value: "is {{tone}}", weight: 0}]
            tests:
              - vars: {product: Other}
                metadata: {owner: support}
                threshold: 0.8
                messages:
                  - {role: system, content: "Be {{tone}}."}
                  - {role: user, content: "Tell me about {{product}}"}
                assert:
                  - {type: similar, value: "about Other", threshold: 0.8, metric: relevance}
                  - {type: tool-call, value: {name: lookup, arguments: {id: 3}}, provider: other}
            """
        let suite = try EvalSuiteParser.parse(text: text, file: "s.yaml")
        #expect(suite.target == .model("smart"))
        #expect(suite.threshold == 0.9)
        let test = suite.tests[0]
        #expect(test.vars == ["tone": "friendly", "product": "Other"])
        #expect(test.metadata == ["owner": "support"])
        #expect(test.threshold == 0.8)
        #expect(test.renderedMessages[1]["content"] == "Tell me about Other")
        #expect(test.context.query == "Tell me about Other")
        #expect(test.assertions.map(\.typeName) == ["similar", "tool-call", "llm-rubric"])
        #expect(test.assertions[0].provider == "judge")
        #expect(test.assertions[0].metric == "relevance")
        #expect(test.assertions[1].provider == "other")
        #expect(test.assertions[2].weight == 0)
        #expect(test.assertions[2].provider == "judge")
    }

    @Test func yamlAndJSONTestFiles() throws {
        let base = try directory([
            "more.yaml": "- vars: {a: 1}\n  assert: [{type: equals, value: x}]\n- vars: {a: 2}\n",
            "more.json": #"[{"vars": {"a": 3}}]"#,
        ])
        let text = "prompt: p@staging\ntests:\n  - file: more.yaml\n  - file: more.json\n"
        let suite = try EvalSuiteParser.parse(text: text, file: "s.yaml", baseDirectory: base)
        #expect(suite.tests.map { $0.vars["a"] } == [1, 2, 3])
        #expect(suite.target == .prompt(EvalPromptSelector(name: "p", selector: .label("staging"))))
    }

    struct Bad: Sendable, CustomStringConvertible {
        var text: String
        var line: Int?
        var says: String
        var description: String { says }
    }

    static let bad: [Bad] = [
        Bad(text: "prompt: p\ntests:\n  - assert: [{type: icontain, value: x}]\n", line: 3, says: "did you mean 'icontains'?"),
        Bad(text: "prompt: p\ntests:\n  - assert: [{type: not-contians, value: x}]\n", line: 3, says: "did you mean 'not-contains'?"),
        Bad(text: "prompt: p\ntests:\n  - assert:\n      - type: contains\n", line: 4, says: "'contains' needs a 'value'"),
        Bad(
            text: "prompt: p\ntests:\n  - assert:\n      - type: similar\n        value: x\n        threshold: high\n", line: 6,
            says: "'threshold' must be a number, not the string \"high\""),
        Bad(text: "prompt: p\ntests:\n  - assert:\n      - {type: llm-rubric, value: x, threshold: 2}\n", line: 4, says: "a number from 0 to 1"),
        Bad(text: "prompt: p\nprovider: x\ntests: []\n", line: 2, says: "unknown key 'provider'"),
        Bad(text: "prompt: p\ntests:\n  - {vars: {a: 1}, asserts: []}\n", line: 3, says: "unknown key 'asserts' in a test (did you mean 'assert'?)"),
        Bad(text: "prompts: p\ntests: [{}]\n", line: 1, says: "unknown key 'prompts' in a suite (did you mean 'prompt'?)"),
        Bad(text: "prompt: p\ndefaultTest:\n  assert: []\n  vars: []\ntests: [{}]\n", line: 4, says: "'vars' must be a mapping"),
        Bad(text: "prompt: p\ntests:\n  - assert: [{type: contains-any}]\n", line: 3, says: "a list of strings"),
        Bad(text: "tests:\n  - vars: {a: 1}\n", line: 1, says: "missing 'prompt'"),
        Bad(text: "prompt: p\nmodel: m\ntests: [{}]\n", line: 2, says: "not both"),
        Bad(text: "model: m\ntests:\n  - vars: {a: 1}\n", line: 3, says: "needs 'messages'"),
        Bad(text: "prompt: p\ntests:\n  - assert: [{type: regex, value: \"(x\"}]\n", line: 3, says: "invalid regular expression"),
        Bad(text: "prompt: p\ntests:\n  - assert: [{type: cost}]\n", line: 3, says: "'cost' needs a 'threshold'"),
        Bad(text: "prompt: p\nthreshold: 1.5\ntests: [{}]\n", line: 2, says: "from 0 to 1"),
        Bad(text: "prompt: p\ntests:\n  - assert: [{type: is-json, value: {type: 5}}]\n", line: 3, says: "invalid JSON Schema"),
        Bad(
            text: "model: m\ntests:\n  - messages:\n      - role: user\n        content: \"hi {{ bad name }}\"\n", line: 5, says: "is not a variable"),
        Bad(text: "prompt: p\ntests:\n  - {assert: [{type: contains, value: a, weight: -1}]}\n", line: 3, says: "'weight' must not be negative"),
    ]

    @Test(arguments: bad) func errorsNameTheFileAndLine(_ bad: Bad) throws {
        let error = try error(bad.text)
        #expect(error.file == "suite.yaml")
        #expect(error.line == bad.line, "\(error)")
        #expect(error.message.contains(bad.says), "\(error)")
        #expect(error.description.hasPrefix("suite.yaml:\(bad.line.map(String.init) ?? "")"))
    }

    @Test func aJSONLLineThatIsNotAnObjectNamesItsLine() throws {
        let text = "prompt: p\ntests:\n  - file: cases.jsonl\n"
        let error = try error(text, files: ["cases.jsonl": "{\"vars\": {}}\n[1, 2]\n"])
        #expect(error.file.hasSuffix("cases.jsonl"))
        #expect(error.line == 2)
        #expect(error.message.contains("JSON object"))
        let broken = try self.error(text, files: ["cases.jsonl": "{\"vars\": {}}\n\n{oops\n"])
        #expect(broken.line == 3)
        let unknown = try self.error(text, files: ["cases.jsonl": #"{"assert": [{"type": "equal", "value": "x"}]}"#])
        #expect(unknown.line == 1)
        #expect(unknown.message.contains("did you mean 'equals'?"))
    }

    @Test func aMissingTestsFileIsAnErrorOnItsEntry() throws {
        let error = try error("prompt: p\ntests:\n  - file: nowhere.jsonl\n")
        #expect(error.line == 3)
        #expect(error.message.contains("cannot read"))
    }
}

@Suite struct EvalTestFileTests {
    func write(_ files: [String: String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keel-evals-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: (path as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return path
    }

    @Test func testsMayBeAFileNameWithDefaultsApplied() throws {
        let base = try write(["cases.jsonl": #"{"vars": {"q": "own"}, "assert": [{"type": "contains", "value": "{{q}}"}]}"#])
        let text = "prompt: p@3\ndefaultTest:\n  vars: {q: default, lang: en}\n  assert: [{type: is-refusal, weight: 0}]\ntests: cases.jsonl\n"
        let suite = try EvalSuiteParser.parse(text: text, file: "s.yaml", baseDirectory: base)
        #expect(suite.target == .prompt(EvalPromptSelector(name: "p", selector: .version(3))))
        #expect(suite.tests.count == 1)
        #expect(suite.tests[0].vars == ["q": "own", "lang": "en"])
        #expect(suite.tests[0].assertions.map(\.typeName) == ["contains", "is-refusal"])
        #expect(suite.tests[0].assertions[1].weight == 0)
    }

    @Test func aYAMLTestsFileMustHoldAList() throws {
        let base = try write(["more.yaml": "vars: {a: 1}\n"])
        #expect {
            try EvalSuiteParser.parse(text: "prompt: p\ntests:\n  - file: more.yaml\n", file: "s.yaml", baseDirectory: base)
        } throws: { error in
            guard let error = error as? EvalSuiteError else { return false }
            return error.file.hasSuffix("more.yaml") && error.line == 1 && error.message.contains("list of tests")
        }
    }
}
