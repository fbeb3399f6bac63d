import KeelCore

/// Typed values of a query string: a value that is not one is a 400 naming its parameter, never
/// a default silently taken in its place.
enum QueryValue {
    /// An integer in `range`; nil when the parameter is absent.
    static func integer(_ text: Substring?, _ name: String, in range: ClosedRange<Int>) throws(KeelError) -> Int? {
        guard let text else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw KeelError.invalidRequest(
                "Invalid value for '\(name)': expected an integer from \(range.lowerBound) to \(range.upperBound).", param: name,
                code: "invalid_value")
        }
        return number
    }

    /// One of `allowed`; nil when the parameter is absent. An empty value is as wrong as any
    /// other outside the list (a filter the client wrote but left blank is not no filter).
    static func oneOf(_ text: Substring?, _ name: String, _ allowed: [String]) throws(KeelError) -> String? {
        guard let text else { return nil }
        let value = String(text)
        guard allowed.contains(value) else {
            throw KeelError.invalidRequest(
                "Invalid value for '\(name)': '\(value)'. Supported values are: \(allowed.joined(separator: ", ")).", param: name,
                code: "invalid_value")
        }
        return value
    }

    /// `true` or `false` (`1` and `0` too); nil when the parameter is absent.
    static func boolean(_ text: Substring?, _ name: String) throws(KeelError) -> Bool? {
        guard let text else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default:
            throw KeelError.invalidRequest("Invalid value for '\(name)': expected true or false.", param: name, code: "invalid_value")
        }
    }
}
