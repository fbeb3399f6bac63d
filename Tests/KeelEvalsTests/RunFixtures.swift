import Foundation
import KeelCore

@testable import KeelEvals

/// Results and reports built by hand, for the summary and the renderings.
enum RunFixtures {
    static let candidate = EvalSide(role: .candidate, target: .prompt(name: "support", version: 3), requested: "support@staging")
    static let baseline = EvalSide(role: .baseline, target: .prompt(name: "support", version: 2), requested: "support@production")

    /// A side's answer that passed or failed its one `contains` assertion.
    static func answer(
        _ role: EvalSide.Role, pass: Bool, score: Double? = nil, text: String = "an answer", latencyMs: Double = 100, costUSD: Double? = nil,
        promptTokens: Int? = 10, completionTokens: Int? = 5, reason: String? = nil
    ) -> EvalSideResult {
        let assertion = AssertionVerdict(
            type: .contains, negated: false, metric: "contains", status: pass ? .pass : .fail, score: score ?? (pass ? 1 : 0),
            reason: reason ?? (pass ? "found it" : "expected \"refund\""), weight: 1)
        return EvalSideResult(
            role: role,
            output: EvalOutput(
                text: text, finishReason: "stop", costUSD: costUSD, latencyMs: latencyMs, promptTokens: promptTokens,
                completionTokens: completionTokens),
            verdict: EvalGrader.grade([assertion]), traceID: "trace-\(role.rawValue)")
    }

    static func unanswered(_ role: EvalSide.Role) -> EvalSideResult {
        .failedCall(role, EvalCallError(status: 503, message: "upstream unavailable"))
    }

    static func result(
        _ test: Int, repeat repeatIndex: Int = 0, description: String? = nil, vars: JSONObject = [:], _ sides: EvalSideResult...
    ) -> EvalCaseResult {
        EvalCaseResult(
            test: test, repeatIndex: repeatIndex, description: description ?? "test \(test + 1)", vars: vars, location: "suite.yaml:\(test + 3)",
            sides: sides)
    }

    static func summary(_ results: [EvalCaseResult], threshold: Double? = nil, baseline: Bool = true) -> EvalRunSummary {
        EvalRunSummary(results: results, sides: baseline ? [candidate, self.baseline] : [candidate], threshold: threshold)
    }

    static func report(_ results: [EvalCaseResult], threshold: Double? = nil, baseline: Bool = true, repeats: Int = 1) -> JSONValue {
        let suite = EvalSuite(
            description: "Support replies <v3> & friends", target: .prompt(EvalPromptSelector(name: "support")), threshold: threshold, tests: [],
            file: "evals/support.yaml")
        let started = Date(timeIntervalSince1970: 1_790_000_000)
        return EvalRunReport(
            id: "eval_0123456789ab", suite: suite, startedAt: started, finishedAt: started.addingTimeInterval(12.5), repeats: repeats,
            sides: baseline ? [candidate, self.baseline] : [candidate], results: results
        ).json
    }

    /// Three tests: one regressed, one failing on both sides, one passing on both.
    static var regressedRun: [EvalCaseResult] {
        [
            result(0, description: "greets the customer", answer(.candidate, pass: true, costUSD: 0.01), answer(.baseline, pass: true)),
            result(
                1, description: "mentions the refund policy", answer(.candidate, pass: false, costUSD: 0.0023),
                answer(.baseline, pass: true)),
            result(
                2, description: "cites the order number", answer(.candidate, pass: false, reason: "no order number"),
                answer(.baseline, pass: false)),
        ]
    }
}
