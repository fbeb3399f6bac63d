import Crypto
import Foundation
import KeelCore
import Yams

/// A prompt as its YAML file describes it:
///
/// ```yaml
/// name: support-reply
/// model: smart                      # the Keel model it runs on
/// params: {temperature: 0.2, max_tokens: 300}
/// variables: {product: string, question: string}
/// messages:
///   - {role: system, content: "You answer questions about {{product}}. Be brief."}
///   - {role: user, content: "{{question}}"}
/// ```
///
/// Made only by `parse`, which checks every template against the declared variables.
public struct PromptDefinition: Sendable, Hashable {
    public let name: String
    public let model: String
    /// Chat parameters the prompt sets (`temperature`, `tools`, `response_format`, ...).
    public let params: JSONObject
    /// In the order the file declares them.
    public let variables: [PromptVariable]
    /// OpenAI chat messages; `content` (or each text part's `text`) is a `PromptTemplate`.
    public let messages: [JSONValue]
    public let description: String?
    /// Harmless findings, `FILE:LINE: message` (a declared variable no message uses).
    public let warnings: [String]
    /// Hex SHA-256 of the canonical JSON of name, model, params, variables and messages: an edit
    /// of comments, whitespace, key order or `description` leaves it unchanged.
    public let contentHash: String
    let templates: [MessageTemplate]

    init(
        name: String, model: String, params: JSONObject, variables: [PromptVariable], messages: [JSONValue], description: String?,
        warnings: [String], templates: [MessageTemplate]
    ) {
        self.name = name
        self.model = model
        self.params = params
        self.variables = variables
        self.messages = messages
        self.description = description
        self.warnings = warnings
        self.templates = templates
        contentHash = Self.hash(name: name, model: model, params: params, variables: variables, messages: messages)
    }

    public static func parse(yaml: String, file: String) throws(PromptFileError) -> PromptDefinition {
        try PromptFileParser(file: file).parse(yaml)
    }

    /// The messages with `values` in their placeholders (values the caller has checked).
    public func render(_ values: JSONObject) -> [JSONValue] {
        Self.render(templates, values)
    }

    static func render(_ templates: [MessageTemplate], _ values: JSONObject) -> [JSONValue] {
        templates.map { $0.render(values) }
    }

    /// The messages with `values` in their placeholders as JSON, separated by commas, appended
    /// to `output`: what encoding `render(values)`'s items would write.
    public func writeRendered(_ values: JSONObject, into output: inout [UInt8]) {
        Self.write(templates, values, into: &output)
    }

    static func write(_ templates: [MessageTemplate], _ values: JSONObject, into output: inout [UInt8]) {
        EncodedMessage.write(templates.lazy.map(\.encoded), values, into: &output)
    }

    /// `variables` as the JSON the API shows: `{"product": "string"}`.
    public var variablesJSON: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: variables.map { ($0.name, JSONValue.string($0.type.rawValue)) }))
    }

    private static func hash(name: String, model: String, params: JSONObject, variables: [PromptVariable], messages: [JSONValue]) -> String {
        let canonical = JSONValue.object([
            "name": .string(name), "model": .string(model), "params": .object(params),
            "variables": .object(Dictionary(uniqueKeysWithValues: variables.map { ($0.name, JSONValue.string($0.type.rawValue)) })),
            "messages": .array(messages),
        ]).canonicalString()
        return SHA256.hash(data: Data(canonical.utf8)).lowercaseHex
    }
}
