import GRDB
import GRDBSQLite

/// Binds and steps a cached INSERT/UPDATE directly through SQLite's C API.
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
            case .integer(let number):
                code = sqlite3_bind_int64(handle, index, number)
            case .text(let text), .optionalText(.some(let text)):
                code = bind(text, at: index, to: handle)
            case .optionalText(.none):
                code = sqlite3_bind_null(handle, index)
            }
            guard code == SQLITE_OK else { throw error(code, statement, db) }
        }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw error(code, statement, db) }
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
