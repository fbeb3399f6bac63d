/// A strict RFC 8259 parser from UTF-8 bytes straight to `JSONValue`, without Foundation's
/// `JSONDecoder` and its Codable round trip (which dominated the gateway's per-request cost).
/// Errors name the line, the column and what was expected there.
struct JSONParser: ~Copyable {
    /// Deeper documents are refused so that hostile input cannot exhaust the stack.
    static let maxDepth = 512
    /// Room for the pending members or elements of a usual request at once, rather than growing
    /// one by one (each growth a copy and an allocation).
    private static let initialPendingCapacity = 32

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    /// The members of the objects and the elements of the arrays being parsed, innermost last:
    /// each container is made once at its end, at its final size, instead of growing (and
    /// rehashing) as it is read.
    private var pendingMembers: [(key: String, value: JSONValue)] = []
    private var pendingElements: [JSONValue] = []
    /// Where the document's top-level members lie, when asked for: a later edit of the bytes
    /// needs no second scan.
    private let recordsTopLevelMembers: Bool
    private(set) var topLevelMembers: [JSONSplice.Member] = []

    init(_ bytes: UnsafeRawBufferPointer, recordingTopLevelMembers: Bool = false) {
        self.bytes = bytes
        self.recordsTopLevelMembers = recordingTopLevelMembers
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw failure("The document is empty.") }
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw failure("Unexpected \(describeCurrent()) after the end of the JSON value.") }
        return value
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw failure("Unexpected end of input; expected a value.") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("Unexpected \(describeCurrent()); expected a value.")
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw failure("The document nests deeper than \(Self.maxDepth) levels.") }
        index += 1
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return .object([:]) }
        if pendingMembers.capacity == 0 { pendingMembers.reserveCapacity(Self.initialPendingCapacity) }
        let base = pendingMembers.count
        defer { pendingMembers.removeSubrange(base...) }
        let records = depth == 1 && recordsTopLevelMembers
        if records { topLevelMembers.reserveCapacity(Self.initialPendingCapacity / 2) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw failure("Unexpected \(describeCurrent()); expected a string key in an object.")
            }
            let keyStart = index + 1
            let key = try parseString()
            let keyRange = keyStart..<(index - 1)
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { throw failure("Unexpected \(describeCurrent()); expected ':' after an object key.") }
            skipWhitespace()
            let valueStart = index
            pendingMembers.append((key, try parseValue(depth: depth)))
            if records {
                // Every escape is longer than what it stands for, so an escaped key's name is shorter than its bytes.
                topLevelMembers.append(
                    JSONSplice.Member(key: keyRange, value: valueStart..<index, keyIsEscaped: key.utf8.count != keyRange.count))
            }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            if consume(UInt8(ascii: "}")) {
                var object = JSONObject(minimumCapacity: pendingMembers.count - base)
                for member in pendingMembers[base...] { object[member.key] = member.value }  // a repeated key: the last wins
                return .object(object)
            }
            throw failure("Unexpected \(describeCurrent()); expected ',' or '}' in an object.")
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw failure("The document nests deeper than \(Self.maxDepth) levels.") }
        index += 1
        skipWhitespace()
        if consume(UInt8(ascii: "]")) { return .array([]) }
        if pendingElements.capacity == 0 { pendingElements.reserveCapacity(Self.initialPendingCapacity) }
        let base = pendingElements.count
        defer { pendingElements.removeSubrange(base...) }
        while true {
            skipWhitespace()
            pendingElements.append(try parseValue(depth: depth))
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            if consume(UInt8(ascii: "]")) { return .array(Array(pendingElements[base...])) }
            throw failure("Unexpected \(describeCurrent()); expected ',' or ']' in an array.")
        }
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        let opening = index
        index += 1
        let start = index
        // Fast path: no escapes, so the bytes between the quotes are the string.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = try decodeUTF8(from: start, to: index)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw failure("A string contains an unescaped control character (0x\(hex(byte))).") }
            index += 1
        }
        guard index < bytes.count else {
            index = opening
            throw failure("A string is not terminated.")
        }
        var scalars: [UInt8] = []
        scalars.reserveCapacity(index - start + 16)
        scalars.append(contentsOf: bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: scalars, as: UTF8.self) else {
                    throw failure("A string is not valid UTF-8.")
                }
                return text
            case UInt8(ascii: "\\"):
                try appendEscape(into: &scalars)
            case ..<0x20:
                throw failure("A string contains an unescaped control character (0x\(hex(byte))).")
            default:
                scalars.append(byte)
                index += 1
            }
        }
        index = opening
        throw failure("A string is not terminated.")
    }

    private mutating func appendEscape(into output: inout [UInt8]) throws(JSONParseError) {
        index += 1
        guard index < bytes.count else { throw failure("A string ends inside an escape sequence.") }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escape)
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "n"): output.append(0x0A)
        case UInt8(ascii: "r"): output.append(0x0D)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "u"):
            let escapeStart = index - 2
            var scalar = try readHexQuad()
            if (0xD800...0xDBFF).contains(scalar), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                bytes[index + 1] == UInt8(ascii: "u")
            {
                index += 2
                let low = try readHexQuad()
                if (0xDC00...0xDFFF).contains(low) { scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00) }
            }
            // A lone surrogate is not a character: no string can hold it.
            guard let unicode = Unicode.Scalar(scalar) else {
                index = escapeStart
                throw failure("A string contains a lone UTF-16 surrogate escape; a surrogate must be followed by its pair.")
            }
            output.append(contentsOf: UTF8.encode(unicode)!)
        default:
            index -= 2
            throw failure("A string contains an invalid escape sequence '\\\(Character(Unicode.Scalar(escape)))'.")
        }
    }

    private mutating func readHexQuad() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("A \\u escape needs four hexadecimal digits.") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("A \\u escape needs four hexadecimal digits.")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        let negative = consume(UInt8(ascii: "-"))
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("A number needs a digit after its sign.") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw failure("A number must not have a leading zero.") }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        var isInteger = true
        if consume(UInt8(ascii: ".")) {
            isInteger = false
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("A number needs a digit after its decimal point.") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("A number needs a digit in its exponent.") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if isInteger, let integer = integerValue(from: negative ? start + 1 : start, to: index, negative: negative) {
            return .int(integer)
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let double = Double(text), double.isFinite else { throw failure("The number \(text) is out of range.") }
        return .double(double)
    }

    /// The integer in `start..<end`, or nil when it does not fit in 64 bits.
    private func integerValue(from start: Int, to end: Int, negative: Bool) -> Int64? {
        var magnitude: UInt64 = 0
        for position in start..<end {
            let (shifted, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, carry) = shifted.addingReportingOverflow(UInt64(bytes[position] - UInt8(ascii: "0")))
            if overflow || carry { return nil }
            magnitude = sum
        }
        if negative {
            if magnitude == UInt64(Int64.max) + 1 { return Int64.min }
            return magnitude <= UInt64(Int64.max) ? -Int64(magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        let matches =
            index + count <= bytes.count
            && literal.withUTF8Buffer { expected in (0..<count).allSatisfy { bytes[index + $0] == expected[$0] } }
        guard matches else { throw failure("Unexpected \(describeCurrent()); expected a value.") }
        index += count
    }

    private func decodeUTF8(from start: Int, to end: Int) throws(JSONParseError) -> String {
        let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        if slice.allSatisfy({ $0 < 0x80 }) { return String(decoding: slice, as: UTF8.self) }
        guard let text = String(validating: slice, as: UTF8.self) else { throw failure("A string is not valid UTF-8.") }
        return text
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }

    private func describeCurrent() -> String {
        guard index < bytes.count else { return "end of input" }
        let byte = bytes[index]
        guard byte >= 0x20, byte < 0x7F else { return "byte 0x\(hex(byte))" }
        return "character '\(Character(Unicode.Scalar(byte)))'"
    }

    /// An error at the current position, with its line and column (counted only on failure).
    private func failure(_ message: String) -> JSONParseError {
        var line = 1
        var column = 1
        for byte in bytes[..<min(index, bytes.count)] {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONParseError(message: "\(message) (line \(line), column \(column))")
    }
}
