import DeskModel
import DeskProtocol
import DeskStore
import GRDB

/// SLA clocks in the loop: every open ticket under a policy has its clock (derived from its history) in
/// `sla`; changes that move a due time mark the ticket, and the marked due times are stored after each
/// input, in order behind the change that moved them. Warnings and breaches are history events, fired
/// once each from the timer heap on the tick.
extension CoordinatorLoop {
    /// The policy and first due times of a new ticket (nil when no policy covers it).
    func initialDue(_ new: NewTicket, createdAt: Millis) -> (policy: Int, due: SLADue)? {
        guard let index = SLAPolicy.first(in: sla.policies, priority: new.priority, category: new.category,
                                          channel: new.channel, requester: new.requester) else { return nil }
        return (index, sla.initialDue(policy: index, createdAt: createdAt))
    }

    /// Starts the clock of a ticket just created.
    func startClock(_ ticket: TicketID, policy: Int, createdAt: Millis) {
        sla.track(ticket, clock: SLAClock(createdAt: createdAt), policy: policy)
    }

    /// Applies a change to a ticket's clock; marks its due times for storing if they moved.
    func clockChanged(_ ticket: TicketID, _ change: (inout SLAClock) -> Void) {
        guard sla.policyName(of: ticket) != nil else { return }
        let before = sla.due(of: ticket)
        sla.update(ticket, change)
        if sla.due(of: ticket) != before { slaDirty.insert(ticket) }
    }

    func clockStatus(_ ticket: TicketID, _ status: TicketStatus, at now: Millis) {
        guard sla.statusMatters(ticket, status) else { return }
        clockChanged(ticket) { $0.record(status, at: now) }
    }

    /// The ticket is resolved: what its clock reached since the last tick fires now, then it stops.
    func clockFinished(_ ticket: TicketID, at now: Millis) {
        guard let name = sla.policyName(of: ticket) else { return }
        for firing in sla.finish(ticket, at: now) {
            slaPending.append(slaEvent(firing, policy: name, at: now))
        }
        slaDirty.remove(ticket)  // the resolution's own UPDATE clears the due times: nothing is due any more
    }

    func slaEvent(_ firing: SLAFiring, policy: String, at now: Millis) -> TicketEvent {
        TicketEvent.sla(firing.ticket, at: now, breach: firing.isBreach, target: firing.target.rawValue, fraction: firing.fraction,
                        dueAt: firing.dueAt, policy: policy)
    }

    /// Due-time updates stored per change at most: new policies move every open ticket's due times, and
    /// 100,000 updates in one change held the writer (and every intake and report behind it) for seconds.
    static let dueTimesPerFlush = 2_000

    /// Stores the due times that moved, and the SLA events of finished clocks, in one change. A backlog of
    /// more than `dueTimesPerFlush` due times (new policies move them all) is stored one slice per tick, so
    /// intake and reports never wait behind it; a stored due time can so lag its clock by a few seconds
    /// after a policy change. The clocks themselves, and what fires, never do.
    func flushSLA(tick: Bool = false) {
        guard !slaDirty.isEmpty || !slaPending.isEmpty else { return }
        let slice = slaDirty.count <= Self.dueTimesPerFlush || tick ? Self.dueTimesPerFlush : 0
        guard slice > 0 || !slaPending.isEmpty else { return }
        // A ticket no policy covers any more (after new policies) has its due times cleared.
        var updates: [(TicketID, SLADue?)] = []
        updates.reserveCapacity(min(slaDirty.count, slice))
        while updates.count < slice, let ticket = slaDirty.popFirst() {
            updates.append((ticket, sla.due(of: ticket)))
        }
        let pending = slaPending, dueTimes = updates
        slaPending.removeAll(keepingCapacity: true)
        guard !dueTimes.isEmpty || !pending.isEmpty else { return }
        let inputs = self.inputs
        store.writer.submit({ db in
            for (ticket, due) in dueTimes { try db.updateDue(ticket, due) }
            for event in pending { try db.appendEvent(event) }
        }) { result in
            switch result {
            case .success: if !pending.isEmpty { inputs.yield(.committed(.publish(pending))) }
            case .failure(let error): inputs.yield(.committed(.failed("SLA due times: \(error)")))
            }
        }
    }

    /// The tick: fires what fell due (at most 10,000 tickets a tick), records each firing, and runs the
    /// breach actions of the policy.
    func fireSLATimers() {
        let now = currentMillis()
        guard let next = sla.nextFiring, next <= now else { return }
        let firings = sla.fire(at: now, limit: 10_000)
        guard !firings.isEmpty else { return }
        var written: [TicketEvent] = []
        var changes: [@Sendable (Database) throws -> [TicketEvent]] = []
        var revokes: [(Lease, String)] = []
        for firing in firings {
            let policy = sla.policy(of: firing.ticket)
            let event = slaEvent(firing, policy: policy?.name ?? "", at: now)
            written.append(event)
            if firing.isBreach { metrics.slaBreaches.increment() } else { metrics.slaWarnings.increment() }
            guard firing.isBreach, let policy, let open = dispatcher.tickets[firing.ticket] else { continue }
            let reason = "SLA \(firing.target.rawValue) breached (policy \(policy.name))"
            for action in policy.onBreach {
                guard let current = dispatcher.tickets[firing.ticket] else { break }
                switch action {
                case .raisePriority where current.priority != .p1:
                    let raised = current.priority.raised
                    dispatcher.setPriority(current.id, raised)
                    let id = current.id
                    changes.append { db in
                        [try db.applyUpdate(id, priority: raised, category: nil, addTags: [], removeTags: [], at: now, actor: "system")]
                    }
                case .escalate(let tier) where current.tier < tier:
                    let escalated = escalationEvent(current.id, at: now, actor: "system", from: current.tier, to: tier, reason: reason,
                                                    priority: nil)
                    if let lease = dispatcher.lease(of: current.id) {
                        dispatcher.requeue(current.id, tier: tier)
                        clockStatus(current.id, .pendingAssignment, at: now)
                        revokes.append((lease, reason))
                        changes.append { db in try db.endLease(lease, event: escalated, tier: tier); return [escalated] }
                    } else {
                        dispatcher.requeue(current.id, tier: tier)
                        let id = current.id
                        changes.append { db in try db.handOff(id, toTier: tier, event: escalated); return [escalated] }
                    }
                    metrics.escalations.increment()
                case .reassign:
                    guard let lease = dispatcher.lease(of: current.id) else { continue }
                    dispatcher.requeue(current.id)
                    clockStatus(current.id, .pendingAssignment, at: now)
                    revokes.append((lease, reason + ": reassigned"))
                    let released = TicketEvent.released(lease, at: now, reason: reason + ": reassigned")
                    changes.append { db in try db.endLease(lease, event: released); return [released] }
                case .notify(let url):
                    webhooks.send("{\"event\":\"sla_breached\",\"ticket\":\(open.id),\"target\":\"\(firing.target.rawValue)\","
                                  + "\"policy\":\(JSONText.string(policy.name)),\"priority\":\"\(current.priority.label)\","
                                  + "\"tier\":\(current.tier),\"due_at\":\(firing.dueAt),\"at\":\(now)}", to: url, ticket: open.id)
                default:
                    break
                }
            }
        }
        let events = written, actions = changes, inputs = self.inputs, toRevoke = revokes
        store.writer.submit({ db -> [TicketEvent] in
            for event in events { try db.appendEvent(event) }
            var all = events
            for action in actions { all += try action(db) }
            return all
        }) { result in
            switch result {
            case .success(let all): inputs.yield(.committed(.slaFired(all, revokes: toRevoke)))
            case .failure(let error): inputs.yield(.committed(.failed("SLA firings: \(error)")))
            }
        }
        dispatch()
    }

    /// A customer's message on an open ticket: recorded in the history (and the conversation), it starts
    /// the next-response clock and moves a ticket waiting on the customer (or on their confirmation) back
    /// in progress, which resumes a paused resolution clock.
    func customerMessage(_ id: TicketID, body: String, reply: @escaping @Sendable (Result<TicketStatus, APIError>) -> Void) {
        guard let open = dispatcher.tickets[id] else {
            reply(.failure(id > 0 && id <= highestTicketID
                ? APIError(.conflict, "ticket \(id) is not open (resolved or closed); a lead can reopen a resolved one (POST /api/v1/tickets/\(id)/reopen)")
                : APIError(.notFound, "ticket \(id) not found")))
            return
        }
        let now = currentMillis()
        let message = TicketEvent.customerReplied(id, at: now, body: body)
        clockChanged(id) { $0.recordCustomerMessage(at: now) }
        var resumed: TicketEvent?
        // A parked ticket (its agent left while it waited on the customer) goes back to the queue; one still
        // held goes back in progress with its agent.
        let parked = dispatcher.isParked(id)
        let target: TicketStatus = parked ? .pendingAssignment : .inProgress
        if open.status.waitsOnCustomer {
            if parked { dispatcher.resume(id) } else { dispatcher.setStatus(id, .inProgress) }
            clockStatus(id, target, at: now)
            resumed = TicketEvent.statusChanged(id, at: now, actor: "customer", from: open.status, to: target)
        }
        let status = resumed == nil ? open.status : target
        let inputs = self.inputs, change = resumed, epoch = open.epoch
        store.writer.submit({ db in
            try db.appendEvent(message)
            if let change {
                if parked {
                    try db.resumeParked(id, event: change)
                } else {
                    try db.changeStatus(id, epoch: epoch, to: .inProgress, event: change)
                }
            }
        }) { result in
            switch result {
            case .success:
                reply(.success(status))
                inputs.yield(.committed(.publish([message] + (change.map { [$0] } ?? []))))
            case .failure(let error):
                reply(.failure(APIError(.internalServerError, "the store refused the message")))
                inputs.yield(.committed(.failed("customer message on \(id): \(error)")))
            }
        }
        if parked { dispatch() }
    }

    /// Rebuilds every open ticket's clock from its history, with what already fired; timers that fell due
    /// while the coordinator was down fire on the first tick.
    func recoverSLA() async throws {
        track(try await store.pool.read { db in try db.slaRecovery() })
    }

    /// Puts new policies in force: stores them, and in the same writer step reads every open ticket's
    /// history, so the snapshot holds every change the loop made so far. The loop takes no other input
    /// until the clocks are rebuilt under the new policies (by the history, like a restart: nothing runs
    /// backwards or fires twice), then stores every open ticket's new due times.
    func replacePolicies(_ policies: [SLAPolicy], document: String?, reply: @Sendable (Result<Int, any Error>) -> Void) async {
        flushSLA()
        let now = currentMillis()
        do {
            let tickets = try await store.writer.write { db in
                try db.setSetting("sla_policies", document, at: now)
                return try db.slaRecovery()
            }
            sla = SLATimers(policies: policies)
            policyBox.set(policies)
            track(tickets)
            // Every open ticket's due times are stored again: those no policy covers any more are cleared.
            for ticket in tickets { slaDirty.insert(ticket.id) }
            logger.info("SLA policies replaced", metadata: ["policies": "\(policies.count)", "tracked": "\(sla.count)"])
            reply(.success(sla.count))
        } catch {
            reply(.failure(error))
        }
    }

    func track(_ tickets: [SLARecoveryTicket]) {
        for ticket in tickets {
            let named = ticket.policy.flatMap { name in sla.policies.firstIndex { $0.name == name } }
            guard let index = named ?? SLAPolicy.first(in: sla.policies, priority: ticket.priority, category: ticket.category,
                                                       channel: ticket.channel, requester: ticket.requester) else { continue }
            let (clock, fired) = SLAClock.derive(createdAt: ticket.createdAt, history: ticket.history)
            sla.track(ticket.id, clock: clock, policy: index, fired: fired)
        }
        logger.info("SLA clocks rebuilt", metadata: ["tracked": "\(sla.count)", "scheduled": "\(sla.scheduledCount)"])
    }
}
