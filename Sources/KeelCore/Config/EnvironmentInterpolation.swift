/// `${NAME}` and `${NAME:-default}` in configuration strings. An unset variable without a
/// default is an error: a missing API key must stop start-up, not reach a provider as "".
enum EnvironmentInterpolation {
    static func interpolate(
        _ text: String, environment: [String: String], fail: (String) -> ConfigError
    ) throws(ConfigError) -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw fail("unterminated ${ in \"\(text)\"")
            }
            let expression = rest[start.upperBound..<end]
            let (name, fallback) = split(expression)
            guard isValidName(name) else { throw fail("invalid environment variable name \"\(name)\"") }
            if let value = environment[String(name)], !(value.isEmpty && fallback != nil) {
                result += value
            } else if let fallback {
                result += fallback
            } else {
                throw fail("environment variable \(name) is not set")
            }
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    private static func split(_ expression: Substring) -> (Substring, Substring?) {
        guard let separator = expression.range(of: ":-") else { return (expression, nil) }
        return (expression[..<separator.lowerBound], expression[separator.upperBound...])
    }

    private static func isValidName(_ name: Substring) -> Bool {
        guard let first = name.first, first == "_" || first.isLetter else { return false }
        return name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }
}
