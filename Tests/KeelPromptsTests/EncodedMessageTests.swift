import KeelCore
import Testing

@testable import KeelPrompts

/// The messages a provider is sent are written from bytes prepared when the prompt loads; they
/// must say exactly what rendering the messages and encoding them says.
@Suite struct EncodedMessageTests {
    static let yaml = """
        name: mixed
        model: smart
        variables: {ticket: string, count: integer, tags: array, note: any}
        messages:
          - {role: system, content: "Plain text with \\"quotes\\", a \\\\ backslash and\\na new line."}
          - {role: user, name: ada, content: "Ticket {{ticket}}: {{count}} items, tags {{ tags }}, note {{note}}."}
          - role: user
            content:
              - {type: text, text: "Ticket: {{ticket}}"}
              - {type: image_url, image_url: {url: "https://x/{{ticket}}.png"}}
              - {type: text, text: "{{note}}"}
          - {role: assistant, content: "{{ticket}}"}
          - {role: assistant, content: null, tool_calls: [{id: c1, type: function, function: {name: f, arguments: "{}"}}]}
        """

    @Test(arguments: [
        ["ticket": "T-1", "count": 3, "tags": ["a", "b"], "note": "fine"] as JSONObject,
        ["ticket": "quote \" back \\ tab \t bell \u{07} é 🦜", "count": 0, "tags": [], "note": ["k": [1, nil]]],
        ["ticket": "", "count": -7, "tags": [true], "note": nil],
    ])
    func theWrittenMessagesSayWhatTheRenderedOnesSay(values: JSONObject) throws {
        let prompt = try PromptDefinition.parse(yaml: Self.yaml, file: "mixed.yaml")
        var written: [UInt8] = [UInt8(ascii: "[")]
        prompt.writeRendered(values, into: &written)
        written.append(UInt8(ascii: "]"))
        let text = String(decoding: written, as: UTF8.self)
        #expect(try JSONValue.parse(text) == .array(prompt.render(values)), "\(text)")
    }

    @Test func aVariableTheValuesLackIsWrittenAsNothingAsItRenders() throws {
        let prompt = try PromptDefinition.parse(yaml: Self.yaml, file: "mixed.yaml")
        var written: [UInt8] = [UInt8(ascii: "[")]
        prompt.writeRendered([:], into: &written)
        written.append(UInt8(ascii: "]"))
        #expect(try JSONValue.parse(String(decoding: written, as: UTF8.self)) == .array(prompt.render([:])))
    }
}
