import KeelCore

/// A message text with `{{variable}}` placeholders, parsed once into segments so that rendering
/// (per request) only appends strings.
///
/// The rules:
/// - `{{name}}` is replaced by the variable's value; spaces inside the braces are allowed
///   (`{{ name }}`). A name is a letter or `_` followed by letters, digits, `_` or `-`.
/// - Values are inserted verbatim, never HTML-escaped (a prompt is not HTML): a string as it is,
///   any other JSON value as compact JSON (`3`, `true`, `["a","b"]`, `{"k":1}`, `null`).
/// - `\{{` is a literal `{{` (and the text after it is not a placeholder); `\\{{name}}` is a
///   literal `\` followed by the value. A backslash anywhere else is an ordinary character, as
///   is a `}}` outside a placeholder.
/// - A `{{` that is not closed, or that holds anything but a name, is an error when the prompt
///   loads: a typo never reaches a model as literal braces.
public struct PromptTemplate: Sendable, Hashable {
    enum Segment: Sendable, Hashable {
        case text(String)
        case variable(String)
    }

    /// A placeholder and the line it is on, counted from the template's first line (0).
    public struct Usage: Sendable, Hashable {
        public var name: String
        public var lineOffset: Int
    }

    public struct SyntaxError: Error, Sendable, Hashable {
        public var message: String
        public var lineOffset: Int
    }

    let segments: [Segment]
    /// Every placeholder, in order.
    public let usages: [Usage]
    private let literalLength: Int

    public init(parsing text: String) throws(SyntaxError) {
        var segments: [Segment] = []
        var usages: [Usage] = []
        var literal: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        var line = 0
        func isOpening(_ at: Int) -> Bool {
            at + 1 < bytes.count && bytes[at] == UInt8(ascii: "{") && bytes[at + 1] == UInt8(ascii: "{")
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") && isOpening(index + 1) {
                literal += [UInt8(ascii: "{"), UInt8(ascii: "{")]
                index += 3
            } else if byte == UInt8(ascii: "\\") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\\") && isOpening(index + 2) {
                literal.append(UInt8(ascii: "\\"))
                index += 2
            } else if isOpening(index) {
                guard let close = Self.closing(bytes, from: index + 2) else {
                    throw SyntaxError(message: "'{{' is not closed by '}}' (write \\{{ for literal braces)", lineOffset: line)
                }
                let inner = String(decoding: bytes[(index + 2)..<close], as: UTF8.self)
                let name = inner.trimmingSpaces()
                guard Self.isVariableName(name) else {
                    throw SyntaxError(
                        message: "'{{\(inner)}}' is not a variable: write {{name}} with letters, digits, '_' or '-' (or \\{{ for literal braces)",
                        lineOffset: line)
                }
                if !literal.isEmpty {
                    segments.append(.text(String(decoding: literal, as: UTF8.self)))
                    literal.removeAll(keepingCapacity: true)
                }
                segments.append(.variable(name))
                usages.append(Usage(name: name, lineOffset: line))
                index = close + 2
            } else {
                if byte == UInt8(ascii: "\n") { line += 1 }
                literal.append(byte)
                index += 1
            }
        }
        if !literal.isEmpty { segments.append(.text(String(decoding: literal, as: UTF8.self))) }
        self.segments = segments
        self.usages = usages
        literalLength = segments.reduce(0) { length, segment in
            if case .text(let text) = segment { return length + text.utf8.count }
            return length
        }
    }

    /// The text when the template has no placeholders, else nil.
    public var constantText: String? {
        switch segments.count {
        case 0: return ""
        case 1: if case .text(let text) = segments[0] { return text } else { return nil }
        default: return nil
        }
    }

    /// The text with each placeholder replaced by its value in `values` (see the type's rules);
    /// a variable `values` lacks renders as nothing (the catalog checks values before rendering).
    public func render(_ values: JSONObject) -> String {
        if let constantText { return constantText }
        var output = ""
        output.reserveCapacity(literalLength + 64)
        for segment in segments {
            switch segment {
            case .text(let text): output += text
            case .variable(let name): Self.append(values[name], to: &output)
            }
        }
        return output
    }

    private static func append(_ value: JSONValue?, to output: inout String) {
        switch value {
        case nil: break
        case .string(let text)?: output += text
        case let other?: output += other.encodedString()
        }
    }

    /// Where the `}}` closing a placeholder opened before `start` is; nil when a line ends (or
    /// another `{{` opens) first.
    private static func closing(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "}") && bytes[index + 1] == UInt8(ascii: "}") { return index }
            if bytes[index] == UInt8(ascii: "\n") || (bytes[index] == UInt8(ascii: "{") && bytes[index + 1] == UInt8(ascii: "{")) { return nil }
            index += 1
        }
        return nil
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isLetter(first), name.utf8.count <= 128 else { return false }
        return name.utf8.allSatisfy {
            isLetter($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var slice = Substring(self)
        while slice.first == " " || slice.first == "\t" { slice.removeFirst() }
        while slice.last == " " || slice.last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
