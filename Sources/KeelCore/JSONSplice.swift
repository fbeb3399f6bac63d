import Foundation

/// Edits one top-level member of a JSON object in its encoded bytes, leaving every other byte
/// as it was: forwarding a client's body with only `model` changed costs a copy, not a decode
/// and an encode. The bytes must hold a valid JSON object (parse them first).
public enum JSONSplice {
    /// `bytes` with the value at `range` (one the caller knows: it parsed or wrote the bytes)
    /// replaced by the string `value`.
    public static func replacing(_ range: Range<Int>, withString value: String, in bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var encoded: [UInt8] = []
        JSONWriter.writeString(value, into: &encoded)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count - range.count + encoded.count)
        output.append(contentsOf: bytes[..<range.lowerBound])
        output.append(contentsOf: encoded)
        output.append(contentsOf: bytes[range.upperBound...])
        return output
    }

    /// A top-level member of an encoded object: where its key (inside the quotes) and its value lie.
    public struct Member: Sendable, Equatable {
        public var key: Range<Int>
        public var value: Range<Int>
        /// The key holds an escape, so its bytes are not its name.
        public var keyIsEscaped: Bool

        /// Whether the member's key is `name` (never true of an escaped key).
        @inlinable
        public func hasKey(_ name: StaticString, in bytes: UnsafeRawBufferPointer) -> Bool {
            !keyIsEscaped && key.count == name.utf8CodeUnitCount && memcmp(name.utf8Start, bytes.baseAddress! + key.lowerBound, key.count) == 0
        }
    }

    /// The top-level members of the object in `bytes`, in order; nil when the bytes are not an
    /// object. A scan of its own, apart from the parser's: the members a parse records
    /// (`JSONValue.parse(_:topLevelMembers:)`) are checked against it (JSONSpliceTests, FuzzJSON).
    public static func members(of bytes: UnsafeRawBufferPointer) -> [Member]? {
        var members: [Member] = []
        members.reserveCapacity(8)
        return forEachMember(in: bytes) { members.append($0) } ? members : nil
    }

    /// Calls `body` with each top-level member; false when the bytes are not an object.
    private static func forEachMember(in bytes: UnsafeRawBufferPointer, _ body: (Member) -> Void) -> Bool {
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        guard scanner.take(UInt8(ascii: "{")) else { return false }
        while true {
            scanner.skipWhitespace()
            guard scanner.peek == UInt8(ascii: "\"") else { return scanner.take(UInt8(ascii: "}")) }
            let keyStart = scanner.index + 1
            let escaped = scanner.skipString()
            let keyEnd = scanner.index - 1
            scanner.skipWhitespace()
            guard scanner.take(UInt8(ascii: ":")) else { return false }
            scanner.skipWhitespace()
            let valueStart = scanner.index
            scanner.skipValue()
            body(Member(key: keyStart..<keyEnd, value: valueStart..<scanner.index, keyIsEscaped: escaped))
            scanner.skipWhitespace()
            guard scanner.take(UInt8(ascii: ",")) else { return scanner.take(UInt8(ascii: "}")) }
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

        /// Skips a string from its opening quote; says whether it held escapes. Most of a body is
        /// strings: `memchr` finds the closing quote, and only a string with a backslash before it
        /// is scanned byte by byte.
        @inline(__always)
        mutating func skipString() -> Bool {
            let start = index + 1
            // Short strings (keys, roles) end sooner than a call to `memchr` returns.
            var at = start
            while at < bytes.count && at < start + 16 {
                let byte = bytes[at]
                if byte == UInt8(ascii: "\"") {
                    index = at + 1
                    return false
                }
                if byte == UInt8(ascii: "\\") { return skipEscapedString(from: at) }
                at += 1
            }
            guard at < bytes.count, let base = bytes.baseAddress else {
                index = bytes.count
                return false
            }
            let remaining = bytes.count - at
            guard let quote = memchr(base + at, Int32(UInt8(ascii: "\"")), remaining) else {
                index = bytes.count
                return memchr(base + at, Int32(UInt8(ascii: "\\")), remaining) != nil
            }
            let end = base.distance(to: UnsafeRawPointer(quote))
            if memchr(base + at, Int32(UInt8(ascii: "\\")), end - at) == nil {
                index = end + 1
                return false
            }
            return skipEscapedString(from: at)
        }

        /// The rest of a string known to hold an escape, from `at`, byte by byte.
        private mutating func skipEscapedString(from start: Int) -> Bool {
            var at = start
            while at < bytes.count {
                let byte = bytes[at]
                if byte == UInt8(ascii: "\"") {
                    index = at + 1
                    return true
                }
                at += byte == UInt8(ascii: "\\") ? 2 : 1
            }
            index = bytes.count
            return true
        }

        mutating func skipValue() {
            guard let first = peek else { return }
            switch first {
            case UInt8(ascii: "\""):
                _ = skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while index < bytes.count {
                    switch bytes[index] {
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
