import KeelCore

/// One test of a report as the table and the HTML page show it: its results across repeats,
/// and where it stands (regressed, failing, passing) — read from the report's JSON alone.
struct ReportTestGroup {
    /// The order the renderings list tests in: regressions first, then failures, then passes.
    enum Standing: Int, Comparable, CaseIterable {
        case regressed
        case failing
        case passing

        static func < (lhs: Standing, rhs: Standing) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    var test: Int
    var description: String
    var location: String
    /// The test's elements of the report's `results`, in repeat order.
    var results: [JSONValue]
    var standing: Standing

    /// Each repeat's result on `side` (`candidate`, `baseline`); empty when the run has no such side.
    func runs(on side: String) -> [JSONValue] { results.compactMap { $0[side] } }

    /// How many of the side's repeats passed, and how many there are.
    func passCount(on side: String) -> (passed: Int, total: Int) {
        let runs = runs(on: side)
        return (runs.filter { $0["pass"]?.boolValue == true }.count, runs.count)
    }

    func meanScore(on side: String) -> Double {
        let scores = runs(on: side).map { $0["score"]?.doubleValue ?? 0 }
        return scores.isEmpty ? 0 : scores.reduce(0, +) / Double(scores.count)
    }

    /// Whether every repeat of the side's call got no answer.
    func allCallsFailed(on side: String) -> Bool {
        let runs = runs(on: side)
        return !runs.isEmpty && runs.allSatisfy { ($0["error"]?.stringValue).map { !$0.isEmpty } ?? false }
    }

    /// The reason of the candidate's first failing repeat; else the baseline's, marked as such.
    var firstFailingReason: String? {
        for side in EvalSide.Role.allCases {
            if let failed = runs(on: side.rawValue).first(where: { $0["pass"]?.boolValue != true }) {
                let reason = failed["reason"]?.stringValue ?? ""
                return side == .candidate ? reason : "\(side.rawValue): \(reason)"
            }
        }
        return nil
    }

    /// The report's tests, regressions first, then failing, then passing, each in suite order.
    static func groups(of report: JSONValue) -> [ReportTestGroup] {
        let regressed = Set((report["summary"]?["regressions"]?.arrayValue ?? []).compactMap { $0["test"]?.intValue })
        var order: [Int] = []
        var byTest: [Int: [JSONValue]] = [:]
        for (position, result) in (report["results"]?.arrayValue ?? []).enumerated() {
            let test = result["test"]?.intValue ?? position
            if byTest[test] == nil { order.append(test) }
            byTest[test, default: []].append(result)
        }
        let groups = order.map { test -> ReportTestGroup in
            let results = byTest[test]!.sorted { ($0["repeat"]?.intValue ?? 0) < ($1["repeat"]?.intValue ?? 0) }
            let candidatePasses = results.allSatisfy { ($0["candidate"]?["pass"] ?? $0["pass"])?.boolValue == true }
            let standing: Standing = regressed.contains(test) ? .regressed : candidatePasses ? .passing : .failing
            return ReportTestGroup(
                test: test, description: results[0]["description"]?.stringValue ?? "test \(test + 1)",
                location: results[0]["location"]?.stringValue ?? "", results: results, standing: standing)
        }
        return groups.enumerated().sorted { ($0.element.standing, $0.offset) < ($1.element.standing, $1.offset) }.map(\.element)
    }
}
