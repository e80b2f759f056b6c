import DeskModel
import DeskProtocol
import DeskStore
import GRDB

/// A lead's steering in the loop: the agents list, assigning a ticket to a named agent, changing an open
/// ticket's fields and reopening a resolved one. The same rule as everywhere: decide in memory, commit,
/// and only then REVOKE, ASSIGN, publish and answer the HTTP request. See docs/LEADS.md.
extension CoordinatorLoop {
    func steer(_ request: SteeringRequest) {
        switch request {
        case .agents(let reply): reply(dispatcher.agentSummaries())
        case .dashboard(let reply):
            reply(DashboardSnapshot(byPriority: dispatcher.queuedByPriority, byQueue: dispatcher.queueSizes,
                                    open: dispatcher.openCount, agents: dispatcher.agentSummaries(), nextDue: sla.nextDue(5)))
        case .assign(let id, let agent, let force, let actor, let reply): assign(id, to: agent, force: force, actor: actor, reply: reply)
        case .update(let change, let reply): update(change, reply: reply)
        case .reopen(let id, let reason, let actor, let reply): reopen(id, reason: reason, actor: actor, reply: reply)
        case .assignCommitted(let lease, let previous, let ticket, let written, let reply):
            if let previous {
                sendRevoke(previous, reason: "reassigned by lead to \(lease.agent)", to: sessions[previous.agent]?.routingID)
            }
            committed(.assigned(lease, ticket, written))
            reply(.success(AssignOutcome(lease: lease, previous: previous)))
        case .reopenCommitted(let ticket, let recovery, let reply):
            reopenCommitted(ticket, recovery, reply: reply)
        }
    }

    /// 404 for an id never issued, 409 for a ticket no longer open.
    func notOpen(_ id: TicketID, doing what: String) -> APIError {
        id > 0 && id <= highestTicketID
            ? APIError(.conflict, "ticket \(id) is not open (resolved or closed): it cannot be \(what)"
                       + (what == "reopened" ? "" : "; reopen it first (POST /api/v1/tickets/\(id)/reopen)"))
            : APIError(.notFound, "ticket \(id) not found")
    }

    /// Gives an open ticket to a connected agent with a new epoch. The holder's lease (if any) ends:
    /// `released` with the reason, REVOKE after the commit; the new holder gets ASSIGN. Without `force`,
    /// an agent lacking the ticket's skill or tier, away, or at capacity is refused (409).
    func assign(_ id: TicketID, to agent: String, force: Bool, actor: String = "api", reply: @escaping @Sendable (Result<AssignOutcome, APIError>) -> Void) {
        guard let open = dispatcher.tickets[id] else { return reply(.failure(notOpen(id, doing: "assigned"))) }
        guard sessions[agent] != nil, let summary = dispatcher.agentSummary(agent), summary.connected else {
            return reply(.failure(APIError(.conflict, "agent '\(agent)' is not connected: a ticket can only be assigned to a connected agent",
                                           field: "agent")))
        }
        if let lease = dispatcher.lease(of: id), lease.agent == agent {
            return reply(.success(AssignOutcome(lease: lease, previous: nil, unchanged: true)))
        }
        if !force {
            let profile = summary.profile
            if profile.tier < open.tier {
                return reply(.failure(APIError(.conflict, "agent '\(agent)' is tier \(profile.tier) and ticket \(id) needs tier \(open.tier) "
                                               + "(\"force\": true assigns it anyway)", field: "agent")))
            }
            if !open.skill.isEmpty, !profile.skills.contains(open.skill) {
                return reply(.failure(APIError(.conflict, "agent '\(agent)' lacks skill '\(open.skill)' that ticket \(id) needs "
                                               + "(\"force\": true assigns it anyway)", field: "agent")))
            }
            if summary.away {
                return reply(.failure(APIError(.conflict, "agent '\(agent)' is away (\"force\": true assigns it anyway)", field: "agent")))
            }
            if summary.load >= profile.capacity {
                return reply(.failure(APIError(.conflict, "agent '\(agent)' is at capacity: \(summary.load) of \(profile.capacity) leases "
                                               + "(\"force\": true assigns it over capacity)", field: "agent")))
            }
        }
        let now = currentMillis()
        guard let (lease, previous) = dispatcher.assign(id, to: agent, now: now) else {
            return reply(.failure(APIError(.internalServerError, "ticket \(id) could not be assigned")))
        }
        // The clock reads what the history will say: released (queued), then assigned (in progress).
        if previous != nil { clockStatus(id, .pendingAssignment, at: now) }
        clockStatus(id, .inProgress, at: now)
        var written: [TicketEvent] = []
        if let previous {
            written.append(TicketEvent.released(previous, at: now, actor: actor, reason: "reassigned by lead to \(agent)"))
        }
        written.append(TicketEvent.assigned(lease, at: now, actor: actor))
        let inputs = self.inputs, events = written
        store.writer.submit({ db in
            try db.reassign(lease, previous: previous, status: .inProgress, events: events, at: now)
        }) { result in
            switch result {
            case .success(let ticket):
                inputs.yield(.steering(.assignCommitted(lease, previous: previous, ticket, events, reply: reply)))
            case .failure(let error):
                reply(.failure(APIError(.internalServerError, "the store refused the assignment")))
                inputs.yield(.committed(.failed("assigning \(id) to \(agent): \(error)")))
            }
        }
        dispatch()  // the old holder has a free slot; the queue gauge moves
    }

    /// Changes an open ticket's fields. A new skill or tier moves a queued ticket to its new queue; a held
    /// ticket keeps its holder (it goes to the new queue if it is released later).
    func update(_ change: TicketUpdate, reply: @escaping @Sendable (Result<Ticket, APIError>) -> Void) {
        let id = change.id
        guard let open = dispatcher.tickets[id] else { return reply(.failure(notOpen(id, doing: "updated"))) }
        if let priority = change.priority, priority != open.priority { dispatcher.setPriority(id, priority) }
        let skill = change.skill ?? open.skill, tier = change.tier ?? open.tier
        let moved = skill != open.skill || tier != open.tier
        if moved { dispatcher.changeRoute(id, skill: skill, tier: tier) }
        let now = currentMillis(), inputs = self.inputs
        store.writer.submit({ db -> (TicketEvent?, Ticket?) in
            let event = try db.leadUpdate(id, priority: change.priority, category: change.category, tier: change.tier, skill: change.skill,
                                          addTags: change.addTags, removeTags: change.removeTags, at: now, actor: change.actor)
            return (event, try db.ticket(id))
        }) { result in
            switch result {
            case .success(let (event, ticket)):
                if let ticket { reply(.success(ticket)) } else { reply(.failure(APIError(.notFound, "ticket \(id) not found"))) }
                if let event { inputs.yield(.committed(.publish([event]))) }
            case .failure(let error):
                reply(.failure(APIError(.internalServerError, "the store refused the update")))
                inputs.yield(.committed(.failed("updating \(id): \(error)")))
            }
        }
        if moved { dispatch() }
    }

    /// What the store found when asked to reopen a ticket.
    enum Reopening: Sendable {
        case missing
        case notResolved(TicketStatus)
        case reopened(Ticket, SLARecoveryTicket)
    }

    /// Reopens a resolved ticket. Whether it is resolved is known to the store, not the loop (which holds
    /// only open tickets), so the change checks it, and the loop queues the ticket from the commit, like a
    /// keyed intake.
    func reopen(_ id: TicketID, reason: String, actor: String = "api", reply: @escaping @Sendable (Result<Ticket, APIError>) -> Void) {
        if let open = dispatcher.tickets[id] {
            return reply(.failure(APIError(.conflict, "ticket \(id) is open (\(open.status.rawValue)): only a resolved ticket can be reopened")))
        }
        guard id > 0, id <= highestTicketID else { return reply(.failure(APIError(.notFound, "ticket \(id) not found"))) }
        let now = currentMillis(), inputs = self.inputs
        store.writer.submit({ db -> Reopening in
            guard let ticket = try db.ticket(id) else { return .missing }
            guard ticket.status == .resolved else { return .notResolved(ticket.status) }
            let (reopened, recovery) = try db.reopenTicket(id, reason: reason, at: now, actor: actor)
            return .reopened(reopened, recovery)
        }) { result in
            switch result {
            case .success(.missing): reply(.failure(APIError(.notFound, "ticket \(id) not found")))
            case .success(.notResolved(let status)):
                reply(.failure(APIError(.conflict, "ticket \(id) is \(status.rawValue): only a resolved ticket can be reopened")))
            case .success(.reopened(let ticket, let recovery)):
                inputs.yield(.steering(.reopenCommitted(ticket, recovery, reply: reply)))
            case .failure(let error):
                reply(.failure(APIError(.internalServerError, "the store refused the reopening")))
                inputs.yield(.committed(.failed("reopening \(id): \(error)")))
            }
        }
    }

    /// The reopening is durable: the ticket's SLA clock is derived from its history (as a restart would:
    /// the resolution clock goes on from where the resolution stopped it, the time resolved not counted),
    /// the ticket joins its queue, and the event is published.
    func reopenCommitted(_ ticket: Ticket, _ recovery: SLARecoveryTicket, reply: @Sendable (Result<Ticket, APIError>) -> Void) {
        let named = recovery.policy.flatMap { name in sla.policies.firstIndex { $0.name == name } }
        if let index = named ?? SLAPolicy.first(in: sla.policies, priority: recovery.priority, category: recovery.category,
                                                channel: recovery.channel, requester: recovery.requester) {
            let (clock, fired) = SLAClock.derive(createdAt: recovery.createdAt, history: recovery.history)
            sla.track(ticket.id, clock: clock, policy: index, fired: fired)
            slaDirty.insert(ticket.id)
        }
        let due = sla.due(of: ticket.id)
        let dueAt = due?.firstResponseDue ?? due?.resolutionDue ?? configuration.responseTargets.due(ticket.priority, createdAt: ticket.createdAt)
        dispatcher.track(OpenTicket(id: ticket.id, priority: ticket.priority, tier: ticket.tier, skill: ticket.skill, dueAt: dueAt,
                                    createdAt: ticket.createdAt, status: .pendingAssignment, epoch: ticket.leaseEpoch, pool: ticket.pool))
        reply(.success(ticket))
        if let event = recovery.history.last { events.publish([event]) }
        dispatch()
    }
}
