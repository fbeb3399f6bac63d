import Foundation
import PostgresNIO

/// Budgets and rate limits for the fleet: each operation is one call of a PL/pgSQL function
/// (`PostgresLimitFunctions`), one round trip, atomic because the function locks the rows it
/// decides on (in a fixed order, so that two replicas never wait on each other). Each commits
/// without waiting for its WAL to reach the disk (`synchronous_commit` off for that
/// transaction alone): every request of a key updates the same rows, whose locks are held
/// until the commit, so waiting on the disk there serialised a key's requests (bench: 3,200
/// rate draws a second on one bucket from 8 clients, 5,200 without the wait). A database that
/// crashes can lose the last fraction of a second of counts; traces, which the budgets start
/// from, stay durable.
extension PostgresStore: SharedLimitStore {
    /// Turns `synchronous_commit` off for the statement's own transaction: put in each call.
    private static let withoutWaitingForTheDisk = "set_config('synchronous_commit', 'off', true)"

    public func reserveBudget(hold: String, accounts: [BudgetAccount], amount: Double, holdFor: Duration) async throws -> BudgetBalance? {
        let accounts = accounts.sorted { $0.scope < $1.scope }
        let query: PostgresQuery = """
            SELECT r.* FROM \(unescaped: Self.withoutWaitingForTheDisk) s, keel_budget_reserve(\(hold), \(accounts.map(\.scope.postgresSafe)), \(accounts.map { StoredTime.micros($0.periodStart) }),
                \(accounts.map(\.limitUSD)), \(amount), \(holdFor.components.seconds * 1_000_000)) r
            """
        return try await rows(query, within: Self.requestPathTimeout).first.map {
            BudgetBalance(scope: $0.text("blocked_scope"), spent: $0.double("blocked_spent") ?? 0, reserved: $0.double("blocked_reserved") ?? 0)
        }
    }

    public func settleBudget(hold: String, accounts: [BudgetAccount], cost: Double) async throws -> [BudgetSettlement] {
        let accounts = accounts.sorted { $0.scope < $1.scope }
        let query: PostgresQuery = """
            SELECT r.* FROM \(unescaped: Self.withoutWaitingForTheDisk) s, keel_budget_settle(\(hold), \(accounts.map(\.scope.postgresSafe)), \(accounts.map { StoredTime.micros($0.periodStart) }), \(cost)) r
            """
        return try await rows(query, within: Self.requestPathTimeout).map {
            BudgetSettlement(scope: $0.text("settled_scope"), spentBefore: $0.double("spent_before") ?? 0, spentAfter: $0.double("spent_after") ?? 0)
        }
    }

    public func takeRate(_ draws: [RateDraw]) async throws -> RateRefusal? {
        let order = draws.indices.sorted { draws[$0].bucket < draws[$1].bucket }
        let query: PostgresQuery = """
            SELECT r.* FROM \(unescaped: Self.withoutWaitingForTheDisk) s, keel_rate_take(\(order.map { draws[$0].bucket.postgresSafe }), \(order.map { Double(draws[$0].perMinute) }),
                \(order.map { draws[$0].amount })) r
            """
        return try await rows(query, within: Self.requestPathTimeout).first.map {
            RateRefusal(index: order[Int($0.int64("blocked_index") ?? 1) - 1], waitSeconds: $0.double("wait_s") ?? 1)
        }
    }

    public func returnRate(_ draws: [RateDraw]) async throws {
        let draws = draws.sorted { $0.bucket < $1.bucket }
        try await execute(
            """
            SELECT \(unescaped: Self.withoutWaitingForTheDisk), keel_rate_return(\(draws.map(\.bucket.postgresSafe)), \(draws.map { Double($0.perMinute) }), \(draws.map(\.amount)))
            """)
    }
}

/// Both limits of a request in one round trip each way (migration v8).
extension PostgresStore {
    public func admit(draws: [RateDraw], hold: String, accounts: [BudgetAccount], amount: Double, holdFor: Duration) async throws -> LimitRefusal? {
        let order = draws.indices.sorted { draws[$0].bucket < draws[$1].bucket }
        let accounts = accounts.sorted { $0.scope < $1.scope }
        let query: PostgresQuery = """
            SELECT r.* FROM \(unescaped: Self.withoutWaitingForTheDisk) s, keel_admit(
                \(order.map { draws[$0].bucket.postgresSafe }), \(order.map { Double(draws[$0].perMinute) }), \(order.map { draws[$0].amount }),
                \(hold), \(accounts.map(\.scope.postgresSafe)), \(accounts.map { StoredTime.micros($0.periodStart) }), \(accounts.map(\.limitUSD)),
                \(amount), \(holdFor.components.seconds * 1_000_000)) r
            """
        guard let row = try await rows(query, within: Self.requestPathTimeout).first else { return nil }
        if let index = row.int64("blocked_index") {
            return .rate(RateRefusal(index: order[Int(index) - 1], waitSeconds: row.double("wait_s") ?? 1))
        }
        return .budget(
            BudgetBalance(scope: row.text("blocked_scope"), spent: row.double("blocked_spent") ?? 0, reserved: row.double("blocked_reserved") ?? 0))
    }

    public func settle(hold: String, accounts: [BudgetAccount], cost: Double, returning unused: [RateDraw]) async throws -> [BudgetSettlement] {
        let unused = unused.sorted { $0.bucket < $1.bucket }
        let accounts = accounts.sorted { $0.scope < $1.scope }
        let query: PostgresQuery = """
            SELECT r.* FROM \(unescaped: Self.withoutWaitingForTheDisk) s, keel_settle(
                \(hold), \(accounts.map(\.scope.postgresSafe)), \(accounts.map { StoredTime.micros($0.periodStart) }), \(cost),
                \(unused.map(\.bucket.postgresSafe)), \(unused.map { Double($0.perMinute) }), \(unused.map(\.amount))) r
            """
        return try await rows(query, within: Self.requestPathTimeout).map {
            BudgetSettlement(scope: $0.text("settled_scope"), spentBefore: $0.double("spent_before") ?? 0, spentAfter: $0.double("spent_after") ?? 0)
        }
    }
}

/// The functions that take a request's rate draws and budget reservation together, and settle
/// both together (migration v8): the v5 functions, called in one transaction.
enum PostgresCombinedLimitFunctions {
    static let statements = [
        // Rate first, as a process checks them: a budget that cannot take the reservation puts
        // the draws back, so a refused request takes nothing.
        """
        CREATE FUNCTION keel_admit(
            p_buckets TEXT[], p_per_minute DOUBLE PRECISION[], p_amounts DOUBLE PRECISION[],
            p_hold TEXT, p_scopes TEXT[], p_periods BIGINT[], p_limits DOUBLE PRECISION[], p_amount DOUBLE PRECISION, p_hold_us BIGINT)
        RETURNS TABLE (
            blocked_index INTEGER, wait_s DOUBLE PRECISION,
            blocked_scope TEXT, blocked_spent DOUBLE PRECISION, blocked_reserved DOUBLE PRECISION) LANGUAGE plpgsql AS $$
        DECLARE
            refused RECORD;
            blocked RECORD;
        BEGIN
            IF COALESCE(array_length(p_buckets, 1), 0) > 0 THEN
                SELECT * INTO refused FROM keel_rate_take(p_buckets, p_per_minute, p_amounts);
                IF FOUND THEN
                    RETURN QUERY SELECT refused.blocked_index, refused.wait_s, NULL::TEXT, NULL::DOUBLE PRECISION, NULL::DOUBLE PRECISION;
                    RETURN;
                END IF;
            END IF;
            IF COALESCE(array_length(p_scopes, 1), 0) > 0 THEN
                SELECT * INTO blocked FROM keel_budget_reserve(p_hold, p_scopes, p_periods, p_limits, p_amount, p_hold_us);
                IF FOUND THEN
                    IF COALESCE(array_length(p_buckets, 1), 0) > 0 THEN
                        PERFORM keel_rate_return(p_buckets, p_per_minute, p_amounts);
                    END IF;
                    RETURN QUERY SELECT NULL::INTEGER, NULL::DOUBLE PRECISION, blocked.blocked_scope, blocked.blocked_spent, blocked.blocked_reserved;
                    RETURN;
                END IF;
            END IF;
        END $$
        """,
        """
        CREATE FUNCTION keel_settle(
            p_hold TEXT, p_scopes TEXT[], p_periods BIGINT[], p_cost DOUBLE PRECISION,
            p_buckets TEXT[], p_per_minute DOUBLE PRECISION[], p_amounts DOUBLE PRECISION[])
        RETURNS TABLE (settled_scope TEXT, spent_before DOUBLE PRECISION, spent_after DOUBLE PRECISION) LANGUAGE plpgsql AS $$
        BEGIN
            IF COALESCE(array_length(p_buckets, 1), 0) > 0 THEN
                PERFORM keel_rate_return(p_buckets, p_per_minute, p_amounts);
            END IF;
            RETURN QUERY SELECT * FROM keel_budget_settle(p_hold, p_scopes, p_periods, p_cost);
        END $$
        """,
    ]
}

/// The tables and functions of the fleet's budgets and rate limits (migration v5). An account
/// holds its period's spend and what requests in flight reserved; each reservation is also a
/// row with an expiry, so that one whose replica died is released. A bucket holds its level and
/// when it was last refilled, by the server's clock, so replicas' clocks do not matter.
enum PostgresLimitFunctions {
    static let statements = [
        """
        CREATE TABLE budget_accounts (
            scope TEXT NOT NULL, period_start BIGINT NOT NULL, spent DOUBLE PRECISION NOT NULL,
            reserved DOUBLE PRECISION NOT NULL DEFAULT 0, PRIMARY KEY (scope, period_start))
        """,
        """
        CREATE TABLE budget_holds (
            id TEXT NOT NULL, scope TEXT NOT NULL, period_start BIGINT NOT NULL, amount DOUBLE PRECISION NOT NULL,
            expires_at BIGINT NOT NULL, PRIMARY KEY (id, scope))
        """,
        "CREATE INDEX budget_holds_by_expiry ON budget_holds (scope, period_start, expires_at)",
        "CREATE TABLE rate_buckets (bucket TEXT PRIMARY KEY, level DOUBLE PRECISION NOT NULL, updated_at BIGINT NOT NULL)",
        // The recorded spend of a key (`key:ID`) or of every key of a team (`team:NAME`) since a time.
        """
        CREATE FUNCTION keel_scope_spend(p_scope TEXT, p_since BIGINT) RETURNS DOUBLE PRECISION LANGUAGE plpgsql STABLE AS $$
        BEGIN
            IF left(p_scope, 4) = 'key:' THEN
                RETURN (SELECT COALESCE(sum(cost_usd), 0) FROM traces WHERE api_key_id = substr(p_scope, 5) AND started_at >= p_since);
            END IF;
            RETURN (SELECT COALESCE(sum(cost_usd), 0) FROM traces
                    WHERE api_key_id IN (SELECT id FROM api_keys WHERE team = substr(p_scope, 6)) AND started_at >= p_since);
        END $$
        """,
        """
        CREATE FUNCTION keel_budget_reserve(
            p_hold TEXT, p_scopes TEXT[], p_periods BIGINT[], p_limits DOUBLE PRECISION[], p_amount DOUBLE PRECISION, p_hold_us BIGINT)
        RETURNS TABLE (blocked_scope TEXT, blocked_spent DOUBLE PRECISION, blocked_reserved DOUBLE PRECISION) LANGUAGE plpgsql AS $$
        DECLARE
            n INTEGER := COALESCE(array_length(p_scopes, 1), 0);
            now_us BIGINT := (extract(epoch FROM clock_timestamp()) * 1000000)::BIGINT;
            account_spent DOUBLE PRECISION;
            account_reserved DOUBLE PRECISION;
            released DOUBLE PRECISION;
        BEGIN
            FOR i IN 1 .. n LOOP
                SELECT a.spent, a.reserved INTO account_spent, account_reserved FROM budget_accounts a
                WHERE a.scope = p_scopes[i] AND a.period_start = p_periods[i] FOR UPDATE;
                IF NOT FOUND THEN
                    INSERT INTO budget_accounts (scope, period_start, spent)
                    VALUES (p_scopes[i], p_periods[i], keel_scope_spend(p_scopes[i], p_periods[i])) ON CONFLICT DO NOTHING;
                    SELECT a.spent, a.reserved INTO account_spent, account_reserved FROM budget_accounts a
                    WHERE a.scope = p_scopes[i] AND a.period_start = p_periods[i] FOR UPDATE;
                END IF;
                WITH gone AS (
                    DELETE FROM budget_holds h WHERE h.scope = p_scopes[i] AND h.period_start = p_periods[i] AND h.expires_at < now_us
                    RETURNING h.amount)
                SELECT COALESCE(sum(amount), 0) INTO released FROM gone;
                IF released > 0 THEN
                    account_reserved := greatest(0, account_reserved - released);
                    UPDATE budget_accounts a SET reserved = account_reserved WHERE a.scope = p_scopes[i] AND a.period_start = p_periods[i];
                END IF;
                IF account_spent + account_reserved + p_amount > p_limits[i] THEN
                    RETURN QUERY SELECT p_scopes[i], account_spent, account_reserved;
                    RETURN;
                END IF;
            END LOOP;
            FOR i IN 1 .. n LOOP
                UPDATE budget_accounts a SET reserved = a.reserved + p_amount WHERE a.scope = p_scopes[i] AND a.period_start = p_periods[i];
                INSERT INTO budget_holds (id, scope, period_start, amount, expires_at)
                VALUES (p_hold, p_scopes[i], p_periods[i], p_amount, now_us + p_hold_us);
            END LOOP;
        END $$
        """,
        """
        CREATE FUNCTION keel_budget_settle(p_hold TEXT, p_scopes TEXT[], p_periods BIGINT[], p_cost DOUBLE PRECISION)
        RETURNS TABLE (settled_scope TEXT, spent_before DOUBLE PRECISION, spent_after DOUBLE PRECISION) LANGUAGE plpgsql AS $$
        DECLARE
            n INTEGER := COALESCE(array_length(p_scopes, 1), 0);
            spent_then DOUBLE PRECISION;
            held DOUBLE PRECISION;
        BEGIN
            FOR i IN 1 .. n LOOP
                SELECT a.spent INTO spent_then FROM budget_accounts a WHERE a.scope = p_scopes[i] AND a.period_start = p_periods[i] FOR UPDATE;
                CONTINUE WHEN NOT FOUND;
                DELETE FROM budget_holds h WHERE h.id = p_hold AND h.scope = p_scopes[i] RETURNING h.amount INTO held;
                UPDATE budget_accounts a SET spent = a.spent + p_cost, reserved = greatest(0, a.reserved - COALESCE(held, 0))
                WHERE a.scope = p_scopes[i] AND a.period_start = p_periods[i];
                RETURN QUERY SELECT p_scopes[i], spent_then, spent_then + p_cost;
            END LOOP;
        END $$
        """,
        // Locks every bucket first, then refills and checks them all, then takes from them all.
        """
        CREATE FUNCTION keel_rate_take(p_buckets TEXT[], p_per_minute DOUBLE PRECISION[], p_amounts DOUBLE PRECISION[])
        RETURNS TABLE (blocked_index INTEGER, wait_s DOUBLE PRECISION) LANGUAGE plpgsql AS $$
        DECLARE
            n INTEGER := COALESCE(array_length(p_buckets, 1), 0);
            levels DOUBLE PRECISION[] := '{}';
            stamps BIGINT[] := '{}';
            bucket_level DOUBLE PRECISION;
            bucket_stamp BIGINT;
            now_us BIGINT;
            needed DOUBLE PRECISION;
        BEGIN
            FOR i IN 1 .. n LOOP
                SELECT b.level, b.updated_at INTO bucket_level, bucket_stamp FROM rate_buckets b WHERE b.bucket = p_buckets[i] FOR UPDATE;
                IF NOT FOUND THEN
                    INSERT INTO rate_buckets (bucket, level, updated_at)
                    VALUES (p_buckets[i], p_per_minute[i], (extract(epoch FROM clock_timestamp()) * 1000000)::BIGINT) ON CONFLICT DO NOTHING;
                    SELECT b.level, b.updated_at INTO bucket_level, bucket_stamp FROM rate_buckets b WHERE b.bucket = p_buckets[i] FOR UPDATE;
                END IF;
                levels := levels || bucket_level;
                stamps := stamps || bucket_stamp;
            END LOOP;
            now_us := (extract(epoch FROM clock_timestamp()) * 1000000)::BIGINT;
            FOR i IN 1 .. n LOOP
                levels[i] := least(p_per_minute[i], levels[i] + greatest(0, now_us - stamps[i]) / 60000000.0 * p_per_minute[i]);
                needed := least(p_amounts[i], p_per_minute[i]);
                IF levels[i] < needed THEN
                    RETURN QUERY SELECT i, (needed - levels[i]) / (p_per_minute[i] / 60.0);
                    RETURN;
                END IF;
            END LOOP;
            FOR i IN 1 .. n LOOP
                UPDATE rate_buckets b SET level = levels[i] - p_amounts[i], updated_at = greatest(stamps[i], now_us) WHERE b.bucket = p_buckets[i];
            END LOOP;
        END $$
        """,
        """
        CREATE FUNCTION keel_rate_return(p_buckets TEXT[], p_per_minute DOUBLE PRECISION[], p_amounts DOUBLE PRECISION[])
        RETURNS VOID LANGUAGE plpgsql AS $$
        DECLARE
            n INTEGER := COALESCE(array_length(p_buckets, 1), 0);
            now_us BIGINT := (extract(epoch FROM clock_timestamp()) * 1000000)::BIGINT;
        BEGIN
            FOR i IN 1 .. n LOOP
                UPDATE rate_buckets b
                SET level = least(p_per_minute[i],
                        least(p_per_minute[i], b.level + greatest(0, now_us - b.updated_at) / 60000000.0 * p_per_minute[i]) + p_amounts[i]),
                    updated_at = greatest(b.updated_at, now_us)
                WHERE b.bucket = p_buckets[i];
            END LOOP;
        END $$
        """,
    ]
}
