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
                    run.id, run.suite, run.description, StoredTime.micros(run.startedAt), run.verdict, run.candidatePrompt,
                    run.candidateVersion, run.candidate, run.baseline, run.passRate, run.origin, run.report.encodedString(),
                ])
        }
    }

    public func evalRun(id: String) async throws -> EvalRunRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM eval_runs WHERE id = ?", arguments: [id]).map(StoredRecords.evalRun)
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
                .map(StoredRecords.evalRun)
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
            ).map(StoredRecords.evalRun)
        }
    }
}
