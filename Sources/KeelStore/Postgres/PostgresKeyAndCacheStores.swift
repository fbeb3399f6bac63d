import Foundation
import KeelCore
import PostgresNIO

extension PostgresStore: APIKeyStore {
    public func createKey(_ key: APIKey) async throws {
        do {
            try await execute(
                """
                INSERT INTO api_keys (id, name, team, hash, prefix, budget_usd, budget_period, rpm, tpm, models, created_at, revoked_at)
                VALUES (\(key.id), \(key.name.postgresSafe), \(key.team?.postgresSafe), \(key.hash), \(key.prefix), \(key.budget?.usd),
                        \(key.budget?.period.rawValue), \(key.rpm), \(key.tpm),
                        \(key.models.map { JSONValue.array($0.map(JSONValue.string)).encodedString() }), \(StoredTime.micros(key.createdAt)),
                        \(key.revokedAt.map(StoredTime.micros)))
                """)
        } catch let error as PSQLError where error.sqlState == "23505" {
            throw APIKeyNameTaken(name: key.name)
        }
    }

    public func keys(includingRevoked: Bool) async throws -> [APIKey] {
        let filter = includingRevoked ? "" : "WHERE revoked_at IS NULL"
        return try await rows(PostgresQuery(unsafeSQL: "SELECT * FROM api_keys \(filter) ORDER BY created_at, id")).map(StoredRecords.key)
    }

    public func revokeKey(_ idOrName: String) async throws -> Bool {
        try await count(
            """
            WITH revoked AS (
                UPDATE api_keys SET revoked_at = \(StoredTime.micros(Date()))
                WHERE (id = \(idOrName.postgresSafe) OR name = \(idOrName.postgresSafe)) AND revoked_at IS NULL RETURNING 1)
            SELECT count(*) AS n FROM revoked
            """) > 0
    }

    public func key(hash: String) async throws -> APIKey? {
        try await rows("SELECT * FROM api_keys WHERE hash = \(hash.postgresSafe)", within: Self.requestPathTimeout).first.map(StoredRecords.key)
    }

    public func key(id: String) async throws -> APIKey? {
        try await rows("SELECT * FROM api_keys WHERE id = \(id.postgresSafe)").first.map(StoredRecords.key)
    }

    public func hasKeys() async throws -> Bool {
        try await rows("SELECT EXISTS (SELECT 1 FROM api_keys) AS found", within: Self.requestPathTimeout).first?.bool("found") ?? false
    }

    public func spend(apiKeyIDs: [String], since date: Date) async throws -> Double {
        guard !apiKeyIDs.isEmpty else { return 0 }
        return try await rows(
            """
            SELECT COALESCE(sum(cost_usd), 0)::float8 AS spent FROM traces
            WHERE api_key_id = ANY(\(apiKeyIDs.map(\.postgresSafe))) AND started_at >= \(StoredTime.micros(date))
            """, within: Self.requestPathTimeout
        ).first?.double("spent") ?? 0
    }
}

extension PostgresStore: ResponseCacheStore {
    public func cachedResponse(key: String, now: Date) async throws -> CachedResponse? {
        try await rows(
            "SELECT * FROM response_cache WHERE key = \(key.postgresSafe) AND expires_at > \(StoredTime.micros(now))", within: Self.requestPathTimeout
        ).first
            .map(StoredRecords.cachedResponse)
    }

    public func storeResponse(_ response: CachedResponse) async throws {
        try await execute(
            """
            INSERT INTO response_cache (key, model, provider, upstream_model, response, cost_usd, created_at, expires_at)
            VALUES (\(response.key.postgresSafe), \(response.model.postgresSafe), \(response.provider?.postgresSafe),
                    \(response.upstreamModel?.postgresSafe), \(response.response.encodedString()), \(response.costUSD),
                    \(StoredTime.micros(response.createdAt)), \(StoredTime.micros(response.expiresAt)))
            ON CONFLICT (key) DO UPDATE SET model = EXCLUDED.model, provider = EXCLUDED.provider, upstream_model = EXCLUDED.upstream_model,
                response = EXCLUDED.response, cost_usd = EXCLUDED.cost_usd, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
            """)
    }

    public func purgeExpiredResponses(now: Date) async throws -> Int {
        try await count(
            "WITH gone AS (DELETE FROM response_cache WHERE expires_at <= \(StoredTime.micros(now)) RETURNING 1) SELECT count(*) AS n FROM gone")
    }
}

extension PostgresStore: IncidentStore {
    public func saveIncident(_ incident: IncidentRecord) async throws {
        try await execute(
            """
            INSERT INTO incidents (id, status, opened_at, body)
            VALUES (\(incident.id.postgresSafe), \(incident.status.postgresSafe), \(StoredTime.micros(incident.openedAt)), \(incident.body.encodedString()))
            ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, opened_at = EXCLUDED.opened_at, body = EXCLUDED.body
            """)
    }

    public func incident(id: String) async throws -> IncidentRecord? {
        try await rows("SELECT * FROM incidents WHERE id = \(id.postgresSafe)").first.map(StoredRecords.incident)
    }

    public func incidents(status: String?, limit: Int) async throws -> [IncidentRecord] {
        let bounded = max(1, min(limit, 1000))
        let query: PostgresQuery
        switch status {
        case nil: query = "SELECT * FROM incidents ORDER BY opened_at DESC LIMIT \(bounded)"
        case "open"?: query = "SELECT * FROM incidents WHERE status <> 'resolved' ORDER BY opened_at DESC LIMIT \(bounded)"
        case let status?: query = "SELECT * FROM incidents WHERE status = \(status.postgresSafe) ORDER BY opened_at DESC LIMIT \(bounded)"
        }
        return try await rows(query).map(StoredRecords.incident)
    }
}

extension PostgresStore: EvalRunStore {
    public func saveEvalRun(_ run: EvalRunRecord) async throws {
        try await execute(
            """
            INSERT INTO eval_runs (id, suite, description, started_at, verdict, candidate_prompt, candidate_version, candidate, baseline,
                                   pass_rate, origin, report)
            VALUES (\(run.id.postgresSafe), \(run.suite.postgresSafe), \(run.description?.postgresSafe), \(StoredTime.micros(run.startedAt)),
                    \(run.verdict.postgresSafe), \(run.candidatePrompt?.postgresSafe), \(run.candidateVersion), \(run.candidate.postgresSafe),
                    \(run.baseline?.postgresSafe), \(run.passRate), \(run.origin.postgresSafe), \(run.report.encodedString()))
            ON CONFLICT (id) DO UPDATE SET suite = EXCLUDED.suite, description = EXCLUDED.description, started_at = EXCLUDED.started_at,
                verdict = EXCLUDED.verdict, candidate_prompt = EXCLUDED.candidate_prompt, candidate_version = EXCLUDED.candidate_version,
                candidate = EXCLUDED.candidate, baseline = EXCLUDED.baseline, pass_rate = EXCLUDED.pass_rate, origin = EXCLUDED.origin,
                report = EXCLUDED.report
            """)
    }

    public func evalRun(id: String) async throws -> EvalRunRecord? {
        try await rows("SELECT * FROM eval_runs WHERE id = \(id.postgresSafe)").first.map(StoredRecords.evalRun)
    }

    public func evalRuns(_ query: EvalRunQuery) async throws -> [EvalRunRecord] {
        var conditions: [String] = []
        var values: [SQLValue] = []
        for (column, value) in [("suite", query.suite), ("candidate_prompt", query.prompt), ("verdict", query.verdict)] {
            guard let value else { continue }
            conditions.append("\(column) = ?")
            values.append(.text(value))
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limit = max(1, min(query.limit, 1000))
        return try await rows(Self.query("SELECT * FROM eval_runs \(whereClause) ORDER BY started_at DESC, id DESC LIMIT \(limit)", values))
            .map(StoredRecords.evalRun)
    }

    public func passingEvalRun(prompt: String, version: Int) async throws -> EvalRunRecord? {
        try await rows(
            """
            SELECT * FROM eval_runs WHERE candidate_prompt = \(prompt.postgresSafe) AND candidate_version = \(version) AND verdict = 'passed'
            ORDER BY started_at DESC LIMIT 1
            """
        ).first.map(StoredRecords.evalRun)
    }
}

extension PostgresStore: CostReporting {
    public func cost(_ query: CostQuery) async throws -> [CostRow] {
        try await rows(
            Self.query(
                CostSQL.select(query, dialect: .postgres), [.integer(StoredTime.micros(query.since)), .integer(StoredTime.micros(query.until))])
        ).map { CostSQL.row($0, query) }
    }
}
