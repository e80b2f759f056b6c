import DeskModel
import GRDB

/// The audit log as the admin page reads it: newest first, a page at a time, optionally one kind of action.
extension Database {
    /// At most `limit` entries older than `beforeID` (all when nil), newest first; `actionPrefix` keeps
    /// the actions that start with it (`token.` for every token change).
    public func auditEntries(before beforeID: Int64?, limit: Int, actionPrefix: String? = nil) throws -> [AuditEntry] {
        var sql = "SELECT * FROM audit_log WHERE id < ?"
        var arguments: StatementArguments = [beforeID ?? Int64.max]
        if let actionPrefix, !actionPrefix.isEmpty {
            sql += " AND substr(action, 1, ?) = ?"
            arguments += [actionPrefix.count, actionPrefix]
        }
        sql += " ORDER BY id DESC LIMIT ?"
        arguments += [limit]
        return try Row.fetchAll(self, sql: sql, arguments: arguments).map { row in
            AuditEntry(id: row["id"], at: row["at"], actor: row["actor"], action: row["action"], target: row["target"],
                       before: row["before"], after: row["after"])
        }
    }
}
