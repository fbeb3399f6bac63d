import GRDB
import GRDBSQLite

/// The columns of the row a statement stands on, read with SQLite's own calls: a scan over a
/// million rows reads them without a `Row` or a value decoded per column.
struct SQLiteColumns {
    let handle: OpaquePointer

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    func int(_ column: Int32) -> Int? { isNull(column) ? nil : Int(sqlite3_column_int64(handle, column)) }

    func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : sqlite3_column_double(handle, column) }

    /// The column's text as bytes, valid until the statement moves on; nil for NULL.
    func text(_ column: Int32) -> UnsafeRawBufferPointer? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        return UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column)))
    }
}

extension Database {
    /// Runs `statement`, its one parameter bound to `argument`, and calls `body` on each row.
    func forEachRow(of statement: Statement, binding argument: Int64, _ body: (SQLiteColumns) throws -> Void) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        defer { sqlite3_reset(handle) }
        precondition(sqlite3_bind_parameter_count(handle) == 1, "the statement takes one parameter")
        sqlite3_bind_int64(handle, 1, argument)
        let columns = SQLiteColumns(handle: handle)
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: lastErrorMessage, sql: statement.sql)
            }
            try body(columns)
        }
    }
}
