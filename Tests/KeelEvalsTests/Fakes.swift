import KeelCore
import KeelEvals

/// A judge that answers every request with `reply` (or throws), and records the requests.
final class FakeJudge: EvalJudge, @unchecked Sendable {
    struct Unreachable: Error, CustomStringConvertible {
        var description: String { "connection refused" }
    }

    let reply: String?
    private(set) var requests: [JudgeRequest] = []

    init(reply: String?) { self.reply = reply }

    static func verdict(pass: Bool, score: Double, reason: String = "judged") -> FakeJudge {
        FakeJudge(reply: #"{"reason": "\#(reason)", "pass": \#(pass), "score": \#(score)}"#)
    }

    func judge(_ request: JudgeRequest) async throws -> String {
        requests.append(request)
        guard let reply else { throw Unreachable() }
        return reply
    }
}

/// Embeds each text as the vector its table gives (a zero-free default otherwise).
struct FakeEmbedder: EvalEmbedder {
    var vectors: [String: [Double]]
    var fails = false

    func embed(_ texts: [String], model: String?) async throws -> [[Double]] {
        if fails { throw FakeJudge.Unreachable() }
        return texts.map { vectors[$0] ?? [1, 0, 0] }
    }
}

func check(
    _ assertion: EvalAssertion, _ output: EvalOutput, vars: JSONObject = [:], messages: [JSONValue] = [], judge: (any EvalJudge)? = nil,
    embedder: (any EvalEmbedder)? = nil
) async -> AssertionVerdict {
    await AssertionEvaluator(judge: judge, embedder: embedder).evaluate(
        assertion, output: output, test: EvalTestContext(vars: vars, messages: messages))
}

func check(_ assertion: EvalAssertion, _ text: String, vars: JSONObject = [:]) async -> AssertionVerdict {
    await check(assertion, EvalOutput(text: text), vars: vars)
}
