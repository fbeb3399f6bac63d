/// Edits one top-level member of a JSON object in its encoded bytes, leaving every other byte
/// as it was: forwarding a client's body with only `model` changed costs a copy, not a decode
/// and an encode. The bytes must hold a valid JSON object (parse them first).
public enum JSONSplice {
    /// `bytes` with the value of the top-level member `key` (its last occurrence, as parsing
    /// keeps) replaced by the string `value`; nil when there is no such member or its key is
    /// written with escapes.
    public static func replacingString(_ key: String, with value: String, in bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let range = valueRange(of: key, in: bytes) else { return nil }
        var encoded: [UInt8] = []
        JSONWriter.writeString(value, into: &encoded)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count - range.count + encoded.count)
        output.append(contentsOf: bytes[..<range.lowerBound])
        output.append(contentsOf: encoded)
        output.append(contentsOf: bytes[range.upperBound...])
        return output
    }

    /// Where the value of the top-level member `key` lies.
    static func valueRange(of key: String, in bytes: UnsafeRawBufferPointer) -> Range<Int>? {
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        guard scanner.take(UInt8(ascii: "{")) else { return nil }
        var found: Range<Int>?
        let wanted = Array(key.utf8)
        while true {
            scanner.skipWhitespace()
            guard scanner.peek == UInt8(ascii: "\"") else { return found }
            let keyStart = scanner.index + 1
            let escaped = scanner.skipString()
            let keyEnd = scanner.index - 1
            scanner.skipWhitespace()
            guard scanner.take(UInt8(ascii: ":")) else { return nil }
            scanner.skipWhitespace()
            let valueStart = scanner.index
            scanner.skipValue()
            if !escaped, keyEnd - keyStart == wanted.count, wanted.elementsEqual(bytes[keyStart..<keyEnd]) {
                found = valueStart..<scanner.index
            }
            scanner.skipWhitespace()
            guard scanner.take(UInt8(ascii: ",")) else { return found }
        }
    }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            index += 1
            return true
        }

        mutating func skipWhitespace() {
            while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        /// Skips a string from its opening quote; says whether it held escapes.
        mutating func skipString() -> Bool {
            index += 1
            var escaped = false
            while let byte = peek {
                index += 1
                if byte == UInt8(ascii: "\\") {
                    escaped = true
                    index += 1
                } else if byte == UInt8(ascii: "\"") {
                    break
                }
            }
            return escaped
        }

        mutating func skipValue() {
            guard let first = peek else { return }
            switch first {
            case UInt8(ascii: "\""):
                _ = skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while let byte = peek {
                    switch byte {
                    case UInt8(ascii: "\""):
                        _ = skipString()
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                    default:
                        break
                    }
                    index += 1
                    if depth == 0 { return }
                }
            default:
                while let byte = peek,
                    !(byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")
                        || byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09)
                {
                    index += 1
                }
            }
        }
    }
}
