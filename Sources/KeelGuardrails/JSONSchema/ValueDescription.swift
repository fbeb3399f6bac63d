import KeelCore

/// Short renderings of values for messages, which may be sent back to a model: strings in
/// single quotes, anything else as JSON, long ones cut.
enum ValueDescription {
    static let maximumCharacters = 60
    static let maximumListedValues = 10

    /// `'purple'`, `42`, `{"a":1}`.
    static func describe(_ value: JSONValue) -> String {
        if case .string(let string) = value { return "'\(truncated(string))'" }
        return truncated(value.encodedString())
    }

    /// `["red", "green"]`, with at most `maximumListedValues` shown.
    static func list(_ values: [JSONValue]) -> String {
        var shown = values.prefix(maximumListedValues).map { truncated($0.encodedString()) }
        if values.count > maximumListedValues { shown.append("... \(values.count - maximumListedValues) more") }
        return "[" + shown.joined(separator: ", ") + "]"
    }

    static func truncated(_ text: String, to limit: Int = maximumCharacters) -> String {
        guard text.count > limit else { return text }
        return text.prefix(limit - 3) + "..."
    }

    /// `1 item`, `3 items`.
    static func counted(_ count: Int, _ noun: String) -> String {
        count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
    }
}
