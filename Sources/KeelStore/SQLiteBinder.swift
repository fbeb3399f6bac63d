import GRDB
import GRDBSQLite
import KeelCore

/// Binds values to a prepared SQLite statement's parameters in order, straight through the C
/// API: the trace insert runs once per request, and GRDB's `StatementArguments` boxed every
/// column as an existential and a `DatabaseValue` on the way. Texts, and JSON written straight
/// as text, are gathered into one buffer that serves every row of a batch and are bound in
/// place for the step (`SQLITE_STATIC`): bound as copies, each text of each row was an
/// allocation in SQLite, and each JSON column an encoded array and a `String` first.
struct SQLiteBinder {
    private let statement: SQLiteStatement
    private(set) var count: Int32 = 0
    /// The row's texts, one after another, and the parameter each goes to.
    private var texts: [UInt8] = []
    private var textParameters: [(index: Int32, start: Int, count: Int)] = []

    init(_ statement: SQLiteStatement) {
        self.statement = statement
        texts.reserveCapacity(4096)
        textParameters.reserveCapacity(32)
    }

    /// Starts the next row, keeping the buffers.
    mutating func startRow() {
        count = 0
        texts.removeAll(keepingCapacity: true)
        textParameters.removeAll(keepingCapacity: true)
    }

    mutating func bind(_ value: String?) {
        count += 1
        guard var value else { return bindNull() }
        let start = texts.count
        value.withUTF8 { texts.append(contentsOf: $0) }
        textParameters.append((count, start, texts.count - start))
    }

    /// `value` encoded as JSON text; NULL for nil.
    mutating func bindJSON(_ value: JSONValue?) {
        guard let value else {
            count += 1
            return bindNull()
        }
        bindJSON { value.encode(into: &$0) }
    }

    /// JSON text `write` appends to the buffer it is given.
    mutating func bindJSON(_ write: (inout [UInt8]) -> Void) {
        count += 1
        let start = texts.count
        write(&texts)
        textParameters.append((count, start, texts.count - start))
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

    /// Binds the row's texts where they lie and runs `step` while they are there to be read.
    func withTextsBound<Result>(_ step: () -> Result) -> Result {
        texts.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { text in
                for parameter in textParameters {
                    if parameter.count == 0 {
                        sqlite3_bind_text(statement, parameter.index, "", 0, nil)
                    } else {
                        sqlite3_bind_text(statement, parameter.index, text.baseAddress! + parameter.start, Int32(parameter.count), nil)
                    }
                }
                return step()
            }
        }
    }
}

extension Database {
    /// Runs `statement` once per element of `rows`, binding each with `bind`.
    func executeEach<Rows: Sequence>(_ statement: Statement, for rows: Rows, bind: (Rows.Element, inout SQLiteBinder) -> Void) throws {
        let handle = statement.sqliteStatement
        // The texts are bound in place: the statement (cached, used again later) must not keep
        // pointers into the binder's buffer once it is gone.
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        var binder = SQLiteBinder(handle)
        for row in rows {
            sqlite3_reset(handle)
            binder.startRow()
            bind(row, &binder)
            precondition(binder.count == sqlite3_bind_parameter_count(handle), "every parameter of the statement is bound")
            let code = binder.withTextsBound { sqlite3_step(handle) }
            guard code == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: lastErrorMessage, sql: statement.sql)
            }
        }
    }
}
