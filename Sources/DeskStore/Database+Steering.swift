import DeskModel
import GRDB

/// The writes of a lead's steering (assign, update, reopen), each one change for the group-commit writer
/// and fenced in SQL like the loop's own: a statement that matches no row throws `StoreError.fenced`.
extension Database {
    /// Gives a ticket to `lease.agent` under `lease.epoch`, ending `previous` (the holder's lease) if there
    /// was one: one UPDATE fenced on the ticket's current epoch and holder, the lease row replaced, and
    /// the `released` (when held) and `assigned` events appended. `status` is the ticket's status under the
    /// new lease. Returns the ticket, for the ASSIGN.
    public func reassign(_ lease: Lease, previous: Lease?, status: TicketStatus, events: [TicketEvent], at now: Millis) throws -> Ticket {
        try execute(sql: """
            UPDATE tickets SET status = ?, assignee = ?, lease_epoch = ?, updated_at = ?
            WHERE id = ? AND lease_epoch = ? AND assignee IS ?
              AND status IN ('new', 'pending_assignment', 'in_progress', 'waiting_on_customer', 'pending_confirmation')
            """, arguments: [status.rawValue, lease.agent, lease.epoch, now, lease.ticket, lease.epoch - 1, previous?.agent])
        guard changesCount == 1 else {
            throw StoreError.fenced("assigning \(lease.ticket)/\(lease.epoch) to \(lease.agent): the ticket is not open under epoch "
                                    + "\(lease.epoch - 1) held by \(previous?.agent ?? "no one")")
        }
        try execute(sql: "INSERT OR REPLACE INTO leases (ticket_id, agent, epoch, granted_at) VALUES (?, ?, ?, ?)",
                    arguments: [lease.ticket, lease.agent, lease.epoch, now])
        for event in events { try appendEvent(event) }
        guard let ticket = try ticket(lease.ticket) else { throw StoreError.notFound("ticket \(lease.ticket)") }
        return ticket
    }

    /// A lead's change to an open ticket: any of priority, category, tier and skill, tags added and
    /// removed. Appends one `updated` event naming each field that changed with its value before and after
    /// (`{"tier":{"from":1,"to":2}}`) and returns it, or nil when nothing changed (no event then).
    public func leadUpdate(_ id: TicketID, priority: Priority?, category: String?, tier: Int?, skill: String?,
                           addTags: [String], removeTags: [String], at now: Millis, actor: String) throws -> TicketEvent? {
        guard let ticket = try ticket(id), ticket.status.isOpen else { throw StoreError.fenced("updating \(id): the ticket is not open") }
        var detail: [String] = []
        func change(_ field: String, _ from: String, _ to: String) { detail.append("\"\(field)\":{\"from\":\(from),\"to\":\(to)}") }
        let newPriority = priority.flatMap { $0 == ticket.priority ? nil : $0 }
        let newCategory = category.flatMap { $0 == ticket.category ? nil : $0 }
        let newTier = tier.flatMap { $0 == ticket.tier ? nil : $0 }
        let newSkill = skill.flatMap { $0 == ticket.skill ? nil : $0 }
        var tags: [String]?
        if !addTags.isEmpty || !removeTags.isEmpty {
            var next = ticket.tags.filter { !removeTags.contains($0) }
            for tag in addTags where !next.contains(tag) { next.append(tag) }
            if next != ticket.tags { tags = next }
        }
        if let newPriority { change("priority", "\"\(ticket.priority.label)\"", "\"\(newPriority.label)\"") }
        if let newCategory { change("category", JSONText.string(ticket.category), JSONText.string(newCategory)) }
        if let newTier { change("tier", "\(ticket.tier)", "\(newTier)") }
        if let newSkill { change("skill", JSONText.string(ticket.skill), JSONText.string(newSkill)) }
        if let tags { change("tags", JSONText.array(ticket.tags), JSONText.array(tags)) }
        guard !detail.isEmpty else { return nil }
        try execute(sql: """
            UPDATE tickets SET priority = COALESCE(?, priority), category = COALESCE(?, category), tier = COALESCE(?, tier),
                   skill = COALESCE(?, skill), tags = COALESCE(?, tags), updated_at = ? WHERE id = ?
            """, arguments: [newPriority?.rawValue, newCategory, newTier, newSkill, tags.map(JSONText.array), now, id])
        let event = TicketEvent(ticketID: id, at: now, actor: actor, kind: .updated, detail: "{" + detail.joined(separator: ",") + "}")
        try appendEvent(event)
        return event
    }

    /// Reopens a resolved ticket: back to `pending_assignment`, held by no one, its resolution time
    /// cleared, with its `reopened` event. Fenced: the ticket must be resolved. Returns what the loop
    /// needs to queue it and rebuild its SLA clock (its history ends with the `reopened` event).
    public func reopenTicket(_ id: TicketID, reason: String, at now: Millis, actor: String) throws -> (Ticket, SLARecoveryTicket) {
        guard let ticket = try ticket(id), ticket.status == .resolved else {
            throw StoreError.fenced("reopening \(id): the ticket is not resolved")
        }
        try execute(sql: """
            UPDATE tickets SET status = 'pending_assignment', assignee = NULL, resolved_at = NULL, updated_at = ?
            WHERE id = ? AND status = 'resolved'
            """, arguments: [now, id])
        guard changesCount == 1 else { throw StoreError.fenced("reopening \(id): the ticket is not resolved") }
        try appendEvent(TicketEvent.reopened(id, at: now, actor: actor, reason: reason, epoch: ticket.leaseEpoch))
        var reopened = ticket
        reopened.status = .pendingAssignment
        reopened.assignee = nil
        reopened.updatedAt = now
        let recovery = SLARecoveryTicket(id: id, priority: ticket.priority, category: ticket.category, channel: ticket.channel,
                                         requester: ticket.requester, createdAt: ticket.createdAt, policy: ticket.sla?.policy,
                                         history: try storedEvents(of: id))
        return (reopened, recovery)
    }

    /// Every agent that has a row (each that ever had a report committed, or is connected now), by name.
    public func agentRows() throws -> [AgentProfile] {
        try Row.fetchAll(self, sql: "SELECT name, skills, tier, capacity FROM agents ORDER BY name").map { row in
            AgentProfile(name: row["name"], skills: Set(Ticket.decodeTags(row["skills"])), tier: row["tier"], capacity: row["capacity"])
        }
    }
}

extension Database {
    /// The ticket waiting longest for an agent (lowest id in the queue), through the status index.
    public func oldestQueued() throws -> Ticket? {
        guard let id = try Int64.fetchOne(self, sql: "SELECT id FROM tickets WHERE status = 'pending_assignment' ORDER BY id LIMIT 1") else { return nil }
        return try ticket(id)
    }

    /// Tickets created and resolved per hour (hours since 1970, UTC) from `start` until before `end`.
    public func hourlyCounts(since start: Millis, until end: Millis) throws -> (created: [Int64: Int], resolved: [Int64: Int]) {
        var created: [Int64: Int] = [:], resolved: [Int64: Int] = [:]
        for row in try Row.fetchAll(self, sql: "SELECT created_at / 3600000 AS h, count(*) AS n FROM tickets WHERE created_at >= ? AND created_at < ? GROUP BY h",
                                    arguments: [start, end]) {
            created[row["h"]] = row["n"]
        }
        for row in try Row.fetchAll(self, sql: "SELECT resolved_at / 3600000 AS h, count(*) AS n FROM tickets WHERE resolved_at >= ? AND resolved_at < ? GROUP BY h",
                                    arguments: [start, end]) {
            resolved[row["h"]] = row["n"]
        }
        return (created, resolved)
    }

    /// Open tickets past a due time (first response, next response or resolution). Reads the open
    /// tickets through the status index: callers cache it (the dashboard counts it at most every 5 s).
    public func overdueCount(now: Millis) throws -> Int {
        try Int.fetchOne(self, sql: """
            SELECT count(*) FROM tickets
            WHERE status IN ('new', 'pending_assignment', 'in_progress', 'waiting_on_customer', 'pending_confirmation')
              AND (first_response_due < ?1 OR next_response_due < ?1 OR resolution_due < ?1)
            """, arguments: [now]) ?? 0
    }
}
