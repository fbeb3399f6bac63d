import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL schema, as migrations applied in order and recorded in `keel_migrations`.
/// Each runs in its own transaction under one advisory lock, so replicas that start together
/// migrate once: the second waits, then finds the work done. A migration is a list of
/// statements (the extended protocol takes one at a time).
enum PostgresSchema {
    /// The advisory lock migrations hold (an arbitrary constant: "keel" in ASCII).
    static let migrationLock: Int64 = 0x6B65_656C

    static let migrations: [(name: String, statements: [String])] = [
        ("v1-tables", tables),
        ("v2-revisions", revisions),
        ("v3-batch-leases", ["ALTER TABLE batches ADD COLUMN lease_holder TEXT", "ALTER TABLE batches ADD COLUMN lease_until BIGINT"]),
        // A key created or revoked anywhere: serving processes forget their cached lookups at once.
        (
            "v4-key-notifications",
            [
                "CREATE FUNCTION keel_notify_keys() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('keel_keys', ''); RETURN NULL; END $$",
                "CREATE TRIGGER api_keys_notify AFTER INSERT OR UPDATE OR DELETE ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION keel_notify_keys()",
            ]
        ),
        ("v5-shared-limits", PostgresLimitFunctions.statements),
        // Which transaction wrote each trace, for the monitor's fleet-wide feed. Existing rows
        // keep a null (adding a column with a volatile default would rewrite the table).
        (
            "v6-trace-feed",
            [
                "ALTER TABLE traces ADD COLUMN written_xid xid8",
                "ALTER TABLE traces ALTER COLUMN written_xid SET DEFAULT pg_current_xact_id()",
                "CREATE INDEX traces_by_written_xid ON traces (written_xid)",
            ]
        ),
        // A key's limits are 64-bit, as the admin API and SQLite take them.
        ("v7-wide-key-limits", ["ALTER TABLE api_keys ALTER COLUMN rpm TYPE BIGINT, ALTER COLUMN tpm TYPE BIGINT"]),
        ("v8-combined-limits", PostgresCombinedLimitFunctions.statements),
    ]

    /// Columns of `traces` in the order the trace writer copies them: SQLite's, the same table.
    static var traceColumns: [String] { SQLiteTraceRow.columns }

    /// Traces are partitioned by day (`traces_YYYYMMDD`, created as traces arrive), so that
    /// retention drops whole partitions and a time-bounded query reads only its days. Times
    /// are integer microseconds, as in SQLite.
    private static let tables = [
        """
        CREATE TABLE traces (
            id TEXT NOT NULL, operation TEXT NOT NULL, started_at BIGINT NOT NULL, latency_ms DOUBLE PRECISION NOT NULL,
            ttft_ms DOUBLE PRECISION, model TEXT NOT NULL, provider TEXT, upstream_model TEXT, response_model TEXT,
            system_fingerprint TEXT, status TEXT NOT NULL, http_status INTEGER NOT NULL, error_message TEXT, finish_reason TEXT,
            stream BOOLEAN NOT NULL, prompt_tokens BIGINT, completion_tokens BIGINT, cached_tokens BIGINT, cache_write_tokens BIGINT,
            reasoning_tokens BIGINT, cost_usd DOUBLE PRECISION, "user" TEXT, session TEXT, tags TEXT NOT NULL, metadata TEXT,
            request TEXT NOT NULL, output TEXT NOT NULL, attempts TEXT NOT NULL, otel_trace_id TEXT, span_id TEXT, parent_span_id TEXT,
            guardrails TEXT, api_key TEXT, api_team TEXT, cache TEXT, saved_usd DOUBLE PRECISION, routing TEXT, api_key_id TEXT,
            cache_savings_usd DOUBLE PRECISION, prompt_name TEXT, prompt_version INTEGER, prompt_label TEXT, requested_model TEXT,
            prompt_variables TEXT,
            PRIMARY KEY (id, started_at)
        ) PARTITION BY RANGE (started_at)
        """,
        // What lists filter on and stats read, in time order: stats scan this index alone.
        """
        CREATE INDEX traces_by_time ON traces (started_at, id) INCLUDE (
            model, provider, "user", session, status, latency_ms, prompt_tokens, completion_tokens, cost_usd, prompt_name, prompt_version)
        """,
        "CREATE INDEX traces_by_otel_trace ON traces (otel_trace_id) WHERE otel_trace_id IS NOT NULL",
        "CREATE INDEX traces_by_key_id ON traces (api_key_id, started_at) WHERE api_key_id IS NOT NULL",
        """
        CREATE TABLE events (
            id BIGSERIAL PRIMARY KEY, created_at BIGINT NOT NULL, kind TEXT NOT NULL, provider TEXT, upstream_model TEXT, detail TEXT NOT NULL)
        """,
        "CREATE INDEX events_by_time ON events (created_at DESC)",
        """
        CREATE TABLE spans (
            trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT, name TEXT NOT NULL, kind INTEGER, service TEXT,
            start_ns BIGINT NOT NULL, end_ns BIGINT NOT NULL, status_code INTEGER, status_message TEXT, attributes TEXT NOT NULL,
            PRIMARY KEY (trace_id, span_id))
        """,
        """
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, team TEXT, hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL,
            budget_usd DOUBLE PRECISION, budget_period TEXT, rpm INTEGER, tpm INTEGER, models TEXT, created_at BIGINT NOT NULL,
            revoked_at BIGINT)
        """,
        "CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL",
        """
        CREATE TABLE response_cache (
            key TEXT PRIMARY KEY, model TEXT NOT NULL, provider TEXT, upstream_model TEXT, response TEXT NOT NULL,
            cost_usd DOUBLE PRECISION, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)
        """,
        "CREATE INDEX response_cache_by_expiry ON response_cache (expires_at)",
        """
        CREATE TABLE files (
            id TEXT PRIMARY KEY, purpose TEXT NOT NULL, filename TEXT NOT NULL, bytes BIGINT NOT NULL, content BYTEA NOT NULL,
            created_at BIGINT NOT NULL, owner_key_id TEXT, owner_team TEXT)
        """,
        "CREATE INDEX files_by_owner ON files (owner_key_id)",
        """
        CREATE TABLE batches (
            id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at BIGINT NOT NULL, body TEXT NOT NULL, owner_key_id TEXT, owner_team TEXT)
        """,
        "CREATE INDEX batches_by_status ON batches (status, created_at)",
        "CREATE INDEX batches_by_owner ON batches (owner_key_id, created_at)",
        """
        CREATE TABLE batch_results (
            batch_id TEXT NOT NULL, line INTEGER NOT NULL, custom_id TEXT NOT NULL, status_code INTEGER NOT NULL, body TEXT NOT NULL,
            trace_id TEXT, PRIMARY KEY (batch_id, line))
        """,
        """
        CREATE TABLE prompt_versions (
            name TEXT NOT NULL, version INTEGER NOT NULL, hash TEXT NOT NULL, source TEXT NOT NULL, author TEXT NOT NULL,
            commit_message TEXT, created_at BIGINT NOT NULL, PRIMARY KEY (name, version))
        """,
        """
        CREATE TABLE prompt_labels (
            name TEXT NOT NULL, label TEXT NOT NULL, version INTEGER NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (name, label))
        """,
        """
        CREATE TABLE prompt_label_moves (
            id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, label TEXT NOT NULL, from_version INTEGER, to_version INTEGER NOT NULL,
            moved_at BIGINT NOT NULL, author TEXT NOT NULL, reverted BOOLEAN NOT NULL DEFAULT FALSE, rollback_of BIGINT)
        """,
        "CREATE INDEX prompt_label_moves_by_label ON prompt_label_moves (name, label, id)",
        """
        CREATE TABLE rollouts (
            id TEXT PRIMARY KEY, subject TEXT NOT NULL, spec TEXT NOT NULL, state TEXT NOT NULL, status TEXT NOT NULL,
            created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
        """,
        "CREATE INDEX rollouts_by_status ON rollouts (status, updated_at)",
        "CREATE UNIQUE INDEX rollouts_active_subject ON rollouts (subject) WHERE status = 'active'",
        """
        CREATE TABLE rollout_shadow_pairs (
            id TEXT PRIMARY KEY, rollout_id TEXT NOT NULL, trace_id_stable TEXT NOT NULL, trace_id_candidate TEXT NOT NULL,
            similarity DOUBLE PRECISION, created_at BIGINT NOT NULL)
        """,
        "CREATE INDEX rollout_shadow_pairs_by_rollout ON rollout_shadow_pairs (rollout_id, created_at)",
        """
        CREATE TABLE scores (
            id TEXT PRIMARY KEY, trace_id TEXT NOT NULL, name TEXT NOT NULL, value DOUBLE PRECISION, string_value TEXT,
            data_type TEXT NOT NULL, source TEXT NOT NULL, comment TEXT, created_at BIGINT NOT NULL, owner_key_id TEXT, owner_team TEXT)
        """,
        "CREATE INDEX scores_by_trace ON scores (trace_id, created_at)",
        "CREATE INDEX scores_by_name ON scores (name, created_at)",
        """
        CREATE TABLE eval_runs (
            id TEXT PRIMARY KEY, suite TEXT NOT NULL, description TEXT, started_at BIGINT NOT NULL, verdict TEXT NOT NULL,
            candidate_prompt TEXT, candidate_version INTEGER, candidate TEXT NOT NULL, baseline TEXT, pass_rate DOUBLE PRECISION NOT NULL,
            origin TEXT NOT NULL, report TEXT NOT NULL)
        """,
        "CREATE INDEX eval_runs_by_time ON eval_runs (started_at)",
        "CREATE INDEX eval_runs_by_prompt ON eval_runs (candidate_prompt, candidate_version, verdict)",
        "CREATE TABLE incidents (id TEXT PRIMARY KEY, status TEXT NOT NULL, opened_at BIGINT NOT NULL, body TEXT NOT NULL)",
        "CREATE INDEX incidents_by_time ON incidents (opened_at)",
    ]

    /// One row per kind that every write bumps (whoever wrote: a replica, the CLI, raw SQL), so
    /// that serving processes poll one integer; the same trigger notifies `keel_prompts` or
    /// `keel_rollouts` for those that listen.
    private static let revisions: [String] = {
        var statements = [
            "CREATE TABLE prompt_revision (id INTEGER PRIMARY KEY CHECK (id = 1), revision BIGINT NOT NULL)",
            "INSERT INTO prompt_revision (id, revision) VALUES (1, 0)",
            "CREATE TABLE rollout_revision (id INTEGER PRIMARY KEY CHECK (id = 1), revision BIGINT NOT NULL)",
            "INSERT INTO rollout_revision (id, revision) VALUES (1, 0)",
        ]
        for kind in ["prompt", "rollout"] {
            statements.append(
                """
                CREATE FUNCTION keel_bump_\(kind)_revision() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE \(kind)_revision SET revision = revision + 1 WHERE id = 1;
                    PERFORM pg_notify('keel_\(kind)s', '');
                    RETURN NULL;
                END $$
                """)
        }
        for table in ["prompt_versions", "prompt_labels", "prompt_label_moves"] {
            statements.append(
                "CREATE TRIGGER \(table)_bumps_revision AFTER INSERT OR UPDATE OR DELETE ON \(table) FOR EACH STATEMENT EXECUTE FUNCTION keel_bump_prompt_revision()"
            )
        }
        statements.append(
            "CREATE TRIGGER rollouts_bump_revision AFTER INSERT OR UPDATE OR DELETE ON rollouts FOR EACH STATEMENT EXECUTE FUNCTION keel_bump_rollout_revision()"
        )
        return statements
    }()

    static func migrate(_ store: PostgresStore) async throws {
        try await store.transaction { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: store.logger)
            _ = try await connection.query(
                "CREATE TABLE IF NOT EXISTS keel_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)", logger: store.logger)
            let applied = Set(try await connection.rows("SELECT name FROM keel_migrations", logger: store.logger).map { $0.text("name") })
            for migration in migrations where !applied.contains(migration.name) {
                for statement in migration.statements {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: store.logger)
                }
                _ = try await connection.query(
                    "INSERT INTO keel_migrations (name, applied_at) VALUES (\(migration.name), \(StoredTime.micros(Date())))", logger: store.logger)
            }
        }
    }
}
