import Foundation
import KeelCore

/// A whole run as it is reported and stored: the suite, the sides, every result, the summary.
/// Its JSON (`json`) is the canonical form: the report file, `/api/evals/{id}`, and what the
/// table, HTML and CSV renderings read.
public struct EvalRunReport: Sendable {
    public var id: String
    public var suiteFile: String
    public var suiteDescription: String?
    public var startedAt: Date
    public var finishedAt: Date
    public var repeats: Int
    public var sides: [EvalSide]
    public var results: [EvalCaseResult]
    public var summary: EvalRunSummary

    public init(
        id: String, suite: EvalSuite, startedAt: Date, finishedAt: Date, repeats: Int, sides: [EvalSide], results: [EvalCaseResult]
    ) {
        self.id = id
        suiteFile = suite.file
        suiteDescription = suite.description
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.repeats = repeats
        self.sides = sides
        self.results = results
        summary = EvalRunSummary(results: results, sides: sides, threshold: suite.threshold)
    }

    /// A new run's id: `eval_` and 12 random hex digits.
    public static func newID() -> String {
        "eval_" + (0..<12).map { _ in String(UInt8.random(in: 0...15), radix: 16) }.joined()
    }

    public var json: JSONValue {
        [
            "id": .string(id), "suite": .string(suiteFile), "description": suiteDescription.map(JSONValue.string) ?? .null,
            "started_at": .string(Self.timestamp(startedAt)), "finished_at": .string(Self.timestamp(finishedAt)),
            "duration_ms": .double((finishedAt.timeIntervalSince(startedAt) * 1000).rounded()), "repeat": .int(Int64(repeats)),
            "sides": .array(sides.map(\.json)), "summary": summary.json, "results": .array(results.map(\.json)),
        ]
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
