import Foundation
import KeelCore

/// Parses a request body that must be one JSON object.
public enum RequestBody {
    public static func object(from data: Data) throws(KeelError) -> JSONObject {
        try object(from: data) { (data) throws(JSONParseError) in try JSONValue.parse(data) }
    }

    /// The object and where its top-level members lie in `data`.
    static func objectAndMembers(from data: Data) throws(KeelError) -> (JSONObject, [JSONSplice.Member]) {
        var members: [JSONSplice.Member] = []
        let object = try object(from: data) { (data) throws(JSONParseError) in try JSONValue.parse(data, topLevelMembers: &members) }
        return (object, members)
    }

    private static func object(
        from data: Data, parse: (Data) throws(JSONParseError) -> JSONValue
    ) throws(KeelError) -> JSONObject {
        guard !data.isEmpty else {
            throw KeelError.invalidRequest("The request body is empty; expected a JSON object.", code: "invalid_json")
        }
        let value: JSONValue
        do {
            value = try parse(data)
        } catch {
            throw KeelError.invalidRequest("We could not parse the JSON body of your request: \(error.message)", code: "invalid_json")
        }
        guard case .object(let object) = value else {
            throw KeelError.invalidRequest("The request body must be a JSON object, found \(value.typeName).", code: "invalid_json")
        }
        return object
    }
}

/// Type checks on the fields of a JSON object, each failure naming the parameter.
struct FieldChecks {
    let object: JSONObject
    let path: String

    init(_ object: JSONObject, path: String = "") {
        self.object = object
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func requiredString(_ key: String) throws(KeelError) -> String {
        guard let value = object[key], !value.isNull else {
            throw KeelError.invalidRequest("Missing required parameter: '\(name(key))'.", param: name(key), code: "missing_required_parameter")
        }
        guard let string = value.stringValue else { throw typeError(key, expected: "a string", found: value) }
        guard !string.isEmpty else {
            throw KeelError.invalidRequest("'\(name(key))' must not be empty.", param: name(key), code: "invalid_value")
        }
        return string
    }

    func requiredArray(_ key: String) throws(KeelError) -> [JSONValue] {
        guard let value = object[key], !value.isNull else {
            throw KeelError.invalidRequest("Missing required parameter: '\(name(key))'.", param: name(key), code: "missing_required_parameter")
        }
        guard let array = value.arrayValue else { throw typeError(key, expected: "an array", found: value) }
        return array
    }

    func optionalString(_ key: String) throws(KeelError) -> String? {
        guard let value = present(key) else { return nil }
        guard let string = value.stringValue else { throw typeError(key, expected: "a string", found: value) }
        return string
    }

    func optionalBool(_ key: String) throws(KeelError) -> Bool? {
        guard let value = present(key) else { return nil }
        guard let bool = value.boolValue else { throw typeError(key, expected: "a boolean", found: value) }
        return bool
    }

    func optionalObject(_ key: String) throws(KeelError) -> JSONObject? {
        guard let value = present(key) else { return nil }
        guard let object = value.objectValue else { throw typeError(key, expected: "an object", found: value) }
        return object
    }

    func optionalArray(_ key: String) throws(KeelError) -> [JSONValue]? {
        guard let value = present(key) else { return nil }
        guard let array = value.arrayValue else { throw typeError(key, expected: "an array", found: value) }
        return array
    }

    /// An integer, written as one (`5`) or as a number with no fraction (`5.0`), as JSON Schema
    /// counts integers.
    func optionalInteger(_ key: String, in range: ClosedRange<Int>) throws(KeelError) {
        guard let value = present(key) else { return }
        let written: Bool
        switch value {
        case .int: written = true
        case .double(let number): written = number.rounded(.towardZero) == number
        default: written = false
        }
        guard written else { throw typeError(key, expected: "an integer", found: value) }
        guard let integer = value.integerValue.flatMap({ Int(exactly: $0) }), range.contains(integer) else {
            throw rangeError(key, value.encodedString(), range: "\(range.lowerBound) to \(range.upperBound)")
        }
    }

    func optionalNumber(_ key: String, in range: ClosedRange<Double>) throws(KeelError) {
        guard let value = present(key) else { return }
        guard let number = value.doubleValue else { throw typeError(key, expected: "a number", found: value) }
        guard range.contains(number) else { throw rangeError(key, "\(number)", range: "\(range.lowerBound) to \(range.upperBound)") }
    }

    func oneOf(_ key: String, _ allowed: [String], value: String) throws(KeelError) {
        guard allowed.contains(value) else {
            throw KeelError.invalidRequest(
                "Invalid value for '\(name(key))': '\(value)'. Supported values are: \(allowed.map { "'\($0)'" }.joined(separator: ", ")).",
                param: name(key), code: "invalid_value")
        }
    }

    private func present(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    func typeError(_ key: String, expected: String, found: JSONValue) -> KeelError {
        KeelError.invalidRequest(
            "Invalid type for '\(name(key))': expected \(expected), but got \(found.typeName).", param: name(key), code: "invalid_type")
    }

    private func rangeError(_ key: String, _ value: String, range: String) -> KeelError {
        KeelError.invalidRequest("Invalid value for '\(name(key))': \(value) is outside the range \(range).", param: name(key), code: "invalid_value")
    }
}
