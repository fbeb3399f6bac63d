import KeelCore
import Synchronization

@testable import KeelEvals

/// A gateway stand-in: answers each chat call with what `answer` makes of its body, after a
/// random short pause (so calls finish out of order), and records the bodies and how many calls
/// were in flight at once.
final class FakeTransport: EvalTransport {
    private struct State {
        var bodies: [JSONObject] = []
        var inFlight = 0
        var mostInFlight = 0
    }

    private let state = Mutex(State())
    private let pause: ClosedRange<Int>
    private let answer: @Sendable (JSONObject) -> Result<EvalOutput, EvalCallError>

    init(pauseMs: ClosedRange<Int> = 0...8, answer: @escaping @Sendable (JSONObject) -> Result<EvalOutput, EvalCallError>) {
        pause = pauseMs
        self.answer = answer
    }

    /// Every body sent, in the order the calls began.
    var bodies: [JSONObject] { state.withLock { $0.bodies } }
    var mostInFlight: Int { state.withLock { $0.mostInFlight } }

    func chat(_ body: JSONObject) async throws(EvalCallError) -> EvalAnswer {
        state.withLock { state in
            state.bodies.append(body)
            state.inFlight += 1
            state.mostInFlight = max(state.mostInFlight, state.inFlight)
        }
        try? await Task.sleep(for: .milliseconds(Int.random(in: pause)))
        state.withLock { $0.inFlight -= 1 }
        return EvalAnswer(output: try answer(body).get(), traceID: "trace-\(Int.random(in: 0...999_999))")
    }

    func embed(_ body: JSONObject) async throws(EvalCallError) -> JSONValue {
        throw EvalCallError(status: 501, message: "no embeddings here")
    }

    /// `v2 says 3` for version 2 of a prompt called with `n: 3`; `small says: <last message>` for a model.
    static func echo(_ body: JSONObject) -> String {
        if let prompt = body["prompt"] {
            let n = prompt["variables"]?["n"].map { ReportNumbers.plain($0) ?? $0.encodedString() } ?? "?"
            return "v\(prompt["version"]?.intValue ?? 0) says \(n)"
        }
        let last = body["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
        return "\(body["model"]?.stringValue ?? "?") says: \(last)"
    }
}
