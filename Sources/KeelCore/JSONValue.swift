import Foundation

/// Any JSON document. Request and response bodies travel through Keel as `JSONValue` so that
/// fields Keel does not know about reach the provider untouched.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

public typealias JSONObject = [String: JSONValue]

extension Dictionary where Key == String {
    /// The value for `key`, found by comparing keys when there are a few (a short key compares
    /// faster than it hashes), else by lookup. For the per-request reads of small objects.
    @inlinable
    public func value(comparingKeysFor key: String) -> Value? {
        guard count <= 8 else { return self[key] }
        // By index and key alone: iterating the pairs would copy (and count) every value.
        var index = startIndex
        while index != endIndex {
            if keys[index] == key { return values[index] }
            formIndex(after: &index)
        }
        return nil
    }
}

extension JSONValue {
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var intValue: Int? {
        switch self {
        case .int(let value): return Int(exactly: value)
        case .double(let value): return value.rounded() == value && abs(value) < 1e15 ? Int(value) : nil
        default: return nil
        }
    }

    /// The integer a JSON number stands for, as JSON Schema counts integers: `5` or `5.0`. A
    /// number outside Int64 is none, though the parser, having read it as a double, may have
    /// rounded it to -2^63 (as it does -9223372036854775809).
    public var integerValue: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value.rounded(.towardZero) == value && value > -0x1p63: return Int64(exactly: value)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The JSON type name used in error messages ("string", "object", ...).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue {
    /// Parses a JSON document; the error names what is wrong with it and where.
    public static func parse(_ data: Data) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = data.withUnsafeBytes { bytes in
            Result { () throws(JSONParseError) in try parse(bytes: bytes) }
        }
        return try result.get()
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        let result: Result<JSONValue, JSONParseError> = text.withUTF8 { utf8 in
            Result { () throws(JSONParseError) in try parse(bytes: UnsafeRawBufferPointer(utf8)) }
        }
        return try result.get()
    }

    public static func parse(bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes)
        return try parser.parseDocument()
    }

    /// Parses a JSON document and says where the top-level members of an object lie in `data`
    /// (none for any other value), as `JSONSplice.members(of:)` would, without scanning again.
    public static func parse(_ data: Data, topLevelMembers: inout [JSONSplice.Member]) throws(JSONParseError) -> JSONValue {
        let result: Result<(JSONValue, [JSONSplice.Member]), JSONParseError> = data.withUnsafeBytes { bytes in
            Result { () throws(JSONParseError) in
                var parser = JSONParser(bytes, recordingTopLevelMembers: true)
                let value = try parser.parseDocument()
                return (value, parser.topLevelMembers)
            }
        }
        let (value, members) = try result.get()
        topLevelMembers = members
        return value
    }

    public func encoded() -> Data {
        Data(encodedBytes())
    }

    public func encodedString() -> String {
        String(decoding: encodedBytes(), as: UTF8.self)
    }

    /// The encoding as UTF-8 bytes, appended to `output`.
    public func encode(into output: inout [UInt8]) {
        JSONWriter.write(self, into: &output)
    }

    /// `text` as the inside of a JSON string (escaped, without quotes), appended to `output`.
    public static func appendEscaped(_ text: String, to output: inout [UInt8]) {
        JSONWriter.writeEscaped(text, into: &output)
    }

    public func encodedBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        JSONWriter.write(self, into: &output)
        return output
    }

    /// Keys sorted, for fixtures and stable hashing.
    public func canonicalString() -> String {
        var output: [UInt8] = []
        JSONWriter.write(self, into: &output, sortedKeys: true)
        return String(decoding: output, as: UTF8.self)
    }
}

public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
