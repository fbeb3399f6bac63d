import Foundation

/// A compiled `pattern` or `patternProperties` key; matches anywhere in the text, as ECMA-262's
/// `RegExp.test` does.
struct SchemaRegex: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as safe to use from several threads at
    // once; that is what makes the unchecked Sendable sound.
    private let expression: NSRegularExpression
    let source: String

    init(_ source: String, at location: SchemaPointer) throws(JSONSchemaError) {
        do {
            expression = try NSRegularExpression(pattern: ECMAScriptPattern.icuPattern(for: source))
        } catch {
            throw JSONSchemaError("invalid regular expression '\(source)'", at: location)
        }
        self.source = source
    }

    func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
