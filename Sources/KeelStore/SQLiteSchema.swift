import GRDB

enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-traces") { db in
            try db.execute(
                sql: """
                    CREATE TABLE traces (
                        id TEXT PRIMARY KEY NOT NULL,
                        operation TEXT NOT NULL,
                        started_at INTEGER NOT NULL,
                        latency_ms REAL NOT NULL,
                        ttft_ms REAL,
                        model TEXT NOT NULL,
                        provider TEXT,
                        upstream_model TEXT,
                        response_model TEXT,
                        system_fingerprint TEXT,
                        status TEXT NOT NULL,
                        http_status INTEGER NOT NULL,
                        error_message TEXT,
                        finish_reason TEXT,
                        stream INTEGER NOT NULL,
                        prompt_tokens INTEGER,
                        completion_tokens INTEGER,
                        cached_tokens INTEGER,
                        cache_write_tokens INTEGER,
                        reasoning_tokens INTEGER,
                        cost_usd REAL,
                        user TEXT,
                        session TEXT,
                        tags TEXT NOT NULL,
                        metadata TEXT,
                        request TEXT NOT NULL,
                        output TEXT NOT NULL,
                        attempts TEXT NOT NULL
                    );
                    CREATE INDEX traces_by_time ON traces(started_at DESC, id DESC);
                    CREATE INDEX traces_by_model ON traces(model, started_at);
                    CREATE INDEX traces_by_provider ON traces(provider, started_at);
                    CREATE INDEX traces_by_status ON traces(status, started_at);
                    CREATE INDEX traces_by_user ON traces(user, started_at);
                    CREATE INDEX traces_by_session ON traces(session, started_at);
                    CREATE TABLE events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        created_at INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        provider TEXT,
                        upstream_model TEXT,
                        detail TEXT NOT NULL
                    );
                    CREATE INDEX events_by_time ON events(created_at DESC);
                    """)
        }
        migrator.registerMigration("v2-spans") { db in
            try db.execute(
                sql: """
                    ALTER TABLE traces ADD COLUMN otel_trace_id TEXT;
                    ALTER TABLE traces ADD COLUMN span_id TEXT;
                    ALTER TABLE traces ADD COLUMN parent_span_id TEXT;
                    CREATE INDEX traces_by_otel_trace ON traces(otel_trace_id);
                    CREATE TABLE spans (
                        trace_id TEXT NOT NULL,
                        span_id TEXT NOT NULL,
                        parent_span_id TEXT,
                        name TEXT NOT NULL,
                        kind INTEGER,
                        service TEXT,
                        start_ns INTEGER NOT NULL,
                        end_ns INTEGER NOT NULL,
                        status_code INTEGER,
                        status_message TEXT,
                        attributes TEXT NOT NULL,
                        PRIMARY KEY (trace_id, span_id)
                    );
                    """)
        }
        migrator.registerMigration("v3-stats-index") { db in
            // Stats read only these columns: scanning this index instead of the rows (which
            // carry whole requests and outputs) is what keeps /api/stats fast at a million traces.
            // The single-column indexes it makes redundant go.
            try db.execute(
                sql: """
                    CREATE INDEX traces_for_stats ON traces(
                        started_at, model, provider, user, status, latency_ms, prompt_tokens, completion_tokens, cost_usd);
                    DROP INDEX traces_by_status;
                    """)
        }
        migrator.registerMigration("v4-one-time-index") { db in
            // One index in time order carries every column that lists filter on and stats read.
            // New traces append at its end, so inserts stay cheap; the per-column indexes it
            // replaces were each written at a random position and cost two thirds of the insert rate.
            try db.execute(
                sql: """
                    DROP INDEX traces_for_stats;
                    DROP INDEX traces_by_time;
                    DROP INDEX traces_by_model;
                    DROP INDEX traces_by_provider;
                    DROP INDEX traces_by_user;
                    DROP INDEX traces_by_session;
                    CREATE INDEX traces_by_time ON traces(
                        started_at, id, model, provider, user, session, status, latency_ms, prompt_tokens, completion_tokens, cost_usd);
                    """)
        }
        migrator.registerMigration("v5-guardrails") { db in
            try db.execute(sql: "ALTER TABLE traces ADD COLUMN guardrails TEXT")
        }
        migrator.registerMigration("v6-api-keys") { db in
            try db.execute(
                sql: """
                    ALTER TABLE traces ADD COLUMN api_key TEXT;
                    CREATE TABLE api_keys (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        team TEXT,
                        hash TEXT NOT NULL UNIQUE,
                        prefix TEXT NOT NULL,
                        budget_usd REAL,
                        budget_period TEXT,
                        rpm INTEGER,
                        tpm INTEGER,
                        models TEXT,
                        created_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    );
                    CREATE UNIQUE INDEX api_keys_active_name ON api_keys(name) WHERE revoked_at IS NULL;
                    """)
        }
        migrator.registerMigration("v7-cache-and-teams") { db in
            try db.execute(
                sql: """
                    ALTER TABLE traces ADD COLUMN api_team TEXT;
                    ALTER TABLE traces ADD COLUMN cache TEXT;
                    ALTER TABLE traces ADD COLUMN saved_usd REAL;
                    CREATE TABLE response_cache (
                        key TEXT PRIMARY KEY NOT NULL,
                        model TEXT NOT NULL,
                        provider TEXT,
                        upstream_model TEXT,
                        response TEXT NOT NULL,
                        cost_usd REAL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL
                    );
                    CREATE INDEX response_cache_by_expiry ON response_cache(expires_at);
                    """)
        }
        migrator.registerMigration("v8-routing") { db in
            try db.execute(sql: "ALTER TABLE traces ADD COLUMN routing TEXT")
        }
        migrator.registerMigration("v9-batches") { db in
            try db.execute(
                sql: """
                    CREATE TABLE files (
                        id TEXT PRIMARY KEY NOT NULL,
                        purpose TEXT NOT NULL,
                        filename TEXT NOT NULL,
                        bytes INTEGER NOT NULL,
                        content BLOB NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE TABLE batches (
                        id TEXT PRIMARY KEY NOT NULL,
                        status TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        body TEXT NOT NULL
                    );
                    CREATE INDEX batches_by_status ON batches(status, created_at);
                    CREATE TABLE batch_results (
                        batch_id TEXT NOT NULL,
                        line INTEGER NOT NULL,
                        custom_id TEXT NOT NULL,
                        status_code INTEGER NOT NULL,
                        body TEXT NOT NULL,
                        trace_id TEXT,
                        PRIMARY KEY (batch_id, line)
                    );
                    """)
        }
        migrator.registerMigration("v10-owners") { db in
            try db.execute(
                sql: """
                    ALTER TABLE files ADD COLUMN owner_key_id TEXT;
                    ALTER TABLE files ADD COLUMN owner_team TEXT;
                    ALTER TABLE batches ADD COLUMN owner_key_id TEXT;
                    ALTER TABLE batches ADD COLUMN owner_team TEXT;
                    CREATE INDEX files_by_owner ON files(owner_key_id);
                    CREATE INDEX batches_by_owner ON batches(owner_key_id, created_at);
                    """)
        }
        migrator.registerMigration("v11-spend-by-key-id") { db in
            // Traces from before name the key only: they go to the newest key of that name.
            try db.execute(
                sql: """
                    ALTER TABLE traces ADD COLUMN api_key_id TEXT;
                    UPDATE traces SET api_key_id = (
                        SELECT id FROM api_keys WHERE api_keys.name = traces.api_key ORDER BY created_at DESC LIMIT 1)
                    WHERE api_key IS NOT NULL;
                    CREATE INDEX traces_by_key_id ON traces(api_key_id, started_at) WHERE api_key_id IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v12-prompts") { db in
            // A move that a rollback made names the move it undid (`rollback_of`): it is history,
            // never itself undone. `prompt_revision` is one row that triggers bump on every write to
            // the three tables, so the gateway's poll is one primary-key read.
            var sql = """
                CREATE TABLE prompt_versions (
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    hash TEXT NOT NULL,
                    source TEXT NOT NULL,
                    author TEXT NOT NULL,
                    commit_message TEXT,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (name, version)
                );
                CREATE TABLE prompt_labels (
                    name TEXT NOT NULL,
                    label TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (name, label)
                );
                CREATE TABLE prompt_label_moves (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL,
                    label TEXT NOT NULL,
                    from_version INTEGER,
                    to_version INTEGER NOT NULL,
                    moved_at INTEGER NOT NULL,
                    author TEXT NOT NULL,
                    reverted INTEGER NOT NULL DEFAULT 0,
                    rollback_of INTEGER
                );
                CREATE INDEX prompt_label_moves_by_label ON prompt_label_moves(name, label, id);
                CREATE TABLE prompt_revision (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
                INSERT INTO prompt_revision (id, revision) VALUES (1, 0);

                """
            for table in ["prompt_versions", "prompt_labels", "prompt_label_moves"] {
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    sql += """
                        CREATE TRIGGER \(table)_\(event.lowercased())_bumps_revision AFTER \(event) ON \(table)
                        BEGIN UPDATE prompt_revision SET revision = revision + 1 WHERE id = 1; END;

                        """
                }
            }
            try db.execute(sql: sql)
        }
        migrator.registerMigration("v13-rollouts") { db in
            // At most one active rollout per subject, even with two processes starting one at
            // once. The revision row is bumped by triggers on every change to `rollouts`, so
            // serving processes poll one integer, whoever wrote (a gateway, the CLI, raw SQL).
            try db.execute(
                sql: """
                    CREATE TABLE rollouts (
                        id TEXT PRIMARY KEY NOT NULL,
                        subject TEXT NOT NULL,
                        spec TEXT NOT NULL,
                        state TEXT NOT NULL,
                        status TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX rollouts_by_status ON rollouts(status, updated_at);
                    CREATE UNIQUE INDEX rollouts_active_subject ON rollouts(subject) WHERE status = 'active';
                    CREATE TABLE rollout_shadow_pairs (
                        id TEXT PRIMARY KEY NOT NULL,
                        rollout_id TEXT NOT NULL,
                        trace_id_stable TEXT NOT NULL,
                        trace_id_candidate TEXT NOT NULL,
                        similarity REAL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE INDEX rollout_shadow_pairs_by_rollout ON rollout_shadow_pairs(rollout_id, created_at);
                    CREATE TABLE rollout_revision (
                        id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
                        revision INTEGER NOT NULL
                    );
                    INSERT INTO rollout_revision (id, revision) VALUES (1, 0);
                    CREATE TRIGGER rollouts_revision_on_insert AFTER INSERT ON rollouts
                    BEGIN UPDATE rollout_revision SET revision = revision + 1 WHERE id = 1; END;
                    CREATE TRIGGER rollouts_revision_on_update AFTER UPDATE ON rollouts
                    BEGIN UPDATE rollout_revision SET revision = revision + 1 WHERE id = 1; END;
                    CREATE TRIGGER rollouts_revision_on_delete AFTER DELETE ON rollouts
                    BEGIN UPDATE rollout_revision SET revision = revision + 1 WHERE id = 1; END;
                    """)
        }
        migrator.registerMigration("v14-cache-savings") { db in
            try db.execute(sql: "ALTER TABLE traces ADD COLUMN cache_savings_usd REAL")
        }
        migrator.registerMigration("v15-trace-prompts") { db in
            // The prompt columns join the index that stats scan, so grouping by prompt version
            // reads the index as grouping by model does.
            try db.execute(
                sql: """
                    ALTER TABLE traces ADD COLUMN prompt_name TEXT;
                    ALTER TABLE traces ADD COLUMN prompt_version INTEGER;
                    ALTER TABLE traces ADD COLUMN prompt_label TEXT;
                    ALTER TABLE traces ADD COLUMN requested_model TEXT;
                    DROP INDEX traces_by_time;
                    CREATE INDEX traces_by_time ON traces(
                        started_at, id, model, provider, user, session, status, latency_ms, prompt_tokens, completion_tokens, cost_usd,
                        prompt_name, prompt_version);
                    """)
        }
        migrator.registerMigration("v16-scores") { db in
            // Stats join scores to traces by trace id; lists filter by trace or by name and time.
            try db.execute(
                sql: """
                    CREATE TABLE scores (
                        id TEXT PRIMARY KEY NOT NULL,
                        trace_id TEXT NOT NULL,
                        name TEXT NOT NULL,
                        value REAL,
                        string_value TEXT,
                        data_type TEXT NOT NULL,
                        source TEXT NOT NULL,
                        comment TEXT,
                        created_at INTEGER NOT NULL,
                        owner_key_id TEXT,
                        owner_team TEXT
                    );
                    CREATE INDEX scores_by_trace ON scores(trace_id, created_at);
                    CREATE INDEX scores_by_name ON scores(name, created_at);
                    """)
        }
        migrator.registerMigration("v17-eval-runs") { db in
            // Protected labels look runs up by the candidate's prompt version; lists go newest first.
            try db.execute(
                sql: """
                    CREATE TABLE eval_runs (
                        id TEXT PRIMARY KEY NOT NULL,
                        suite TEXT NOT NULL,
                        description TEXT,
                        started_at INTEGER NOT NULL,
                        verdict TEXT NOT NULL,
                        candidate_prompt TEXT,
                        candidate_version INTEGER,
                        candidate TEXT NOT NULL,
                        baseline TEXT,
                        pass_rate REAL NOT NULL,
                        origin TEXT NOT NULL,
                        report TEXT NOT NULL
                    );
                    CREATE INDEX eval_runs_by_time ON eval_runs(started_at);
                    CREATE INDEX eval_runs_by_prompt ON eval_runs(candidate_prompt, candidate_version, verdict);
                    """)
        }
        migrator.registerMigration("v18-trace-prompt-variables") { db in
            try db.execute(sql: "ALTER TABLE traces ADD COLUMN prompt_variables TEXT")
        }
        migrator.registerMigration("v19-incidents") { db in
            try db.execute(
                sql: """
                    CREATE TABLE incidents (
                        id TEXT PRIMARY KEY NOT NULL,
                        status TEXT NOT NULL,
                        opened_at INTEGER NOT NULL,
                        body TEXT NOT NULL
                    );
                    CREATE INDEX incidents_by_time ON incidents(opened_at);
                    """)
        }
        migrator.registerMigration("v20-batch-leases") { db in
            // The process running a batch holds its lease until a time it keeps pushing back.
            try db.execute(sql: "ALTER TABLE batches ADD COLUMN lease_holder TEXT; ALTER TABLE batches ADD COLUMN lease_until INTEGER")
        }
        return migrator
    }
}
