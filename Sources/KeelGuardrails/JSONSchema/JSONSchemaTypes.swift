import KeelCore

/// The operand of `type`: a set of JSON Schema type names.
struct JSONSchemaTypes: OptionSet, Sendable {
    let rawValue: UInt8

    static let string = JSONSchemaTypes(rawValue: 1 << 0)
    static let number = JSONSchemaTypes(rawValue: 1 << 1)
    static let integer = JSONSchemaTypes(rawValue: 1 << 2)
    static let boolean = JSONSchemaTypes(rawValue: 1 << 3)
    static let object = JSONSchemaTypes(rawValue: 1 << 4)
    static let array = JSONSchemaTypes(rawValue: 1 << 5)
    static let null = JSONSchemaTypes(rawValue: 1 << 6)

    /// Also the order in which messages list them.
    private static let named: [(name: String, type: JSONSchemaTypes)] = [
        ("string", .string), ("number", .number), ("integer", .integer), ("boolean", .boolean),
        ("object", .object), ("array", .array), ("null", .null),
    ]

    init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    init?(name: String) {
        guard let match = Self.named.first(where: { $0.name == name }) else { return nil }
        self = match.type
    }

    func admits(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return contains(.null)
        case .bool: return contains(.boolean)
        case .int: return contains(.number) || contains(.integer)
        case .double(let double): return contains(.number) || (contains(.integer) && double.isIntegral)
        case .string: return contains(.string)
        case .array: return contains(.array)
        case .object: return contains(.object)
        }
    }

    /// `string`, `string or null`, `string, number or null`.
    var listed: String {
        let names = Self.named.filter { contains($0.type) }.map(\.name)
        guard let last = names.last, names.count > 1 else { return names.first ?? "nothing" }
        return names.dropLast().joined(separator: ", ") + " or " + last
    }
}

extension Double {
    /// JSON Schema counts 2.0 as an integer.
    var isIntegral: Bool { isFinite && rounded(.towardZero) == self }
}
