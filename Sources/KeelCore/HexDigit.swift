extension UInt8 {
    /// The lowercase hex digit (as ASCII) of a value below 16.
    var hexDigit: UInt8 {
        self < 10 ? UInt8(ascii: "0") + self : UInt8(ascii: "a") + self - 10
    }
}

extension Sequence<UInt8> {
    /// The bytes as lowercase hex digits, two per byte (a digest's usual spelling). Written
    /// straight into the string: formatting each byte with `String(format:)` took some 50 µs
    /// for a SHA-256, on every request that carries a key.
    public var lowercaseHex: String {
        var digits: [UInt8] = []
        digits.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            digits.append((byte >> 4).hexDigit)
            digits.append((byte & 0x0F).hexDigit)
        }
        return String(decoding: digits, as: UTF8.self)
    }
}
