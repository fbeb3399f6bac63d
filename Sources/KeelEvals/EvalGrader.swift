/// A test's verdict from its assertions' verdicts.
public struct TestVerdict: Sendable, Hashable {
    public var pass: Bool
    /// The weighted mean of the assertions' scores (weight-0 assertions left out); 1 with none.
    public var score: Double
    public var assertions: [AssertionVerdict]
    /// The first failing or erroring assertion's reason, or "all assertions passed".
    public var reason: String

    public init(pass: Bool, score: Double, assertions: [AssertionVerdict], reason: String) {
        self.pass = pass
        self.score = score
        self.assertions = assertions
        self.reason = reason
    }

    public var hasErrors: Bool { assertions.contains(where: \.isError) }
}

/// The scores and pass rate of one metric (an assertion's `metric`, else its type name) across
/// the tests that use it.
public struct MetricSummary: Sendable, Hashable {
    public var name: String
    public var count: Int
    public var passed: Int
    public var errors: Int
    public var meanScore: Double

    public var passRate: Double { count == 0 ? 0 : Double(passed) / Double(count) }
}

/// Grades tests and suites (promptfoo's rules, with the choices below).
///
/// - Without a test threshold, a test passes iff every assertion passes.
/// - With one, it passes iff its score ≥ the threshold and no assertion errored (an error is
///   never outweighed); failing assertions may then be outweighed.
/// - The score is the weighted mean of the scores, an error scoring 0. Weight-0 assertions do not
///   count in the score but still count for pass/fail (without a threshold). With no weighted
///   assertion the score is 1 if the test passed, else 0.
/// - A suite passes when the share of passing tests reaches its threshold (default 1: all).
public enum EvalGrader {
    public static func grade(_ verdicts: [AssertionVerdict], threshold: Double? = nil) -> TestVerdict {
        let totalWeight = verdicts.reduce(0) { $0 + max($1.weight, 0) }
        let errored = verdicts.contains(where: \.isError)
        let allPassed = verdicts.allSatisfy(\.passed)
        var score: Double
        if totalWeight > 0 {
            score = verdicts.reduce(0) { $0 + max($1.weight, 0) * ($1.isError ? 0 : $1.score) } / totalWeight
        } else {
            score = allPassed ? 1 : 0
        }
        score = min(max(score, 0), 1)
        let pass: Bool
        let reason: String
        if let threshold {
            pass = !errored && score >= threshold
            if let error = verdicts.first(where: \.isError) {
                reason = "\(error.metric): error: \(error.reason)"
            } else {
                reason = "score \(format((score * 1000).rounded() / 1000)) \(pass ? "≥" : "<") threshold \(format(threshold))"
            }
        } else {
            pass = allPassed
            if let first = verdicts.first(where: { !$0.passed }) {
                reason = "\(first.metric): \(first.isError ? "error: " : "")\(first.reason)"
            } else {
                reason = "all assertions passed"
            }
        }
        return TestVerdict(pass: pass, score: score, assertions: verdicts, reason: reason)
    }

    /// The share of tests that passed; 1 with no tests.
    public static func passRate(_ tests: [TestVerdict]) -> Double {
        tests.isEmpty ? 1 : Double(tests.filter(\.pass).count) / Double(tests.count)
    }

    /// Whether a suite passes: its pass rate reaches `threshold` (default 1).
    public static func suitePasses(_ tests: [TestVerdict], threshold: Double?) -> Bool {
        passRate(tests) >= (threshold ?? 1)
    }

    /// Per metric, in order of first appearance: how many verdicts, passes, errors, mean score.
    public static func metrics(_ tests: [TestVerdict]) -> [MetricSummary] {
        var order: [String] = []
        var summaries: [String: MetricSummary] = [:]
        var sums: [String: Double] = [:]
        for verdict in tests.flatMap(\.assertions) {
            if summaries[verdict.metric] == nil {
                order.append(verdict.metric)
                summaries[verdict.metric] = MetricSummary(name: verdict.metric, count: 0, passed: 0, errors: 0, meanScore: 0)
            }
            summaries[verdict.metric]!.count += 1
            if verdict.passed { summaries[verdict.metric]!.passed += 1 }
            if verdict.isError { summaries[verdict.metric]!.errors += 1 }
            sums[verdict.metric, default: 0] += verdict.isError ? 0 : verdict.score
        }
        return order.map { name in
            var summary = summaries[name]!
            summary.meanScore = sums[name]! / Double(summary.count)
            return summary
        }
    }
}
