import KeelCore

/// `tool-call`: the output made a tool call matching the value.
///
/// - No value: any tool call passes.
/// - A string value: a call to the function of that name.
/// - `{name, arguments}`: a call to that function whose arguments hold the given ones, by
///   subset: every given key must be present with a value that holds the given value (objects
///   again by subset, lists and scalars by equality, `1` equal to `1.0`); keys the call has and
///   the value does not name are ignored. Without `arguments`, any arguments do.
enum ToolCallAssertion {
    static func evaluate(_ assertion: EvalAssertion, output: EvalOutput) -> AssertionOutcome {
        let calls = output.toolCalls
        let made = calls.map(\.name).joined(separator: ", ")
        guard let value = assertion.value, !value.isNull else {
            return .of(!calls.isEmpty, calls.isEmpty ? "the output made no tool call" : "the output called \(made)")
        }
        let name: String
        var expected: JSONValue?
        switch value {
        case .string(let given): name = given
        case .object(let object):
            guard let given = object["name"]?.stringValue else { return .error("'tool-call' value needs a 'name' (string)") }
            name = given
            expected = object["arguments"].flatMap { $0.isNull ? nil : $0 }
            if case .string(let text)? = expected, let parsed = try? JSONValue.parse(text) { expected = parsed }
        default:
            return .error("'tool-call' value must be a function name or {name, arguments}")
        }
        let named = calls.filter { $0.name == name }
        guard !named.isEmpty else {
            return .fail(calls.isEmpty ? "the output made no tool call, expected \(name)" : "no call to \(name) (called: \(made))")
        }
        guard let expected else { return .pass("the output called \(name)") }
        if named.contains(where: { JSONComparison.holds($0.decodedArguments, expected) }) {
            return .pass("the output called \(name) with the expected arguments")
        }
        return .fail(
            "\(name) was called with \(quote(named[0].decodedArguments.encodedString())), expected arguments holding \(quote(expected.encodedString()))"
        )
    }
}
