import DeskModel
import GRDB

/// The writes and reads of the coordinator's loop. Each write is one change for the group-commit
/// writer: the ticket update, the lease row and the history event land in the same transaction.
extension Database {
    /// Records a lease: the ticket goes in progress under `lease.epoch`, the lease row is written, and an
    /// `assigned` event appended. Returns the ticket, for the ASSIGN message.
    public func grantLease(_ lease: Lease, at now: Millis) throws -> Ticket {
        try recordLease(lease, at: now)
        guard let ticket = try ticket(lease.ticket) else { throw StoreError.notFound("ticket \(lease.ticket)") }
        return ticket
    }

    /// Records a new lease (ticket in progress, lease row, `assigned` event) without reading the ticket back.
    /// Fenced in SQL: the ticket must be open and its stored epoch below the new one (epochs only rise).
    public func recordLease(_ lease: Lease, at now: Millis) throws {
        let update = try cachedStatement(sql: """
            UPDATE tickets SET status = 'in_progress', assignee = ?, lease_epoch = ?, updated_at = ?
            WHERE id = ? AND lease_epoch < ? AND status IN ('new', 'pending_assignment')
            """)
        try FastBinding.execute(update, [.text(lease.agent), .integer(lease.epoch), .integer(now), .integer(lease.ticket),
                                         .integer(lease.epoch)], in: self)
        guard changesCount == 1 else {
            throw StoreError.fenced("lease \(lease.ticket)/\(lease.epoch) for \(lease.agent): the ticket is not queued below that epoch")
        }
        let insert = try cachedStatement(sql: """
            INSERT OR REPLACE INTO leases (ticket_id, agent, epoch, granted_at) VALUES (?, ?, ?, ?)
            """)
        try FastBinding.execute(insert, [.integer(lease.ticket), .text(lease.agent), .integer(lease.epoch), .integer(now)], in: self)
        try appendEvent(TicketEvent.assigned(lease, at: now))
    }

    /// The statuses a leased ticket can have, as SQL.
    static let leasedStatuses = "('in_progress', 'waiting_on_customer', 'pending_confirmation')"

    /// Ends a lease and puts the ticket back in the queue (release, expiry, escalation), with its event.
    /// Fenced: the ticket must be leased under `lease.epoch`.
    public func endLease(_ lease: Lease, event: TicketEvent, tier: Int? = nil, priority: Priority? = nil) throws {
        let update = try cachedStatement(sql: """
            UPDATE tickets SET status = 'pending_assignment', assignee = NULL, tier = COALESCE(?, tier),
                   priority = COALESCE(?, priority), updated_at = ?
            WHERE id = ? AND lease_epoch = ? AND assignee IS NOT NULL AND status IN \(Self.leasedStatuses)
            """)
        try update.execute(arguments: [tier, priority?.rawValue, event.at, lease.ticket, lease.epoch])
        guard changesCount == 1 else { throw StoreError.fenced("ending lease \(lease.ticket)/\(lease.epoch): not the ticket's lease") }
        try cachedStatement(sql: "DELETE FROM leases WHERE ticket_id = ? AND epoch = ?")
            .execute(arguments: [lease.ticket, lease.epoch])
        try appendEvent(event)
    }

    /// Resolves a ticket: status, resolution time, its lease row removed, `resolved` event. Fenced like
    /// `endLease`.
    public func resolveTicket(_ lease: Lease, event: TicketEvent) throws {
        let update = try cachedStatement(sql: """
            UPDATE tickets SET status = 'resolved', resolved_at = ?, updated_at = ?, first_response_due = NULL,
                   next_response_due = NULL, resolution_due = NULL
            WHERE id = ? AND lease_epoch = ? AND assignee IS NOT NULL AND status IN \(Self.leasedStatuses)
            """)
        try FastBinding.execute(update, [.integer(event.at), .integer(event.at), .integer(lease.ticket), .integer(lease.epoch)], in: self)
        guard changesCount == 1 else { throw StoreError.fenced("resolving \(lease.ticket)/\(lease.epoch): not the ticket's lease") }
        let delete = try cachedStatement(sql: "DELETE FROM leases WHERE ticket_id = ? AND epoch = ?")
        try FastBinding.execute(delete, [.integer(lease.ticket), .integer(lease.epoch)], in: self)
        try appendEvent(event)
    }

    /// Resolves a parked ticket (pending the customer's confirmation, no holder): the customer confirmed it.
    /// Fenced: it must still be parked.
    public func resolveParked(_ ticket: TicketID, event: TicketEvent) throws {
        try cachedStatement(sql: """
            UPDATE tickets SET status = 'resolved', resolved_at = ?, updated_at = ?, first_response_due = NULL,
                   next_response_due = NULL, resolution_due = NULL
            WHERE id = ? AND assignee IS NULL AND status = 'pending_confirmation'
            """).execute(arguments: [event.at, event.at, ticket])
        guard changesCount == 1 else { throw StoreError.fenced("resolving parked \(ticket): it is not parked pending confirmation") }
        try appendEvent(event)
    }

    /// Parks a ticket that waits on the customer when its agent leaves: the lease ends (assignee cleared,
    /// lease row removed) but the status stays, so the clock stays paused and no one is handed it until the
    /// customer answers (`resumeParked`). Fenced like `endLease`.
    public func parkTicket(_ lease: Lease, event: TicketEvent) throws {
        try cachedStatement(sql: """
            UPDATE tickets SET assignee = NULL, updated_at = ?
            WHERE id = ? AND lease_epoch = ? AND assignee IS NOT NULL AND status IN ('waiting_on_customer', 'pending_confirmation')
            """).execute(arguments: [event.at, lease.ticket, lease.epoch])
        guard changesCount == 1 else { throw StoreError.fenced("parking \(lease.ticket)/\(lease.epoch): not the ticket's lease") }
        try cachedStatement(sql: "DELETE FROM leases WHERE ticket_id = ? AND epoch = ?").execute(arguments: [lease.ticket, lease.epoch])
        try appendEvent(event)
    }

    /// The customer answered on a parked ticket: it goes back to the queue. Fenced: it must be parked.
    public func resumeParked(_ ticket: TicketID, event: TicketEvent) throws {
        try cachedStatement(sql: """
            UPDATE tickets SET status = 'pending_assignment', updated_at = ?
            WHERE id = ? AND assignee IS NULL AND status IN ('waiting_on_customer', 'pending_confirmation')
            """).execute(arguments: [event.at, ticket])
        guard changesCount == 1 else { throw StoreError.fenced("resuming \(ticket): it is not parked") }
        try appendEvent(event)
    }

    /// A queued ticket answered without a person (the knowledge bot): its public reply goes to the outbox
    /// (from `reply.actor`) and it waits for the customer's confirmation, held by no one (parked). Fenced:
    /// the ticket must still be queued, unheld.
    public func answerQueued(_ reply: TicketEvent, body: String, status: TicketEvent) throws {
        try cachedStatement(sql: """
            UPDATE tickets SET status = 'pending_confirmation', updated_at = ?
            WHERE id = ? AND assignee IS NULL AND status = 'pending_assignment'
            """).execute(arguments: [reply.at, reply.ticketID])
        guard changesCount == 1 else { throw StoreError.fenced("answering \(reply.ticketID): it is not waiting in a queue") }
        try cachedStatement(sql: """
            INSERT INTO outbox (ticket_id, recipient, subject, body, author, macro, created_at)
            SELECT id, requester, 'Re: ' || subject || ' [#' || id || ']', ?, ?, NULL, ? FROM tickets WHERE id = ?
            """).execute(arguments: [body, reply.actor, reply.at, reply.ticketID])
        try appendEvent(reply)
        try appendEvent(status)
    }

    /// Changes a leased ticket's status (waiting on customer, pending confirmation, in progress). Fenced:
    /// the ticket must still be leased under `epoch`.
    public func changeStatus(_ ticket: TicketID, epoch: Int64, to status: TicketStatus, event: TicketEvent) throws {
        try cachedStatement(sql: """
            UPDATE tickets SET status = ?, updated_at = ? WHERE id = ? AND lease_epoch = ? AND assignee IS NOT NULL AND status IN \(Self.leasedStatuses)
            """).execute(arguments: [status.rawValue, event.at, ticket, epoch])
        guard changesCount == 1 else { throw StoreError.fenced("status of \(ticket) under epoch \(epoch): not the ticket's lease") }
        try appendEvent(event)
    }

    /// Records a public reply: its event, the first-response time if this is the first, and the message in
    /// the outbox for the delivery channels (addressed to the requester, subject `Re: … [#id]`). Fenced:
    /// the ticket must still be leased under `epoch`.
    public func recordReply(_ event: TicketEvent, epoch: Int64, body: String, macro: String? = nil) throws {
        try cachedStatement(sql: """
            UPDATE tickets SET first_response_at = COALESCE(first_response_at, ?), updated_at = ?
            WHERE id = ? AND lease_epoch = ? AND assignee IS NOT NULL AND status IN \(Self.leasedStatuses)
            """).execute(arguments: [event.at, event.at, event.ticketID, epoch])
        guard changesCount == 1 else { throw StoreError.fenced("reply on \(event.ticketID) under epoch \(epoch): not the ticket's lease") }
        try cachedStatement(sql: """
            INSERT INTO outbox (ticket_id, recipient, subject, body, author, macro, created_at)
            SELECT id, requester, 'Re: ' || subject || ' [#' || id || ']', ?, ?, ?, ? FROM tickets WHERE id = ?
            """).execute(arguments: [body, event.actor, macro, event.at, event.ticketID])
        try appendEvent(event)
    }

    /// Sets fields of an open ticket (any of priority, category, tags) with its `updated` event.
    public func updateTicket(_ ticket: TicketID, priority: Priority?, category: String?, tags: [String]?, event: TicketEvent) throws {
        try cachedStatement(sql: """
            UPDATE tickets SET priority = COALESCE(?, priority), category = COALESCE(?, category),
                   tags = COALESCE(?, tags), updated_at = ? WHERE id = ?
            """).execute(arguments: [priority?.rawValue, category, tags.map(JSONText.array), event.at, ticket])
        try appendEvent(event)
    }

    /// Records that `agent` reached `sequence` in `session`, in the same transaction as the report's effect.
    public func recordSequence(agent: String, session: String, sequence: UInt64) throws {
        let update = try cachedStatement(sql: "UPDATE agents SET last_sequence = ?, session = ? WHERE name = ?")
        try FastBinding.execute(update, [.integer(Int64(bitPattern: sequence)), .text(session), .text(agent)], in: self)
    }

    /// Records a refused report in the same way as a committed one: the agent's sequence reaches it, and
    /// the refusal is kept (the newest `keep` per agent) so a retry gets the same answer after a restart.
    public func recordRefusal(agent: String, session: String, sequence: UInt64, code: Int, message: String, at now: Millis,
                              keep: Int) throws {
        try recordSequence(agent: agent, session: session, sequence: sequence)
        try execute(sql: """
            INSERT OR REPLACE INTO report_refusals (agent, session, seq, code, message, at) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [agent, session, Int64(bitPattern: sequence), code, message, now])
        try execute(sql: """
            DELETE FROM report_refusals WHERE agent = ? AND (session != ? OR seq <= (
                SELECT seq FROM report_refusals WHERE agent = ? ORDER BY seq DESC LIMIT 1 OFFSET ?))
            """, arguments: [agent, session, agent, keep])
    }

    /// The kept refusals of each agent's current session: agent → sequence → (code, message).
    public func reportRefusals() throws -> [String: [UInt64: (code: Int, message: String)]] {
        var result: [String: [UInt64: (code: Int, message: String)]] = [:]
        let rows = try Row.fetchCursor(self, sql: """
            SELECT r.agent, r.seq, r.code, r.message FROM report_refusals r JOIN agents a ON a.name = r.agent
            WHERE r.session = a.session
            """)
        while let row = try rows.next() {
            let seq: Int64 = row["seq"]
            result[row["agent"], default: [:]][UInt64(bitPattern: seq)] = (row["code"], row["message"])
        }
        return result
    }

    /// Creates or updates an agent's row on HELLO. A new session restarts its sequence count; the same
    /// session never lowers the stored count (a report of it may have committed since the HELLO was decided).
    public func upsertAgent(_ profile: AgentProfile, mode: String, session: String, lastSequence: UInt64, at now: Millis) throws {
        try execute(sql: """
            INSERT INTO agents (name, skills, tier, capacity, mode, session, last_sequence, last_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(name) DO UPDATE SET skills = excluded.skills, tier = excluded.tier,
                capacity = excluded.capacity, mode = excluded.mode, session = excluded.session,
                last_sequence = CASE WHEN agents.session = excluded.session
                                     THEN MAX(agents.last_sequence, excluded.last_sequence) ELSE excluded.last_sequence END,
                last_seen = excluded.last_seen
            """, arguments: [profile.name, JSONText.array(profile.skills.sorted()), profile.tier, profile.capacity,
                             mode, session, Int64(bitPattern: lastSequence), now])
    }

    /// Every open ticket, for rebuilding the dispatcher on start. Uses the status index.
    public func openTickets(targets: ResponseTargets) throws -> [OpenTicket] {
        let rows = try Row.fetchCursor(self, sql: """
            SELECT id, priority, tier, skill, created_at, status, lease_epoch, assignee, pool, first_response_due,
                   resolution_due FROM tickets
            WHERE status IN ('new', 'pending_assignment', 'in_progress', 'waiting_on_customer', 'pending_confirmation')
            """)
        var open: [OpenTicket] = []
        while let row = try rows.next() {
            let id: TicketID = row["id"]
            guard let priority = Priority(rawValue: row["priority"]),
                  let status = TicketStatus(rawValue: row["status"]) else {
                throw StoreError.corrupt("ticket \(id) has an unknown priority or status")
            }
            let createdAt: Millis = row["created_at"]
            let assignee: String? = status.isLeased ? row["assignee"] : nil
            // The queue's due time as intake gave it: the SLA's first-response due, else its resolution due,
            // else the configured target (so a restart never reorders a queue).
            let firstResponseDue: Millis? = row["first_response_due"]
            let resolutionDue: Millis? = row["resolution_due"]
            open.append(OpenTicket(
                id: id, priority: priority, tier: row["tier"], skill: row["skill"],
                dueAt: firstResponseDue ?? resolutionDue ?? targets.due(priority, createdAt: createdAt), createdAt: createdAt,
                status: status == .new ? .pendingAssignment : status, epoch: row["lease_epoch"], assignee: assignee,
                pool: row["pool"]))
        }
        return open
    }

    /// Every agent's session and last committed sequence number, for deduplicating reports after a restart.
    public func agentSessions() throws -> [String: (session: String, lastSequence: UInt64)] {
        var sessions: [String: (session: String, lastSequence: UInt64)] = [:]
        for row in try Row.fetchAll(self, sql: "SELECT name, session, last_sequence FROM agents") {
            let last: Int64 = row["last_sequence"]
            sessions[row["name"]] = (row["session"], UInt64(bitPattern: last))
        }
        return sessions
    }
}

extension Database {
    /// Moves a queued (unleased) ticket to another skill and tier, with its `rerouted` event.
    public func reroute(_ ticket: TicketID, skill: String, tier: Int, event: TicketEvent) throws {
        try cachedStatement(sql: "UPDATE tickets SET skill = ?, tier = ?, updated_at = ? WHERE id = ? AND assignee IS NULL")
            .execute(arguments: [skill, tier, event.at, ticket])
        guard changesCount == 1 else { throw StoreError.fenced("ticket \(ticket) is leased or gone: not rerouted") }
        try appendEvent(event)
    }

    /// Moves a queued (unleased) ticket to another tier, with its `escalated` event.
    public func handOff(_ ticket: TicketID, toTier tier: Int, event: TicketEvent) throws {
        try cachedStatement(sql: "UPDATE tickets SET tier = ?, updated_at = ? WHERE id = ?")
            .execute(arguments: [tier, event.at, ticket])
        try appendEvent(event)
    }
}

extension Database {
    /// Sets any of priority and category, adds and removes tags, and appends the `updated` event naming
    /// each field that changed with its value before and after: `{"priority":{"from":"P3","to":"P1"}}`.
    /// Returns the event.
    public func applyUpdate(_ id: TicketID, priority: Priority?, category: String?, addTags: [String], removeTags: [String],
                            at now: Millis, actor: String) throws -> TicketEvent {
        guard let ticket = try ticket(id) else { throw StoreError.notFound("ticket \(id)") }
        var tags: [String]?
        if !addTags.isEmpty || !removeTags.isEmpty {
            var next = ticket.tags.filter { !removeTags.contains($0) }
            for tag in addTags where !next.contains(tag) { next.append(tag) }
            tags = next
        }
        var detail: [String] = []
        func change(_ field: String, _ from: String, _ to: String) { detail.append("\"\(field)\":{\"from\":\(from),\"to\":\(to)}") }
        if let priority { change("priority", "\"\(ticket.priority.label)\"", "\"\(priority.label)\"") }
        if let category { change("category", JSONText.string(ticket.category), JSONText.string(category)) }
        if let tags { change("tags", JSONText.array(ticket.tags), JSONText.array(tags)) }
        let event = TicketEvent(ticketID: id, at: now, actor: actor, kind: .updated, detail: "{" + detail.joined(separator: ",") + "}")
        try updateTicket(id, priority: priority, category: category, tags: tags, event: event)
        return event
    }
}

/// An open ticket as the SLA recovery needs it: the fields policies match on and its history.
public struct SLARecoveryTicket: Sendable {
    public var id: TicketID
    public var priority: Priority
    public var category: String
    public var channel: String
    public var requester: String
    public var createdAt: Millis
    /// The policy name stored at intake (kept even if the priority changed since).
    public var policy: String?
    public var history: [TicketEvent]
}

extension Database {
    /// Stores a ticket's SLA policy and due times (nil clears them).
    public func updateDue(_ ticket: TicketID, _ due: SLADue?) throws {
        try cachedStatement(sql: """
            UPDATE tickets SET sla_policy = ?, first_response_due = ?, next_response_due = ?, resolution_due = ? WHERE id = ?
            """).execute(arguments: [due?.policy, due?.firstResponseDue, due?.nextResponseDue, due?.resolutionDue, ticket])
    }

    /// Every open ticket with its stored history, for rebuilding SLA clocks on start: two passes over the
    /// open tickets (their rows, then their events through the ticket index), never all tickets.
    public func slaRecovery() throws -> [SLARecoveryTicket] {
        var tickets: [SLARecoveryTicket] = []
        var index: [TicketID: Int] = [:]
        let open = "status IN ('new', 'pending_assignment', 'in_progress', 'waiting_on_customer', 'pending_confirmation')"
        let rows = try Row.fetchCursor(self, sql: "SELECT id, priority, category, channel, requester, created_at, sla_policy FROM tickets WHERE \(open)")
        while let row = try rows.next() {
            let id: TicketID = row["id"]
            index[id] = tickets.count
            tickets.append(SLARecoveryTicket(id: id, priority: Priority(rawValue: row["priority"]) ?? .default,
                                             category: row["category"], channel: row["channel"], requester: row["requester"],
                                             createdAt: row["created_at"], policy: row["sla_policy"], history: []))
        }
        let events = try Row.fetchCursor(self, sql: """
            SELECT e.* FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.\(open) ORDER BY e.ticket_id, e.id
            """)
        while let row = try events.next() {
            let event = try TicketEvent(row: row)
            if let position = index[event.ticketID] { tickets[position].history.append(event) }
        }
        return tickets
    }
}
