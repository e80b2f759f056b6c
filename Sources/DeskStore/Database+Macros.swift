import DeskModel
import Foundation
import GRDB

/// Macros and the outbox: stored by the coordinator, read by the API.
extension Database {
    /// Creates or replaces a macro. Returns whether it is new.
    @discardableResult
    public func saveMacro(_ macro: MacroDefinition, at now: Millis) throws -> Bool {
        let existed = try Bool.fetchOne(self, sql: "SELECT 1 FROM macros WHERE name = ?", arguments: [macro.name]) ?? false
        let actions = String(decoding: try JSONEncoder.sorted.encode(macro.actions), as: UTF8.self)
        try execute(sql: """
            INSERT INTO macros (name, description, reply, actions, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(name) DO UPDATE SET description = excluded.description, reply = excluded.reply,
                actions = excluded.actions, updated_at = excluded.updated_at
            """, arguments: [macro.name, macro.description, macro.reply, actions, now])
        return !existed
    }

    /// Removes a macro; false when there was none.
    public func removeMacro(named name: String) throws -> Bool {
        try execute(sql: "DELETE FROM macros WHERE name = ?", arguments: [name])
        return changesCount > 0
    }

    /// Every macro, by name.
    public func macros() throws -> [MacroDefinition] {
        try Row.fetchAll(self, sql: "SELECT * FROM macros ORDER BY name").map(Self.macro)
    }

    public func macro(named name: String) throws -> MacroDefinition? {
        try Row.fetchOne(self, sql: "SELECT * FROM macros WHERE name = ?", arguments: [name]).map(Self.macro)
    }

    static func macro(_ row: Row) throws -> MacroDefinition {
        let name: String = row["name"], actionsText: String = row["actions"]
        let actions: MacroActions
        do {
            actions = try JSONDecoder().decode(MacroActions.self, from: Data(actionsText.utf8))
        } catch {
            throw StoreError.corrupt("macro \(name) has unreadable actions")
        }
        return MacroDefinition(name: name, description: row["description"], reply: row["reply"], actions: actions)
    }

    /// Outbox messages, oldest first: only undelivered ones when `pending`, after the id `cursor`.
    public func outbox(pending: Bool, ticket: TicketID?, after cursor: Int64, limit: Int) throws -> [OutboxMessage] {
        var clauses = ["id > ?"]
        var arguments: StatementArguments = [cursor]
        if pending { clauses.append("delivered_at IS NULL") }
        if let ticket { clauses.append("ticket_id = ?"); arguments += [ticket] }
        arguments += [limit]
        return try Row.fetchAll(self, sql: "SELECT * FROM outbox WHERE \(clauses.joined(separator: " AND ")) ORDER BY id LIMIT ?",
                                arguments: arguments).map(OutboxMessage.init(row:))
    }

    /// Marks an outbox message delivered. Returns false for an unknown id; delivering twice keeps the first time.
    /// A delivered sign-in link mail loses its body: the link's secret is then only in the recipient's mailbox.
    public func markDelivered(_ id: Int64, at now: Millis) throws -> Bool {
        guard try Bool.fetchOne(self, sql: "SELECT 1 FROM outbox WHERE id = ?", arguments: [id]) ?? false else { return false }
        try execute(sql: "UPDATE outbox SET delivered_at = COALESCE(delivered_at, ?) WHERE id = ?", arguments: [now, id])
        try execute(sql: "UPDATE outbox SET body = ? WHERE id = ? AND kind = ?",
                    arguments: [OutboxKind.deliveredLinkBody, id, OutboxKind.signInLink.rawValue])
        return true
    }
}

/// What an outbox message is: a ticket's public reply, or mail of its own (a sign-in link).
public enum OutboxKind: String, Sendable, CaseIterable {
    case reply
    case signInLink = "sign_in_link"

    /// The body a sign-in link mail keeps once delivered.
    public static let deliveredLinkBody = "(a sign-in link, removed from the store once delivered)"
}

/// A message waiting for (or done with) delivery to a customer: a ticket's public reply, or a mail that
/// belongs to no ticket (`ticketID` nil), such as a sign-in link.
public struct OutboxMessage: Sendable, Equatable {
    public var id: Int64
    public var kind: OutboxKind
    /// The ticket of a reply; nil for mail of its own.
    public var ticketID: TicketID?
    public var recipient: String
    public var subject: String
    public var body: String
    public var author: String
    public var macro: String?
    public var createdAt: Millis
    public var deliveredAt: Millis?

    init(row: Row) {
        id = row["id"]
        kind = OutboxKind(rawValue: row["kind"] ?? "") ?? .reply
        ticketID = row["ticket_id"]
        recipient = row["recipient"]
        subject = row["subject"]
        body = row["body"]
        author = row["author"]
        macro = row["macro"]
        createdAt = row["created_at"]
        deliveredAt = row["delivered_at"]
    }
}

extension JSONEncoder {
    /// Keys sorted, so stored JSON is stable.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

extension Database {
    /// The customer's messages on a ticket after its first one (the ticket's body), oldest first.
    public func customerMessages(of ticket: TicketID) throws -> [(at: Millis, body: String)] {
        try Row.fetchAll(self, sql: "SELECT at, detail FROM ticket_events WHERE ticket_id = ? AND kind = 'customer_replied' ORDER BY id",
                         arguments: [ticket]).map { row in
            let detail: String = row["detail"]
            return (row["at"], JSONField.string("body", in: detail) ?? "")
        }
    }
}

extension Database {
    /// A stored setting (the SLA policies set through the API), or nil.
    public func setting(_ key: String) throws -> String? {
        try String.fetchOne(self, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key])
    }

    /// Stores a setting; nil removes it.
    public func setSetting(_ key: String, _ value: String?, at now: Millis) throws {
        if let value {
            try execute(sql: """
                INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """, arguments: [key, value, now])
        } else {
            try execute(sql: "DELETE FROM settings WHERE key = ?", arguments: [key])
        }
    }
}
