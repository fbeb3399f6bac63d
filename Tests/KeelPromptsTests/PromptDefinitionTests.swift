import KeelCore
import Testing

@testable import KeelPrompts

struct PromptDefinitionTests {
    static let supportReply = """
        name: support-reply
        model: smart                      # the Keel model it runs on (the pin)
        params: {temperature: 0.2, max_tokens: 300}   # any chat parameter, tools and response_format included
        variables: {product: string, question: string}
        messages:
          - {role: system, content: "You answer questions about {{product}}. Be brief."}
          - {role: user, content: "{{question}}"}
        """

    @Test func readsTheDocumentedShape() throws {
        let prompt = try PromptDefinition.parse(yaml: Self.supportReply, file: "support-reply.yaml")
        #expect(prompt.name == "support-reply")
        #expect(prompt.model == "smart")
        #expect(prompt.params == ["temperature": 0.2, "max_tokens": 300])
        #expect(prompt.variables == [PromptVariable(name: "product", type: .string), PromptVariable(name: "question", type: .string)])
        #expect(
            prompt.messages == [
                ["role": "system", "content": "You answer questions about {{product}}. Be brief."], ["role": "user", "content": "{{question}}"],
            ])
        #expect(prompt.description == nil && prompt.warnings.isEmpty)
        #expect(
            prompt.render(["product": "Keel", "question": "Does it stream?"]) == [
                ["role": "system", "content": "You answer questions about Keel. Be brief."], ["role": "user", "content": "Does it stream?"],
            ])
    }

    @Test func readsToolsContentPartsAndBlockScalars() throws {
        let yaml = """
            name: extract
            model: smart
            description: Pulls fields out of a ticket.
            params:
              response_format: {type: json_object}
              tools:
                - type: function
                  function: {name: lookup, parameters: {type: object, properties: {id: {type: string}}}}
              stop: null
              seed: 7
              logprobs: true
            variables:
              ticket: string
              image: string
            messages:
              - role: system
                content: |
                  Read the ticket.
                  Answer in JSON.
              - role: user
                content:
                  - {type: text, text: "Ticket: {{ticket}}"}
                  - {type: image_url, image_url: {url: "{{image}}"}}
                  - {type: text, text: "{{ image }}"}
            """
        let prompt = try PromptDefinition.parse(yaml: yaml, file: "extract.yaml")
        #expect(prompt.description == "Pulls fields out of a ticket.")
        #expect(prompt.params["response_format"] == ["type": "json_object"])
        #expect(prompt.params["stop"] == .null && prompt.params["seed"] == 7 && prompt.params["logprobs"] == true)
        #expect(prompt.params["tools"]?[0]?["function"]?["parameters"]?["properties"] == ["id": ["type": "string"]])
        let rendered = prompt.render(["ticket": "T-1", "image": "https://x/y.png"])
        #expect(rendered[0] == ["role": "system", "content": "Read the ticket.\nAnswer in JSON.\n"])
        // Only text parts are templates: an image URL is sent as written.
        #expect(
            rendered[1]["content"] == [
                ["type": "text", "text": "Ticket: T-1"], ["type": "image_url", "image_url": ["url": "{{image}}"]],
                ["type": "text", "text": "https://x/y.png"],
            ])
    }

    @Test func aDeclaredButUnusedVariableIsAWarning() throws {
        let yaml = """
            name: a
            model: smart
            variables:
              used: string
              spare: number
            messages: [{role: user, content: "{{used}}"}]
            """
        let prompt = try PromptDefinition.parse(yaml: yaml, file: "a.yaml")
        #expect(prompt.warnings == ["a.yaml:5: variable 'spare' is declared but no message uses it"])
    }

    @Test(arguments: [
        // A variable used but not declared, on the line of the message.
        (
            "name: a\nmodel: m\nvariables: {product: string}\nmessages:\n  - {role: system, content: hi}\n  - {role: user, content: \"{{question}}\"}\n",
            "a.yaml:6: variable 'question' is used but not declared in 'variables' (declared: product)"
        ),
        // ... on its own line inside a block scalar.
        (
            "name: a\nmodel: m\nmessages:\n  - role: user\n    content: |\n      one\n      two {{ x }}\n",
            "a.yaml:7: variable 'x' is used but not declared in 'variables' (no variables are declared)"
        ),
        (
            "name: a\nmodel: m\nmessages: [{role: user, content: hi}]\ntemprature: 1\n",
            "a.yaml:4: unknown key 'temprature' (expected one of: name, model, description, params, variables, messages)"
        ),
        ("model: m\nmessages: [{role: user, content: hi}]\n", "a.yaml:1: missing 'name' (the prompt's name)"),
        ("name: a\nmessages: [{role: user, content: hi}]\n", "a.yaml:1: missing 'model' (the Keel model the prompt runs on)"),
        ("name: a\nmodel: m\n", "a.yaml:1: missing 'messages' (a list of chat messages)"),
        ("name: a b\nmodel: m\nmessages: [{role: user, content: hi}]\n", "a.yaml:1: invalid name 'a b': use \(PromptName.rule)"),
        (
            "name: a\nmodel: m\nvariables:\n  n: float\nmessages: [{role: user, content: \"{{n}}\"}]\n",
            "a.yaml:4: unknown type 'float' for variable 'n' (expected one of: string, number, integer, boolean, array, object, any)"
        ),
        (
            "name: a\nmodel: m\nmessages: [{role: user, content: \"{{ bad name }}\"}]\n",
            "a.yaml:3: '{{ bad name }}' is not a variable: write {{name}} with letters, digits, '_' or '-' (or \\{{ for literal braces)"
        ),
        ("name: a\nmodel: m\nmessages: [{role: user, content: \"{{x\"}]\n", "a.yaml:3: '{{' is not closed by '}}' (write \\{{ for literal braces)"),
        (
            "name: a\nmodel: m\nparams: {model: x}\nmessages: [{role: user, content: hi}]\n",
            "a.yaml:3: 'params' may not set 'model': use the top-level 'model'"
        ),
        ("name: a\nmodel: m\nmessages: [{content: hi}]\n", "a.yaml:3: a message needs a 'role' (system, user, assistant, ...)"),
        ("name: a\nmodel: m\nmessages: []\n", "a.yaml:3: 'messages' must be a non-empty list of chat messages ({role, content})"),
        ("name: a\nmodel: m\nmodel: n\nmessages: [{role: user, content: hi}]\n", "a.yaml:2: 'model' given twice in one mapping"),
        ("", "a.yaml: the file is empty"),
    ])
    func errorsNameTheFileAndLine(yaml: String, expected: String) {
        do {
            _ = try PromptDefinition.parse(yaml: yaml, file: "a.yaml")
            Issue.record("expected \(expected)")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func numbersAreReadAsJSONReadsThem() throws {
        let yaml = """
            name: a
            model: m
            params: {a: 300, b: 0.25, c: -7, d: 1e3, e: 0x1F, f: 1:2:3:4:5:6:7:8:9:10:11:12, g: .inf, h: "5", i: 99999999999999999999}
            messages: [{role: user, content: hi}]
            """
        let params = try PromptDefinition.parse(yaml: yaml, file: "a.yaml").params
        #expect(params["a"] == 300 && params["b"] == 0.25 && params["c"] == -7 && params["d"] == 1000.0 && params["h"] == "5")
        #expect(params["e"] == 31.0 && params["f"] == "1:2:3:4:5:6:7:8:9:10:11:12" && params["g"] == ".inf")
        #expect(params["i"] == 1e20)
    }

    @Test func aliasesCannotMultiplyIntoBillionsOfValues() {
        var yaml = "name: a\nmodel: m\nparams:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1..<9 { yaml += "  l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        yaml += "messages: [{role: user, content: hi}]\n"
        #expect(throws: PromptFileError.self) { try PromptDefinition.parse(yaml: yaml, file: "a.yaml") }
    }

    @Test func invalidYAMLHasALine() {
        #expect(throws: PromptFileError.self) { try PromptDefinition.parse(yaml: "name: a\nmodel: [\n", file: "a.yaml") }
        do {
            _ = try PromptDefinition.parse(yaml: "name: a\nmessages:\n  - {role: user\n", file: "a.yaml")
        } catch {
            #expect(error.line != nil)
            #expect(error.description.hasPrefix("a.yaml:"))
        }
    }

    @Test func theHashIgnoresCommentsWhitespaceKeyOrderAndDescription() throws {
        let base = try PromptDefinition.parse(yaml: Self.supportReply, file: "a.yaml")
        let reformatted = """
            # Support answers.
            model: smart
            name: support-reply
            description: edited only in prose
            variables:
              question: string
              product: string
            params:
              max_tokens: 300
              temperature: 0.2
            messages:
              - role: system
                content: "You answer questions about {{product}}. Be brief."
              - {content: "{{question}}", role: user}
            """
        #expect(try PromptDefinition.parse(yaml: reformatted, file: "b.yaml").contentHash == base.contentHash)
        #expect(base.contentHash.count == 64)
        let edited = Self.supportReply.replacingOccurrences(of: "Be brief.", with: "Be kind.")
        #expect(try PromptDefinition.parse(yaml: edited, file: "a.yaml").contentHash != base.contentHash)
        let repinned = Self.supportReply.replacingOccurrences(of: "model: smart", with: "model: cheap")
        #expect(try PromptDefinition.parse(yaml: repinned, file: "a.yaml").contentHash != base.contentHash)
    }
}
