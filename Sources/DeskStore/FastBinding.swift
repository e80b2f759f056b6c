import GRDB
import GRDBSQLite

/// Binds and steps a cached statement directly through SQLite's C API.
///
/// GRDB's `StatementArguments` boxes every value into an array of `DatabaseValue`; on the intake path
/// that boxing cost half of the writer's time (see docs/BENCHMARKS.md). This binds the same values
/// straight onto the prepared statement. Used only for the few hot statements; everything else goes
/// through GRDB as usual.
struct FastBinding {
    enum Value {
        case text(String)
        case optionalText(String?)
        case integer(Int64)
        case optionalInteger(Int64?)
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Resets `statement`, binds `values` to parameters 1…n, and steps it to completion.
    static func execute(_ statement: Statement, _ values: [Value], in db: Database) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .integer(let number), .optionalInteger(.some(let number)):
                code = sqlite3_bind_int64(handle, index, number)
            case .text(let text), .optionalText(.some(let text)):
                code = bind(text, at: index, to: handle)
            case .optionalText(.none), .optionalInteger(.none):
                code = sqlite3_bind_null(handle, index)
            }
            guard code == SQLITE_OK else { throw error(code, statement, db) }
        }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw error(code, statement, db) }
    }

    /// The columns of the current row of a stepped statement.
    struct Columns {
        let handle: OpaquePointer
        func integer(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }
        func text(_ index: Int32) -> String {
            guard let bytes = sqlite3_column_text(handle, index) else { return "" }
            let count = Int(sqlite3_column_bytes(handle, index))
            return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
        }
        func optionalText(_ index: Int32) -> String? {
            sqlite3_column_type(handle, index) == SQLITE_NULL ? nil : text(index)
        }
        func optionalInteger(_ index: Int32) -> Int64? {
            sqlite3_column_type(handle, index) == SQLITE_NULL ? nil : integer(index)
        }
    }

    /// Runs a cached one-parameter SELECT and reads at most one row with `read`.
    static func readOne<T>(_ statement: Statement, id: Int64, in db: Database,
                           _ read: (Columns) throws -> T) throws -> T? {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        defer { sqlite3_reset(handle) }
        let bound = sqlite3_bind_int64(handle, 1, id)
        guard bound == SQLITE_OK else { throw error(bound, statement, db) }
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return try read(Columns(handle: handle))
        case SQLITE_DONE: return nil
        case let code: throw error(code, statement, db)
        }
    }

    private static func bind(_ text: String, at index: Int32, to handle: OpaquePointer) -> Int32 {
        var text = text
        return text.withUTF8 { bytes in
            sqlite3_bind_text(handle, index, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                              Int32(bytes.count), transient)
        }
    }

    private static func error(_ code: Int32, _ statement: Statement, _ db: Database) -> DatabaseError {
        let message = db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }
}
