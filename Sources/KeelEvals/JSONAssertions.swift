import KeelCore
import KeelGuardrails

/// `is-json` (the whole output, trimmed, is JSON) and `contains-json` (some JSON object or list
/// is embedded in the text); with a `value`, the JSON must also satisfy that JSON Schema.
enum JSONAssertions {
    static func evaluate(_ assertion: EvalAssertion, output: String) -> AssertionOutcome {
        var validator: JSONSchemaValidator?
        if let schema = assertion.value, !schema.isNull {
            do { validator = try JSONSchemaValidator(schema: schema) } catch { return .error("invalid JSON Schema: \(error.message)") }
        }
        let candidates: [JSONValue]
        if assertion.type == .isJSON {
            guard let parsed = try? JSONValue.parse(output.trimmingWhitespace()) else { return .fail("the output is not JSON") }
            candidates = [parsed]
        } else {
            candidates = embeddedJSON(in: output)
            guard !candidates.isEmpty else { return .fail("the output holds no JSON object or list") }
        }
        guard let validator else { return .pass(assertion.type == .isJSON ? "the output is JSON" : "the output holds JSON") }
        var firstViolations: [SchemaViolation] = []
        for candidate in candidates {
            let violations = validator.validate(candidate)
            if violations.isEmpty { return .pass("the output's JSON matches the schema") }
            if firstViolations.isEmpty { firstViolations = violations }
        }
        let listed = firstViolations.prefix(3).map(\.description).joined(separator: "; ")
        return .fail("the output's JSON does not match the schema: \(listed)")
    }

    /// Every JSON object or list found in `text`, first to last: from each `{` or `[` not inside
    /// a found one, the shortest balanced span that parses.
    static func embeddedJSON(in text: String) -> [JSONValue] {
        let bytes = Array(text.utf8)
        var found: [JSONValue] = []
        var start = 0
        while start < bytes.count {
            guard bytes[start] == UInt8(ascii: "{") || bytes[start] == UInt8(ascii: "[") else {
                start += 1
                continue
            }
            if let end = balancedEnd(bytes, from: start),
                let value = try? bytes[start...end].withUnsafeBytes({ buffer in try JSONValue.parse(bytes: buffer) })
            {
                found.append(value)
                start = end + 1
            } else {
                start += 1
            }
        }
        return found
    }

    /// The index of the bracket closing the one at `start`, skipping strings; nil if none.
    private static func balancedEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var depth = 0
        var inString = false
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\\") {
                    index += 1
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                depth += 1
            } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return index }
            }
            index += 1
        }
        return nil
    }
}
