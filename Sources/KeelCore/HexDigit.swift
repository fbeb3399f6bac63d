extension UInt8 {
    /// The lowercase hex digit (as ASCII) of a value below 16.
    var hexDigit: UInt8 {
        self < 10 ? UInt8(ascii: "0") + self : UInt8(ascii: "a") + self - 10
    }
}
