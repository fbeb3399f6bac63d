import Foundation

/// Text hidden in base64 or hex inside a message: runs long enough to carry a sentence are
/// decoded, and kept when they decode to readable text, so the scorer can read what they say.
enum EncodedPayloads {
    struct Payload {
        var source: Range<Int>
        var text: String
    }

    static func find(in bytes: [UInt8]) -> [Payload] {
        var found: [Payload] = []
        var index = 0
        while index < bytes.count {
            guard isBase64(bytes[index]) || bytes[index] == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            let runEnd = bytes.runEnd(from: index + 1, while: isBase64)
            // Only a long run, a hex pair (spaced hex), or an escape can start a payload.
            let candidate =
                runEnd - index >= 16 || runEnd - index == 2 || bytes[index] == UInt8(ascii: "\\")
                || (bytes[index] == UInt8(ascii: "0") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "x"))
            if candidate, let payload = hex(bytes, at: index) ?? base64(bytes, at: index) {
                found.append(payload)
                index = payload.source.upperBound
            } else {
                index = max(runEnd, index + 1)
            }
        }
        return found
    }

    private static func isBase64(_ byte: UInt8) -> Bool {
        ByteClass.isAlphanumeric(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "_")
    }

    /// 20 characters or more of the base64 alphabet (standard or URL-safe), with padding.
    private static func base64(_ bytes: [UInt8], at start: Int) -> Payload? {
        guard isBase64(bytes[start]) else { return nil }
        var end = bytes.runEnd(from: start, while: isBase64)
        guard end - start >= 20, let decoded = decodeBase64(bytes[start..<end]) else { return nil }
        while end < bytes.count, bytes[end] == UInt8(ascii: "=") { end += 1 }
        guard let text = readable(Data(decoded)) else { return nil }
        return Payload(source: start..<end, text: text)
    }

    /// Standard and URL-safe base64 without padding; nil for a character outside the alphabet.
    private static func decodeBase64(_ encoded: ArraySlice<UInt8>) -> [UInt8]? {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(encoded.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in encoded {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): value = 63
            default: return nil
            }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                decoded.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return decoded
    }

    private static let escapedHex: [UInt8] = Array("\\x".utf8)
    private static let prefixedHex: [UInt8] = Array("0x".utf8)

    /// Eight bytes or more of hex: `69676e6f7265`, `69 67 6e`, `\x69\x67`, `0x69 0x67`.
    private static func hex(_ bytes: [UInt8], at start: Int) -> Payload? {
        guard ByteClass.isHex(bytes[start]) || bytes[start] == UInt8(ascii: "\\") else { return nil }
        var decoded: [UInt8] = []
        var index = start
        var end = start
        while index < bytes.count {
            var digits = index
            if bytes.has(escapedHex, at: digits) || bytes.has(prefixedHex, at: digits) { digits += 2 }
            guard digits + 1 < bytes.count, ByteClass.isHex(bytes[digits]), ByteClass.isHex(bytes[digits + 1]) else { break }
            decoded.append(hexValue(bytes[digits]) << 4 | hexValue(bytes[digits + 1]))
            end = digits + 2
            index = end
            if index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: ":") || bytes[index] == UInt8(ascii: ",") {
                index += 1
            }
        }
        // A run of hex that goes on into letters is a word or an identifier, not an encoding.
        guard decoded.count >= 8, end == bytes.count || !ByteClass.isAlphanumeric(bytes[end]) else { return nil }
        guard let text = readable(Data(decoded)) else { return nil }
        return Payload(source: start..<end, text: text)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8 {
        ByteClass.isDigit(byte) ? byte - UInt8(ascii: "0") : (byte | 0x20) - UInt8(ascii: "a") + 10
    }

    /// UTF-8 text, mostly letters and spaces: a sentence rather than an image or a key.
    private static func readable(_ data: Data) -> String? {
        guard data.count >= 8, let text = String(data: data, encoding: .utf8) else { return nil }
        var letters = 0
        var spaces = 0
        var controls = 0
        for scalar in text.unicodeScalars {
            if scalar.properties.isAlphabetic { letters += 1 } else if scalar == " " { spaces += 1 }
            if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" && scalar != "\r" { controls += 1 }
        }
        let count = text.unicodeScalars.count
        guard controls == 0, spaces > 0, Double(letters + spaces) >= 0.8 * Double(count) else { return nil }
        return text
    }
}
