import DeskModel
import Foundation
import GRDB

extension Database {

    /// Inserts a ticket, or returns the ticket already stored under the
    /// same idempotency key. `created` is false in that case. `id` is the id to give it (the coordinator
    /// allocates ids in its loop); nil lets SQLite pick the next one.
    public func insertTicket(
        _ new: NewTicket, id: TicketID? = nil, status: TicketStatus = .pendingAssignment, at now: Millis, actor: String
    ) throws -> (ticket: Ticket, created: Bool) {
        // One row per new ticket: the row is its own creation record (created_at, created_by), and
        // `history(of:)` presents it as the first `created` event. See docs/ARCHITECTURE.md.
        if let key = new.idempotencyKey,
           let existing = try Ticket.fetch(self, sql: "SELECT * FROM tickets WHERE idempotency_key = ?", [key]) {
            return (existing, false)
        }
        let tags = JSONText.array(new.tags)
        let statement = try cachedStatement(sql: """
            INSERT INTO tickets (id, subject, body, requester, priority, category, channel, tags, status, tier,
                                 skill, idempotency_key, created_at, created_by, updated_at, pool, sla_policy,
                                 first_response_due, next_response_due, resolution_due, created_priority, created_skill, type, fields)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try FastBinding.execute(statement, [
            .optionalInteger(id), .text(new.subject), .text(new.body), .text(new.requester), .integer(Int64(new.priority.rawValue)),
            .text(new.category), .text(new.channel), .text(tags), .text(status.rawValue),
            .integer(Int64(new.tier)), .text(new.skill), .optionalText(new.idempotencyKey), .integer(now),
            .text(actor), .integer(now), .text(new.pool), .optionalText(new.sla?.policy),
            .optionalInteger(new.sla?.firstResponseDue), .optionalInteger(new.sla?.nextResponseDue),
            .optionalInteger(new.sla?.resolutionDue), .integer(Int64(new.priority.rawValue)), .text(new.skill),
            .text(new.type), .text(new.fields.isEmpty ? "{}" : JSONText.object(new.fields)),
        ], in: self)
        let ticketID = id ?? lastInsertedRowID
        if let escalation = new.escalation {
            try appendEvent(escalation.event(ticketID, at: now))
        }
        var ticket = Ticket(
            id: ticketID, subject: new.subject, body: new.body, requester: new.requester, priority: new.priority,
            category: new.category, channel: new.channel, tags: new.tags, status: status, tier: new.tier,
            skill: new.skill, pool: new.pool, idempotencyKey: new.idempotencyKey, createdAt: now
        )
        ticket.sla = new.sla
        ticket.type = new.type
        ticket.fields = new.fields
        return (ticket, true)
    }

    /// Appends one history event. The table refuses updates and deletes.
    public func appendEvent(_ event: TicketEvent) throws {
        let statement = try cachedStatement(sql: """
            INSERT INTO ticket_events (ticket_id, at, actor, kind, detail) VALUES (?, ?, ?, ?, ?)
            """)
        try FastBinding.execute(statement, [
            .integer(event.ticketID), .integer(event.at), .text(event.actor), .text(event.kind.rawValue),
            .text(event.detail),
        ], in: self)
    }

    /// The ticket with `id`, or nil. Read column by column through SQLite's C API: this runs for every
    /// assignment (the ASSIGN carries the ticket), where GRDB's row decoding was 5% of the coordinator.
    public func ticket(_ id: TicketID) throws -> Ticket? {
        let statement = try cachedStatement(sql: """
            SELECT id, subject, body, requester, priority, category, channel, tags, status, tier, skill, assignee,
                   lease_epoch, idempotency_key, created_at, updated_at, pool, sla_policy, first_response_due,
                   resolution_due, next_response_due, type, fields FROM tickets WHERE id = ?
            """)
        return try FastBinding.readOne(statement, id: id, in: self) { columns in
            let priorityValue = Int(columns.integer(4)), statusValue = columns.text(8)
            guard let priority = Priority(rawValue: priorityValue) else {
                throw StoreError.corrupt("ticket \(id) has priority \(priorityValue)")
            }
            guard let status = TicketStatus(rawValue: statusValue) else {
                throw StoreError.corrupt("ticket \(id) has status \(statusValue)")
            }
            var ticket = Ticket(
                id: columns.integer(0), subject: columns.text(1), body: columns.text(2), requester: columns.text(3),
                priority: priority, category: columns.text(5), channel: columns.text(6),
                tags: Ticket.decodeTags(columns.text(7)), status: status, tier: Int(columns.integer(9)),
                skill: columns.text(10), pool: columns.text(16), assignee: columns.optionalText(11), leaseEpoch: columns.integer(12),
                idempotencyKey: columns.optionalText(13), createdAt: columns.integer(14), updatedAt: columns.integer(15))
            ticket.sla = columns.optionalText(17).map {
                SLADue(policy: $0, firstResponseDue: columns.optionalInteger(18), nextResponseDue: columns.optionalInteger(20),
                       resolutionDue: columns.optionalInteger(19))
            }
            ticket.type = columns.text(21)
            ticket.fields = Ticket.decodeFields(columns.text(22))
            return ticket
        }
    }

    /// A ticket's history, oldest first: its `created` event (from the ticket row, id 0), then every
    /// stored event. Empty for an unknown ticket. A ticket written by a store from before the row held its
    /// creator has its `created` event stored; that one is shown instead.
    public func history(of ticketID: TicketID) throws -> [TicketEvent] {
        // The priority and skill as created (v7), not as they are now; rows older than v7 have only the latter.
        guard let row = try Row.fetchOne(
            self, sql: """
                SELECT COALESCE(created_priority, priority) AS priority, COALESCE(created_skill, skill) AS skill,
                       created_at, created_by FROM tickets WHERE id = ?
                """, arguments: [ticketID])
        else { return [] }
        let stored = try storedEvents(of: ticketID)
        if stored.first?.kind == .created { return stored }
        let priority = Priority(rawValue: row["priority"]) ?? .default
        let created = TicketEvent.created(ticketID, at: row["created_at"], actor: row["created_by"], priority: priority, skill: row["skill"])
        return [created] + stored
    }

    /// The stored events of a ticket (everything after its creation), oldest first.
    public func storedEvents(of ticketID: TicketID) throws -> [TicketEvent] {
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
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: sql), arguments: arguments) else { return nil }
        return try Ticket(row: row)
    }

    /// The `fields` column (a JSON object of strings).
    static func decodeFields(_ text: String) -> [String: String] {
        text == "{}" ? [:] : (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }

    /// The `tags` column (a JSON array of strings) as a list.
    static func decodeTags(_ text: String) -> [String] {
        text == "[]" ? [] : (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
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
        let tags = Self.decodeTags(row["tags"])
        self.init(
            id: row["id"], subject: row["subject"], body: row["body"], requester: row["requester"],
            priority: priority, category: row["category"], channel: row["channel"], tags: tags,
            status: status, tier: row["tier"], skill: row["skill"], pool: row["pool"], assignee: row["assignee"],
            leaseEpoch: row["lease_epoch"], idempotencyKey: row["idempotency_key"],
            createdAt: row["created_at"], updatedAt: row["updated_at"]
        )
        type = row["type"] ?? ""
        fields = Self.decodeFields(row["fields"] ?? "{}")
        if let policy: String = row["sla_policy"] {
            sla = SLADue(policy: policy, firstResponseDue: row["first_response_due"], nextResponseDue: row["next_response_due"],
                         resolutionDue: row["resolution_due"])
        }
    }
}

extension IntakeEscalation {
    /// The `escalated` event of an intake rule.
    public func event(_ ticket: TicketID, at now: Millis) -> TicketEvent {
        TicketEvent.escalated(ticket, at: now, actor: "system", fromTier: fromTier, toTier: toTier, toTierName: nil, reason: reason,
                              rule: "intake", priority: toPriority != fromPriority ? toPriority : nil)
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
