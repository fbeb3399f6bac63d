import KeelEvals
import KeelStore

/// `keel eval calibrate`: per online eval, how often its judge agrees with the people who
/// annotated the same traces under the same name.
public enum CalibrationReport {
    /// Categorical annotations read as a pass or a fail; any other value is left out.
    static let passing: Set<String> = ["good", "pass", "passed", "yes", "correct", "true", "positive", "helpful", "up", "thumbs_up"]
    static let failing: Set<String> = ["bad", "fail", "failed", "no", "incorrect", "false", "negative", "unhelpful", "down", "thumbs_down"]

    public static func make(store: any ScoreStore, name: String? = nil) async throws -> [JudgeCalibration] {
        var pairs: [String: [JudgeCalibration.Pair]] = [:]
        var order: [String] = []
        for (scoreName, judge, annotation) in try await store.judgedAndAnnotated(name: name) {
            guard let person = passed(annotation) else { continue }
            if pairs[scoreName] == nil { order.append(scoreName) }
            pairs[scoreName, default: []].append(JudgeCalibration.Pair(judgePassed: judgePassed(judge), personPassed: person))
        }
        return order.map { JudgeCalibration(name: $0, pairs: pairs[$0] ?? []) }
    }

    /// An online eval's score says `pass: ...` or `fail: ...` in its comment; else its value from 0.5 passes.
    static func judgePassed(_ score: Score) -> Bool {
        if let comment = score.comment {
            if comment.hasPrefix("pass") { return true }
            if comment.hasPrefix("fail") { return false }
        }
        return (score.value ?? 0) >= 0.5
    }

    static func passed(_ annotation: Score) -> Bool? {
        if let value = annotation.value { return value >= 0.5 }
        guard let text = annotation.stringValue?.lowercased() else { return nil }
        if passing.contains(text) { return true }
        if failing.contains(text) { return false }
        return nil
    }
}
