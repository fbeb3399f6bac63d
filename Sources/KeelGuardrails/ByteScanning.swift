/// Byte classes shared by the scanners (ASCII only: identifiers, numbers and keys are ASCII).
enum ByteClass {
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    static func isLetter(_ byte: UInt8) -> Bool { isUpper(byte) || isLower(byte) }
    static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
    static func isHex(_ byte: UInt8) -> Bool { isDigit(byte) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x66) }
    /// Letters, digits, `_` and `-`: the alphabet of API keys and base64url.
    static func isKeyCharacter(_ byte: UInt8) -> Bool { isAlphanumeric(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") }
}

extension Array where Element == UInt8 {
    /// Whether the bytes at `index` spell `prefix`.
    func has(_ prefix: [UInt8], at index: Int) -> Bool {
        guard index + prefix.count <= count else { return false }
        for offset in 0..<prefix.count where self[index + offset] != prefix[offset] { return false }
        return true
    }

    /// The end of the run of bytes from `start` that satisfy `include`.
    func runEnd(from start: Int, while include: (UInt8) -> Bool) -> Int {
        var end = start
        while end < count, include(self[end]) { end += 1 }
        return end
    }
}
