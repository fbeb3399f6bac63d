import KeelCore

/// A model that grades outputs (`llm-rubric`, `factuality`, `answer-relevance`,
/// `context-faithfulness`): it is sent the request's messages and returns the model's raw text.
public protocol EvalJudge: Sendable {
    func judge(_ request: JudgeRequest) async throws -> String
}

/// A model that embeds texts (`similar`): one vector per text, in order.
public protocol EvalEmbedder: Sendable {
    func embed(_ texts: [String], model: String?) async throws -> [[Double]]
}

/// What to send a judge: chat messages (system, then user), the model (nil = the configured
/// judge) and the `response_format` asking for the verdict object.
public struct JudgeRequest: Sendable, Hashable {
    public var assertion: EvalAssertionType
    public var messages: [JSONValue]
    public var model: String?
    public var responseFormat: JSONValue

    public init(assertion: EvalAssertionType, messages: [JSONValue], model: String?, responseFormat: JSONValue = JudgeRequest.verdictFormat) {
        self.assertion = assertion
        self.messages = messages
        self.model = model
        self.responseFormat = responseFormat
    }

    /// A strict JSON Schema response format: `{"reason": string, "pass": boolean, "score": number 0..1}`.
    public static let verdictFormat: JSONValue = [
        "type": "json_schema",
        "json_schema": [
            "name": "verdict",
            "strict": true,
            "schema": [
                "type": "object",
                "properties": [
                    "reason": ["type": "string"],
                    "pass": ["type": "boolean"],
                    "score": ["type": "number", "minimum": 0, "maximum": 1],
                ],
                "required": ["reason", "pass", "score"],
                "additionalProperties": false,
            ],
        ],
    ]
}

/// A judge's verdict, read strictly from its reply.
public struct JudgeReply: Sendable, Hashable {
    public var reason: String
    public var pass: Bool
    public var score: Double

    public init(reason: String, pass: Bool, score: Double) {
        self.reason = reason
        self.pass = pass
        self.score = score
    }

    /// Reads `{"reason": string, "pass": bool, "score": number in 0...1}`; only surrounding
    /// whitespace and a Markdown code fence (```json ... ```) are tolerated around it. The error
    /// says what is wrong and quotes (cut) what came back.
    public static func parse(_ reply: String) -> Result<JudgeReply, JudgeReplyError> {
        var text = reply.trimmingWhitespace()
        if text.hasPrefix("```") {
            guard text.hasSuffix("```"), text.count >= 6 else { return .failure(JudgeReplyError(problem: "an unclosed code fence", reply: reply)) }
            text = String(text.dropFirst(3).dropLast(3))
            if text.hasPrefix("json") { text = String(text.dropFirst(4)) }
            guard text.first == "\n" || text.first == " " || text.first == "{" else {
                return .failure(JudgeReplyError(problem: "a code fence that is not JSON", reply: reply))
            }
            text = text.trimmingWhitespace()
        }
        guard let value = try? JSONValue.parse(text), case .object(let object) = value else {
            return .failure(JudgeReplyError(problem: "not a JSON object", reply: reply))
        }
        guard let reason = object["reason"]?.stringValue else { return .failure(JudgeReplyError(problem: "no 'reason' string", reply: reply)) }
        guard let pass = object["pass"]?.boolValue else { return .failure(JudgeReplyError(problem: "no 'pass' boolean", reply: reply)) }
        guard let score = object["score"]?.doubleValue else { return .failure(JudgeReplyError(problem: "no 'score' number", reply: reply)) }
        guard score >= 0 && score <= 1 else { return .failure(JudgeReplyError(problem: "a score \(score) outside 0...1", reply: reply)) }
        return .success(JudgeReply(reason: reason, pass: pass, score: score))
    }
}

/// A judge reply that is not the verdict object.
public struct JudgeReplyError: Error, Sendable, Hashable, CustomStringConvertible {
    public var problem: String
    public var reply: String

    public var description: String { "the judge's reply is \(problem): \(quote(reply))" }
}
