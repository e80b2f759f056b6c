import DeskAutomation
import DeskModel
import DeskProtocol
import DeskStore
import GRDB
import Logging
import ZeroMQ

/// Intake in the loop: ids, bot claims, SLA due times, and the joined leases of tickets an idle agent
/// takes at once, all committed in one transaction before anyone is told.
extension CoordinatorLoop {
    /// Gives new tickets their ids and queues them in memory at once (except those with an idempotency
    /// key: whether they are new is known only after the store looked the key up). Tickets an idle agent
    /// takes right away are committed together with their lease: one transaction, and the ASSIGN goes out
    /// as soon as the ticket is durable.
    func intake(_ news: [NewTicket],
                reply: @escaping @Sendable (Result<[(ticket: Ticket, created: Bool)], any Error>) -> Void) {
        let now = currentMillis()
        var news = news
        var ids: [TicketID] = []
        var queued: Set<TicketID> = []
        var escalations: [TicketEvent] = []
        ids.reserveCapacity(news.count)
        for index in news.indices {
            let id = nextTicketID()
            ids.append(id)
            if !botPools.isEmpty { claim(&news[index]) }
            let policy = initialDue(news[index], createdAt: now)
            news[index].sla = policy?.due
            let new = news[index]
            if let escalation = new.escalation {
                escalations.append(escalation.event(id, at: now))
            }
            if new.idempotencyKey == nil {
                track(id: id, new.priority, tier: new.tier, skill: new.skill, pool: new.pool, createdAt: now, due: new.sla)
                if let policy { startClock(id, policy: policy.policy, createdAt: now) }
                queued.insert(id)
            }
        }
        let joined = dispatch(joining: queued)
        let inputs = self.inputs, allocated = ids, claimed = news, escalated = escalations
        store.writer.submit({ db in
            let stored = try zip(claimed, allocated).map { new, id in
                try db.insertTicket(new, id: id, status: .pendingAssignment, at: now, actor: "api")
            }
            for lease in joined { try db.recordLease(lease, at: now) }
            return stored
        }) { result in
            reply(result)
            switch result {
            case .success(let stored):
                inputs.yield(.committed(.intake(stored, issued: allocated, leases: joined, at: now, escalations: escalated)))
            case .failure(let error): inputs.yield(.committed(.failed("intake of \(claimed.count) tickets: \(error)")))
            }
        }
    }

    /// The next ticket id: an id a replay left unused first (smallest first), else one past the highest.
    func nextTicketID() -> TicketID {
        if let id = unusedTicketIDs.popLast() { return id }
        highestTicketID += 1
        return highestTicketID
    }

    /// Queues a new ticket. Within a priority, the earliest SLA due time goes first (first response, else
    /// resolution, else the configured first-response target).
    func track(id: TicketID, _ priority: Priority, tier: Int, skill: String, pool: String, createdAt: Millis, due: SLADue?) {
        let dueAt = due?.firstResponseDue ?? due?.resolutionDue ?? configuration.responseTargets.due(priority, createdAt: createdAt)
        dispatcher.track(OpenTicket(id: id, priority: priority, tier: tier, skill: skill, dueAt: dueAt, createdAt: createdAt, pool: pool))
    }

    /// A new ticket at tier 0 or 1 that a pool with a connected bot claims goes to that pool, at tier 0.
    /// Costs the pools' conditions, never a look at other tickets.
    func claim(_ ticket: inout NewTicket) {
        guard ticket.tier <= 1 else { return }
        var facts = TicketFacts(ticket)
        for name in claimOrder {
            guard let pool = botPools[name], !pool.members.isEmpty else { continue }
            if pool.conditions.contains(where: { $0.matches(&facts) }) {
                ticket.tier = 0
                ticket.pool = name
                metrics.botClaims.increment()
                return
            }
        }
    }

    /// The intake's transaction committed: the tickets exist, the joined leases are granted.
    func intakeCommitted(_ stored: [(ticket: Ticket, created: Bool)], issued: [TicketID], leases: [Lease], at now: Millis,
                         escalations: [TicketEvent]) {
        var keyed = false
        var created: Set<TicketID> = []
        let unused = zip(stored, issued).filter { !$0.0.created }.map(\.1)
        if !unused.isEmpty {
            unusedTicketIDs = (unusedTicketIDs + unused).sorted(by: >)
        }
        for (ticket, isNew) in stored where isNew {
            metrics.ticketsCreated.increment()
            created.insert(ticket.id)
            events.publish(TicketEvent.created(ticket.id, at: ticket.createdAt, actor: "api", priority: ticket.priority, skill: ticket.skill))
            if ticket.idempotencyKey != nil {
                track(id: ticket.id, ticket.priority, tier: ticket.tier, skill: ticket.skill, pool: ticket.pool,
                      createdAt: ticket.createdAt, due: ticket.sla)
                if let name = ticket.sla?.policy, let policy = sla.policies.firstIndex(where: { $0.name == name }) {
                    startClock(ticket.id, policy: policy, createdAt: ticket.createdAt)
                }
                keyed = true
            }
        }
        let escalated = escalations.filter { created.contains($0.ticketID) }
        if !escalated.isEmpty {
            metrics.escalations.increment(by: escalated.count)
            events.publish(escalated)
        }
        if !leases.isEmpty {
            var byID: [TicketID: Ticket] = [:]
            for (ticket, _) in stored { byID[ticket.id] = ticket }
            for lease in leases {
                guard var ticket = byID[lease.ticket] else { continue }
                ticket.status = .inProgress
                ticket.assignee = lease.agent
                ticket.leaseEpoch = lease.epoch
                ticket.updatedAt = now
                committed(.assigned(lease, ticket, [Self.assignedEvent(lease, at: now)]))
            }
        }
        if keyed { dispatch() }
    }

    static func assignedEvent(_ lease: Lease, at now: Millis) -> TicketEvent {
        TicketEvent.assigned(lease, at: now)
    }
}
