import Foundation
import KeelCore

/// A stored eval run: what it tested and how it ended, and its whole report (KeelEvals'
/// `EvalRunReport` JSON).
public struct EvalRunRecord: Sendable, Equatable {
    public var id: String
    public var suite: String
    public var description: String?
    public var startedAt: Date
    /// `passed`, `failed` or `error`.
    public var verdict: String
    /// The prompt and version the candidate side ran, when it was a prompt (what protected labels check).
    public var candidatePrompt: String?
    public var candidateVersion: Int?
    /// `support-reply@3`, or the model's name.
    public var candidate: String
    public var baseline: String?
    public var passRate: Double
    /// Where it ran: `cli`, `schedule` or `api`.
    public var origin: String
    public var report: JSONValue

    public init(
        id: String, suite: String, description: String?, startedAt: Date, verdict: String, candidatePrompt: String?, candidateVersion: Int?,
        candidate: String, baseline: String?, passRate: Double, origin: String, report: JSONValue
    ) {
        self.id = id
        self.suite = suite
        self.description = description
        self.startedAt = startedAt
        self.verdict = verdict
        self.candidatePrompt = candidatePrompt
        self.candidateVersion = candidateVersion
        self.candidate = candidate
        self.baseline = baseline
        self.passRate = passRate
        self.origin = origin
        self.report = report
    }

    /// The run's line in a list: everything but the report.
    public var summaryJSON: JSONValue {
        [
            "id": .string(id), "object": "eval_run", "suite": .string(suite), "description": description.json,
            "started_at": .string(Trace.format(startedAt)), "verdict": .string(verdict), "candidate": .string(candidate),
            "baseline": baseline.json, "pass_rate": .double(passRate), "origin": .string(origin),
        ]
    }
}

/// Which runs to list, newest first.
public struct EvalRunQuery: Sendable, Equatable {
    public var suite: String?
    public var prompt: String?
    public var verdict: String?
    public var limit = 50

    public init(suite: String? = nil, prompt: String? = nil, verdict: String? = nil, limit: Int = 50) {
        self.suite = suite
        self.prompt = prompt
        self.verdict = verdict
        self.limit = limit
    }
}

public protocol EvalRunStore: Sendable {
    func saveEvalRun(_ run: EvalRunRecord) async throws
    func evalRun(id: String) async throws -> EvalRunRecord?
    func evalRuns(_ query: EvalRunQuery) async throws -> [EvalRunRecord]
    /// The newest passing run whose candidate was this prompt version, if any.
    func passingEvalRun(prompt: String, version: Int) async throws -> EvalRunRecord?
}
