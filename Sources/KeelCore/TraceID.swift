/// Identifies one request through Keel; returned to the client as `x-keel-trace-id`.
public struct TraceID: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    /// 128 random bits as 32 lowercase hex digits: the same shape as a W3C trace id.
    public static func random() -> TraceID {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return TraceID(hex(high) + hex(low))
    }

    public var description: String { value }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
