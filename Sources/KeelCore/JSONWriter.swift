/// A direct JSON writer for `JSONValue`: several times faster than `JSONEncoder`, which goes
/// through `Encodable` containers. It writes UTF-8 bytes, appending whole strings at once.
/// Output is compact, `/` unescaped; keys in dictionary order, or sorted for a canonical form.
enum JSONWriter {
    static func write(_ value: JSONValue, into output: inout [UInt8], sortedKeys: Bool = false) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let bool): output.append(contentsOf: bool ? "true".utf8 : "false".utf8)
        case .int(let int): output.append(contentsOf: String(int).utf8)
        case .double(let double):
            if !double.isFinite {
                output.append(contentsOf: "null".utf8)
            } else if double == double.rounded(), abs(double) < 1e15 {
                output.append(contentsOf: String(Int64(double)).utf8)
            } else {
                output.append(contentsOf: "\(double)".utf8)
            }
        case .string(let string): writeString(string, into: &output)
        case .array(let array):
            output.append(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(element, into: &output, sortedKeys: sortedKeys)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            if sortedKeys {
                for (index, key) in object.keys.sorted().enumerated() {
                    writeMember(key, object[key]!, first: index == 0, into: &output, sortedKeys: true)
                }
            } else {
                var first = true
                for (key, element) in object {
                    writeMember(key, element, first: first, into: &output, sortedKeys: false)
                    first = false
                }
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func writeMember(_ key: String, _ value: JSONValue, first: Bool, into output: inout [UInt8], sortedKeys: Bool) {
        if !first { output.append(UInt8(ascii: ",")) }
        writeString(key, into: &output)
        output.append(UInt8(ascii: ":"))
        write(value, into: &output, sortedKeys: sortedKeys)
    }

    static func writeString(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        writeEscaped(string, into: &output)
        output.append(UInt8(ascii: "\""))
    }

    /// The inside of a JSON string: `string` escaped, without the quotes.
    static func writeEscaped(_ string: String, into output: inout [UInt8]) {
        let utf8 = string.utf8
        // Most strings need no escape: scanned as a buffer and copied whole, where iterating the
        // view byte by byte was most of the cost of encoding a body.
        let copiedWhole =
            utf8.withContiguousStorageIfAvailable { bytes in
                for byte in bytes where needsEscape(byte) { return false }
                output.append(contentsOf: bytes)
                return true
            } ?? false
        if copiedWhole { return }
        for byte in utf8 {
            guard needsEscape(byte) else {
                output.append(byte)
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): output.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): output.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): output.append(contentsOf: #"\t"#.utf8)
            case 0x08: output.append(contentsOf: #"\b"#.utf8)
            case 0x0C: output.append(contentsOf: #"\f"#.utf8)
            default:
                output.append(contentsOf: #"\u00"#.utf8)
                output.append((byte >> 4).hexDigit)
                output.append((byte & 0x0F).hexDigit)
            }
        }
    }

    /// Control characters, the quote and the backslash; every other byte of UTF-8 (multi-byte
    /// sequences included) is written as it is.
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }
}
