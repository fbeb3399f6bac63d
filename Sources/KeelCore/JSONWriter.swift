/// A direct JSON writer for `JSONValue`: several times faster than `JSONEncoder`, which goes
/// through `Encodable` containers. Output is compact, `/` unescaped; keys in dictionary order,
/// or sorted for a canonical form.
enum JSONWriter {
    static func write(_ value: JSONValue, into output: inout String, sortedKeys: Bool = false) {
        switch value {
        case .null: output += "null"
        case .bool(let bool): output += bool ? "true" : "false"
        case .int(let int): output += String(int)
        case .double(let double):
            if double.isFinite {
                if double == double.rounded(), abs(double) < 1e15 {
                    output += String(Int64(double))
                } else {
                    output += "\(double)"
                }
            } else {
                output += "null"
            }
        case .string(let string): writeString(string, into: &output)
        case .array(let array):
            output += "["
            for (index, element) in array.enumerated() {
                if index > 0 { output += "," }
                write(element, into: &output, sortedKeys: sortedKeys)
            }
            output += "]"
        case .object(let object):
            output += "{"
            var first = true
            let pairs = sortedKeys ? object.sorted { $0.key < $1.key } : Array(object)
            for (key, element) in pairs {
                if !first { output += "," }
                first = false
                writeString(key, into: &output)
                output += ":"
                write(element, into: &output, sortedKeys: sortedKeys)
            }
            output += "}"
        }
    }

    static func writeString(_ string: String, into output: inout String) {
        output += "\""
        var needsEscaping = false
        for byte in string.utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            needsEscaping = true
            break
        }
        guard needsEscaping else {
            output += string
            output += "\""
            return
        }
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
