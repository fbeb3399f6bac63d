import GRDB
import GRDBSQLite

/// Binds values to a prepared SQLite statement's parameters in order, straight through the C
/// API: the trace insert runs once per request, and GRDB's `StatementArguments` boxed every
/// column as an existential and a `DatabaseValue` on the way.
struct SQLiteBinder {
    private let statement: SQLiteStatement
    private(set) var count: Int32 = 0
    /// SQLite copies the text before `bind` returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ statement: SQLiteStatement) {
        self.statement = statement
    }

    /// The text's own UTF-8 bytes: passing a `String` where C wants a pointer made a C copy of
    /// every short (inline) string first, and SQLite copies it anyway.
    mutating func bind(_ value: String?) {
        count += 1
        guard var value else { return bindNull() }
        let (statement, index) = (statement, count)
        value.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { text in
                guard let base = text.baseAddress, !text.isEmpty else {
                    sqlite3_bind_text(statement, index, "", 0, Self.transient)
                    return
                }
                sqlite3_bind_text(statement, index, base, Int32(text.count), Self.transient)
            }
        }
    }

    mutating func bind(_ value: Int?) {
        count += 1
        guard let value else { return bindNull() }
        sqlite3_bind_int64(statement, count, Int64(value))
    }

    mutating func bind(_ value: Int64) {
        count += 1
        sqlite3_bind_int64(statement, count, value)
    }

    mutating func bind(_ value: Double?) {
        count += 1
        guard let value else { return bindNull() }
        sqlite3_bind_double(statement, count, value)
    }

    mutating func bind(_ value: Bool) {
        count += 1
        sqlite3_bind_int64(statement, count, value ? 1 : 0)
    }

    private func bindNull() {
        sqlite3_bind_null(statement, count)
    }
}

extension Database {
    /// Runs `statement` once per element of `rows`, binding each with `bind`.
    func executeEach<Rows: Sequence>(_ statement: Statement, for rows: Rows, bind: (Rows.Element, inout SQLiteBinder) -> Void) throws {
        let handle = statement.sqliteStatement
        for row in rows {
            sqlite3_reset(handle)
            var binder = SQLiteBinder(handle)
            bind(row, &binder)
            precondition(binder.count == sqlite3_bind_parameter_count(handle), "every parameter of the statement is bound")
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else {
                sqlite3_reset(handle)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: lastErrorMessage, sql: statement.sql)
            }
        }
        sqlite3_reset(handle)
    }
}
