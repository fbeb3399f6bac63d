import Foundation

/// Identifies one request through Keel; returned to the client as `x-keel-trace-id`.
public struct TraceID: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    /// A new id: 48 bits of Unix time in milliseconds, then 80 random bits, as 32 lowercase hex
    /// digits (the shape of a W3C trace id). Ids in time order land at the right edge of the
    /// trace store's indexes: random ones dirtied a different index page for almost every row,
    /// about five page writes per request. AWS X-Ray trace ids start with the time likewise.
    public static func generate(at date: Date = Date()) -> TraceID {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        return TraceID(
            String(unsafeUninitializedCapacity: 32) { buffer in
                for index in 0..<12 {
                    buffer[index] = (UInt8(truncatingIfNeeded: millis >> UInt64(44 - index * 4)) & 0x0F).hexDigit
                }
                IdentifierRandom.writeRandomHex(bytes: 10, into: buffer, at: 12)
                return 32
            })
    }

    public var description: String { value }
}
