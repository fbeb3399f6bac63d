/// Identifies one request through Keel; returned to the client as `x-keel-trace-id`.
public struct TraceID: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    /// 128 random bits as 32 lowercase hex digits: the same shape as a W3C trace id.
    public static func random() -> TraceID {
        TraceID(IdentifierRandom.hex(bytes: 16))
    }

    public var description: String { value }
}
