import KeelCore

/// Reads the operands of one schema object's keywords, throwing with the keyword's location
/// when an operand has the wrong shape.
struct SchemaKeywordReader {
    let object: JSONObject
    let location: SchemaPointer

    subscript(keyword: String) -> JSONValue? { object[keyword] }

    func location(of keyword: String) -> SchemaPointer {
        location.appending(keyword)
    }

    func failure(_ keyword: String, _ problem: String) -> JSONSchemaError {
        JSONSchemaError("'\(keyword)' \(problem)", at: location(of: keyword))
    }

    func number(_ keyword: String) throws(JSONSchemaError) -> SchemaNumber? {
        guard let value = object[keyword] else { return nil }
        guard let number = SchemaNumber(value) else { throw failure(keyword, "must be a number, got \(value.typeName)") }
        return number
    }

    /// A non-negative integer, as `minLength` and its kind take; 2.0 counts.
    func count(_ keyword: String) throws(JSONSchemaError) -> Int? {
        switch object[keyword] {
        case nil: return nil
        case .int(let int)? where int >= 0: return Int(clamping: int)
        case .double(let double)? where double.isIntegral && double >= 0: return double < 0x1p63 ? Int(double) : Int.max
        case let value?: throw failure(keyword, "must be a non-negative integer, got \(ValueDescription.describe(value))")
        }
    }

    func countRange(minimum: String, maximum: String) throws(JSONSchemaError) -> SchemaKeyword.CountRange {
        SchemaKeyword.CountRange(minimum: try count(minimum), maximum: try count(maximum))
    }

    func string(_ keyword: String) throws(JSONSchemaError) -> String? {
        guard let value = object[keyword] else { return nil }
        guard case .string(let string) = value else { throw failure(keyword, "must be a string, got \(value.typeName)") }
        return string
    }

    func bool(_ keyword: String) throws(JSONSchemaError) -> Bool? {
        guard let value = object[keyword] else { return nil }
        guard case .bool(let bool) = value else { throw failure(keyword, "must be a boolean, got \(value.typeName)") }
        return bool
    }

    func array(_ keyword: String) throws(JSONSchemaError) -> [JSONValue]? {
        guard let value = object[keyword] else { return nil }
        guard case .array(let array) = value else { throw failure(keyword, "must be an array, got \(value.typeName)") }
        return array
    }

    func strings(_ keyword: String) throws(JSONSchemaError) -> [String]? {
        guard let array = try array(keyword) else { return nil }
        guard let strings = Self.strings(array) else { throw failure(keyword, "must be an array of strings") }
        return strings
    }

    /// Sorted by key, so that the first error reported does not depend on hashing.
    func object(_ keyword: String) throws(JSONSchemaError) -> [(key: String, value: JSONValue)]? {
        guard let value = object[keyword] else { return nil }
        guard case .object(let members) = value else { throw failure(keyword, "must be an object, got \(value.typeName)") }
        return members.sorted { $0.key < $1.key }
    }

    static func strings(_ array: [JSONValue]) -> [String]? {
        var strings: [String] = []
        for element in array {
            guard case .string(let string) = element else { return nil }
            strings.append(string)
        }
        return strings
    }
}
