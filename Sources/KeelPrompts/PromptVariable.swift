import KeelCore

/// A variable a prompt declares (`variables: {product: string}`) and the JSON values it accepts.
public struct PromptVariable: Sendable, Hashable {
    public var name: String
    public var type: PromptVariableType

    public init(name: String, type: PromptVariableType) {
        self.name = name
        self.type = type
    }
}

/// The JSON types a variable may be declared with:
/// - `string`: a JSON string;
/// - `number`: any JSON number;
/// - `integer`: a number with no fraction (`3` or `3.0`);
/// - `boolean`: `true` or `false`;
/// - `array`, `object`: a JSON array or object, inserted as compact JSON;
/// - `any`: any JSON value, `null` included.
public enum PromptVariableType: String, Sendable, Hashable, CaseIterable {
    case string, number, integer, boolean, array, object, any

    public func accepts(_ value: JSONValue) -> Bool {
        switch (self, value) {
        case (.any, _), (.string, .string), (.number, .int), (.number, .double), (.boolean, .bool), (.array, .array), (.object, .object):
            return true
        case (.integer, _):
            return value.integerValue != nil
        default:
            return false
        }
    }

    /// `a string`, `an integer`: for messages.
    var described: String {
        switch self {
        case .any: return "any JSON value"
        case .integer, .array, .object: return "an \(rawValue)"
        default: return "a \(rawValue)"
        }
    }
}
