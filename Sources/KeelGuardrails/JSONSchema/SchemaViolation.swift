/// One way a value breaks its schema: where in the value, and what is wrong.
public struct SchemaViolation: Sendable, Equatable, CustomStringConvertible {
    /// JSONPath-like: `$`, `$.items[0].name`, `$['first name']`.
    public var path: String
    /// `expected integer, got string`, `missing required property 'name'`, ...
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// A schema Keel cannot validate with. The message starts with the schema location as a JSON
/// pointer fragment: `#/properties/code/pattern: invalid regular expression ...`.
public struct JSONSchemaError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public var description: String { message }

    init(_ problem: String, at location: SchemaPointer) {
        message = "\(location): \(problem)"
    }
}
