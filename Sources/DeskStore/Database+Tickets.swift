import DeskModel
import Foundation
import GRDB

extension Database {
    /// Inserts a ticket and its `created` history event, or returns the ticket already stored under the
    /// same idempotency key. `created` is false in that case.
    public func insertTicket(
        _ new: NewTicket, status: TicketStatus = .pendingAssignment, at now: Millis, actor: String
    ) throws -> (ticket: Ticket, created: Bool) {
        if let key = new.idempotencyKey,
           let existing = try Ticket.fetch(self, sql: "SELECT * FROM tickets WHERE idempotency_key = ?", [key]) {
            return (existing, false)
        }
        let tags = String(decoding: try JSONEncoder().encode(new.tags), as: UTF8.self)
        let statement = try cachedStatement(sql: """
            INSERT INTO tickets (subject, body, requester, priority, category, channel, tags, status, tier,
                                 skill, idempotency_key, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [
            new.subject, new.body, new.requester, new.priority.rawValue, new.category, new.channel, tags,
            status.rawValue, new.tier, new.skill, new.idempotencyKey, now, now,
        ])
        let id = lastInsertedRowID
        try appendEvent(TicketEvent(ticketID: id, at: now, actor: actor, kind: .created,
                                    detail: "{\"priority\":\"\(new.priority.label)\"}"))
        let ticket = Ticket(
            id: id, subject: new.subject, body: new.body, requester: new.requester, priority: new.priority,
            category: new.category, channel: new.channel, tags: new.tags, status: status, tier: new.tier,
            skill: new.skill, idempotencyKey: new.idempotencyKey, createdAt: now
        )
        return (ticket, true)
    }

    /// Appends one history event. The table refuses updates and deletes.
    public func appendEvent(_ event: TicketEvent) throws {
        let statement = try cachedStatement(sql: """
            INSERT INTO ticket_events (ticket_id, at, actor, kind, detail) VALUES (?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [event.ticketID, event.at, event.actor, event.kind.rawValue, event.detail])
    }

    /// The ticket with `id`, or nil.
    public func ticket(_ id: TicketID) throws -> Ticket? {
        try Ticket.fetch(self, sql: "SELECT * FROM tickets WHERE id = ?", [id])
    }

    /// A ticket's history, oldest first.
    public func events(of ticketID: TicketID) throws -> [TicketEvent] {
        try Row.fetchAll(self, sql: "SELECT * FROM ticket_events WHERE ticket_id = ? ORDER BY id", arguments: [ticketID])
            .map { try TicketEvent(row: $0) }
    }

    /// How many tickets the store holds.
    public func ticketCount() throws -> Int {
        try Int.fetchOne(self, sql: "SELECT COUNT(*) FROM tickets") ?? 0
    }
}

extension Ticket {
    static func fetch(_ db: Database, sql: String, _ arguments: StatementArguments) throws -> Ticket? {
        guard let row = try Row.fetchOne(db, sql: sql, arguments: arguments) else { return nil }
        return try Ticket(row: row)
    }

    /// Reads a ticket from a `tickets` row.
    public init(row: Row) throws {
        let priorityValue: Int = row["priority"]
        let statusValue: String = row["status"]
        guard let priority = Priority(rawValue: priorityValue) else {
            throw StoreError.corrupt("ticket \(row["id"] as Int64) has priority \(priorityValue)")
        }
        guard let status = TicketStatus(rawValue: statusValue) else {
            throw StoreError.corrupt("ticket \(row["id"] as Int64) has status \(statusValue)")
        }
        let tagsText: String = row["tags"]
        let tags = (try? JSONDecoder().decode([String].self, from: Data(tagsText.utf8))) ?? []
        self.init(
            id: row["id"], subject: row["subject"], body: row["body"], requester: row["requester"],
            priority: priority, category: row["category"], channel: row["channel"], tags: tags,
            status: status, tier: row["tier"], skill: row["skill"], assignee: row["assignee"],
            leaseEpoch: row["lease_epoch"], idempotencyKey: row["idempotency_key"],
            createdAt: row["created_at"], updatedAt: row["updated_at"]
        )
    }
}

extension TicketEvent {
    init(row: Row) throws {
        let kindValue: String = row["kind"]
        guard let kind = TicketEventKind(rawValue: kindValue) else {
            throw StoreError.corrupt("history event \(row["id"] as Int64) has kind \(kindValue)")
        }
        self.init(
            id: row["id"], ticketID: row["ticket_id"], at: row["at"], actor: row["actor"],
            kind: kind, detail: row["detail"]
        )
    }
}
