/// A header value with parameters, as `Content-Type` and `Content-Disposition` carry them:
/// `form-data; name="file"; filename="a.jsonl"`. Values may be tokens or quoted strings (with
/// `\` escapes, so a `;` or `"` inside quotes does not end them), and a `name*` parameter in the
/// RFC 5987 form (`filename*=UTF-8''na%C3%AFve.jsonl`) is decoded and preferred over `name`.
public struct HeaderParameters: Sendable {
    /// The value before the first `;`, lowercased: `multipart/form-data`, `form-data`.
    public let value: String
    private var plain: [String: String] = [:]
    private var extended: [String: String] = [:]

    public init(_ header: String) {
        let bytes = Array(header.utf8)
        var reader = Reader(bytes: bytes)
        value = reader.token(endingAt: [UInt8(ascii: ";")]).lowercased()
        while reader.skip(UInt8(ascii: ";")) {
            let name = reader.token(endingAt: [UInt8(ascii: "="), UInt8(ascii: ";")]).lowercased()
            guard reader.skip(UInt8(ascii: "=")) else { continue }
            let text = reader.parameterValue()
            guard !name.isEmpty else { continue }
            if name.hasSuffix("*") {
                if let decoded = Self.decodeExtendedValue(text), extended[String(name.dropLast())] == nil {
                    extended[String(name.dropLast())] = decoded
                }
            } else if plain[name] == nil {
                plain[name] = text
            }
        }
    }

    /// The parameter's value (names are case-insensitive); the RFC 5987 form wins when it decodes.
    public subscript(name: String) -> String? {
        let key = name.lowercased()
        return extended[key] ?? plain[key]
    }

    /// `charset'language'percent-encoded`, UTF-8 or ISO-8859-1; nil when it is neither or does not decode.
    static func decodeExtendedValue(_ text: String) -> String? {
        let pieces = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3, let bytes = percentDecoded(pieces[2].utf8) else { return nil }
        switch pieces[0].lowercased() {
        case "utf-8": return String(validating: bytes, as: UTF8.self)
        case "iso-8859-1": return String(decoding: bytes.map(UInt16.init), as: UTF16.self)
        default: return nil
        }
    }

    private static func percentDecoded(_ text: Substring.UTF8View) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = text.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// A cursor over the header's bytes.
    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func skip(_ byte: UInt8) -> Bool {
            skipSpaces()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// The bytes up to one of `ends` (or the end), spaces around them trimmed.
        mutating func token(endingAt ends: Set<UInt8>) -> String {
            skipSpaces()
            let start = index
            while index < bytes.count, !ends.contains(bytes[index]) { index += 1 }
            var end = index
            while end > start, Self.isSpace(bytes[end - 1]) { end -= 1 }
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }

        /// A quoted string, its escapes undone (an unterminated one runs to the end), or a token.
        mutating func parameterValue() -> String {
            skipSpaces()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return token(endingAt: [UInt8(ascii: ";")]) }
            index += 1
            var value: [UInt8] = []
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count { index += 1 }
                value.append(bytes[index])
                index += 1
            }
            index = min(index + 1, bytes.count)
            // Anything between the closing quote and the next ';' is not part of the value.
            _ = token(endingAt: [UInt8(ascii: ";")])
            return String(decoding: value, as: UTF8.self)
        }

        private mutating func skipSpaces() {
            while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 }
        }

        private static func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
    }
}
