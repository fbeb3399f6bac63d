import KeelCore

/// One side of a run: what the tests are sent to. A run has a candidate (the change under test)
/// and, with `--baseline`, a baseline it is compared with.
public struct EvalSide: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable, CaseIterable {
        case candidate
        case baseline
    }

    /// A prompt's version (a label is resolved to its version before the run, so a rollout
    /// splitting the label does not mix versions), or a Keel model.
    public enum Target: Sendable, Hashable {
        case prompt(name: String, version: Int)
        case model(String)
    }

    public var role: Role
    public var target: Target
    /// As the user named it: `support-reply@production`, `smart`.
    public var requested: String

    public init(role: Role, target: Target, requested: String) {
        self.role = role
        self.target = target
        self.requested = requested
    }

    /// `support-reply@3`, or the model's name.
    public var resolved: String {
        switch target {
        case .prompt(let name, let version): return "\(name)@\(version)"
        case .model(let name): return name
        }
    }

    /// The chat completion body for `test`: the prompt called by reference with the test's
    /// variables (its messages, if any, after the prompt's), or the model with the test's messages.
    public func body(for test: EvalTest) -> JSONObject {
        switch target {
        case .prompt(let name, let version):
            var body: JSONObject = [
                "prompt": ["id": .string(name), "version": .int(Int64(version)), "variables": .object(test.vars)]
            ]
            if test.messages != nil { body["messages"] = .array(test.renderedMessages) }
            return body
        case .model(let name):
            return ["model": .string(name), "messages": .array(test.renderedMessages)]
        }
    }

    public var json: JSONValue {
        var object: JSONObject = ["role": .string(role.rawValue), "requested": .string(requested), "resolved": .string(resolved)]
        switch target {
        case .prompt(let name, let version):
            object["prompt"] = .string(name)
            object["version"] = .int(Int64(version))
        case .model(let name):
            object["model"] = .string(name)
        }
        return .object(object)
    }
}
