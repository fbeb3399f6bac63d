import KeelCore

/// One side's answer to one test in one repeat, and its grade.
public struct EvalSideResult: Sendable, Hashable {
    public var role: EvalSide.Role
    /// Nil when the call failed (`error` says why).
    public var output: EvalOutput?
    public var error: String?
    public var verdict: TestVerdict
    public var traceID: String?

    public init(role: EvalSide.Role, output: EvalOutput?, error: String? = nil, verdict: TestVerdict, traceID: String? = nil) {
        self.role = role
        self.output = output
        self.error = error
        self.verdict = verdict
        self.traceID = traceID
    }

    /// A call that got no answer: the test fails with the call's error as its reason.
    public static func failedCall(_ role: EvalSide.Role, _ error: EvalCallError) -> EvalSideResult {
        EvalSideResult(
            role: role, output: nil, error: error.description,
            verdict: TestVerdict(pass: false, score: 0, assertions: [], reason: "the call failed: \(error.description)"))
    }

    public var json: JSONValue {
        var object: JSONObject = [
            "pass": .bool(verdict.pass), "score": .double(verdict.score), "reason": .string(verdict.reason),
            "output": output.map { .string($0.text) } ?? .null, "error": error.map(JSONValue.string) ?? .null,
            "trace_id": traceID.map(JSONValue.string) ?? .null,
            "assertions": .array(verdict.assertions.map(\.json)),
        ]
        if let output {
            if !output.toolCalls.isEmpty {
                object["tool_calls"] = .array(output.toolCalls.map { ["name": .string($0.name), "arguments": $0.arguments] })
            }
            object["finish_reason"] = output.finishReason.map(JSONValue.string) ?? .null
            object["latency_ms"] = .double(output.latencyMs)
            object["cost_usd"] = output.costUSD.map(JSONValue.double) ?? .null
            object["prompt_tokens"] = output.promptTokens.map { .int(Int64($0)) } ?? .null
            object["completion_tokens"] = output.completionTokens.map { .int(Int64($0)) } ?? .null
        }
        return .object(object)
    }
}

/// One test in one repeat, on every side of the run.
public struct EvalCaseResult: Sendable, Hashable {
    /// The test's place in the suite (0-based) and the repeat (0-based).
    public var test: Int
    public var repeatIndex: Int
    public var description: String
    public var vars: JSONObject
    public var location: String
    /// In the run's side order: the candidate first.
    public var sides: [EvalSideResult]

    public init(test: Int, repeatIndex: Int, description: String, vars: JSONObject, location: String, sides: [EvalSideResult]) {
        self.test = test
        self.repeatIndex = repeatIndex
        self.description = description
        self.vars = vars
        self.location = location
        self.sides = sides
    }

    public func side(_ role: EvalSide.Role) -> EvalSideResult? { sides.first { $0.role == role } }

    /// The candidate's result (the side a run is gated on).
    public var primary: EvalSideResult { side(.candidate) ?? sides[0] }

    /// One element of a report's `results`: the test, then each side by its role, the
    /// candidate's `pass`, `score`, `output` and `assertions` also at the top.
    public var json: JSONValue {
        var object: JSONObject = [
            "test": .int(Int64(test)), "repeat": .int(Int64(repeatIndex)), "description": .string(description), "vars": .object(vars),
            "location": .string(location),
        ]
        for side in sides { object[side.role.rawValue] = side.json }
        let primary = primary.json
        for key in ["pass", "score", "output", "reason", "assertions"] { object[key] = primary[key] }
        return .object(object)
    }
}

extension AssertionVerdict {
    public var json: JSONValue {
        [
            "type": .string((negated ? "not-" : "") + type.rawValue), "metric": .string(metric), "pass": .bool(passed),
            "status": .string(status.rawValue), "score": .double(score), "reason": .string(reason), "weight": .double(weight),
        ]
    }
}
