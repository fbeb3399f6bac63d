import Foundation
import GRDB
import KeelCore

extension SQLiteTraceStore: EvalRunStore {
    public func saveEvalRun(_ run: EvalRunRecord) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO eval_runs (id, suite, description, started_at, verdict, candidate_prompt, candidate_version,
                                                      candidate, baseline, pass_rate, origin, report)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run.id, run.suite, run.description, SQLiteTraceRow.micros(run.startedAt), run.verdict, run.candidatePrompt,
                    run.candidateVersion, run.candidate, run.baseline, run.passRate, run.origin, run.report.encodedString(),
                ])
        }
    }

    public func evalRun(id: String) async throws -> EvalRunRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM eval_runs WHERE id = ?", arguments: [id]).map(Self.evalRun)
        }
    }

    public func evalRuns(_ query: EvalRunQuery) async throws -> [EvalRunRecord] {
        var conditions: [String] = []
        var arguments = StatementArguments()
        for (column, value) in [("suite", query.suite), ("candidate_prompt", query.prompt), ("verdict", query.verdict)] {
            guard let value else { continue }
            conditions.append("\(column) = ?")
            arguments += [value]
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limit = max(1, min(query.limit, 1000))
        return try await pool.read { [arguments] db in
            try Row.fetchAll(db, sql: "SELECT * FROM eval_runs \(whereClause) ORDER BY started_at DESC, id DESC LIMIT \(limit)", arguments: arguments)
                .map(Self.evalRun)
        }
    }

    public func passingEvalRun(prompt: String, version: Int) async throws -> EvalRunRecord? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM eval_runs WHERE candidate_prompt = ? AND candidate_version = ? AND verdict = 'passed'
                    ORDER BY started_at DESC LIMIT 1
                    """, arguments: [prompt, version]
            ).map(Self.evalRun)
        }
    }

    private static func evalRun(_ row: Row) -> EvalRunRecord {
        EvalRunRecord(
            id: row["id"], suite: row["suite"], description: row["description"], startedAt: SQLiteTraceRow.date(row["started_at"]),
            verdict: row["verdict"], candidatePrompt: row["candidate_prompt"], candidateVersion: row["candidate_version"],
            candidate: row["candidate"], baseline: row["baseline"], passRate: row["pass_rate"], origin: row["origin"],
            report: (try? JSONValue.parse(row["report"] as String)) ?? .null)
    }
}
