import DeskAutomation
import DeskModel
import DeskProtocol
import DeskStore
import GRDB

extension CoordinatorLoop {
    /// A sequenced report from a welcomed agent: check its lease, apply it in memory, commit it with the
    /// agent's sequence number, and ACK after the commit.
    func handleReport(_ message: WireMessage, sequence: UInt64, session: AgentSession) {
        let name = session.name
        guard let leaseRef = message.lease else {
            refuse(.invalidArgument, "\(message.command) needs a lease", sequence, session)
            return
        }
        let check = dispatcher.check(ticket: leaseRef.ticketID, epoch: leaseRef.epoch, agent: name)
        let ticket: OpenTicket
        switch check {
        case .unknownTicket where leaseRef.ticketID > 0 && leaseRef.ticketID <= highestTicketID:
            metrics.staleReports.increment()
            refuse(.staleLease, "lease epoch \(leaseRef.epoch) on ticket \(leaseRef.ticketID) is stale: "
                   + "the ticket is no longer open", sequence, session)
            return
        case .unknownTicket:
            refuse(.unknownTicket, "ticket \(leaseRef.ticketID) does not exist", sequence, session)
            return
        case .stale(let reason):
            metrics.staleReports.increment()
            refuse(.staleLease, reason, sequence, session)
            return
        case .valid(let open):
            ticket = open
        }
        let lease = Lease(ticket: ticket.id, agent: name, epoch: leaseRef.epoch)
        let now = currentMillis()
        let actor = "agent:\(name)"

        var change: @Sendable (Database) throws -> Void = { _ in }
        var written: [TicketEvent] = []
        /// For changes whose events are only known inside the transaction (a macro's rendered reply).
        var computed: (@Sendable (Database) throws -> [TicketEvent])?
        var ended: (Lease, String)?
        switch message {
        case .accept:
            let accepted = TicketEvent.accepted(lease, at: now, actor: actor)
            written = [accepted]
            change = { db in try db.appendEvent(accepted) }
        case .progress(let progress):
            guard progress.note.count <= 10_000, !progress.hasPercent || progress.percent <= 100 else {
                refuse(.invalidArgument, "progress note over 10000 characters or percent over 100", sequence, session)
                return
            }
            let noted = TicketEvent.progress(ticket.id, at: now, actor: actor, note: progress.note,
                                             percent: progress.hasPercent ? Int(progress.percent) : nil)
            written = [noted]
            change = { db in try db.appendEvent(noted) }
        case .reply(let reply):
            guard acceptableBody(reply.body, of: "reply", sequence, session) else { return }
            let replied = TicketEvent.replied(ticket.id, at: now, actor: actor, body: reply.body,
                                              macro: reply.macro.isEmpty ? nil : reply.macro)
            clockChanged(ticket.id) { $0.recordPublicReply(at: now) }
            written = [replied]
            let body = reply.body, macroName = reply.macro.isEmpty ? nil : reply.macro
            change = { db in try db.recordReply(replied, epoch: lease.epoch, body: body, macro: macroName) }
        case .note(let note):
            guard acceptableBody(note.body, of: "note", sequence, session) else { return }
            let noted = TicketEvent.noted(ticket.id, at: now, actor: actor, body: note.body)
            written = [noted]
            change = { db in try db.appendEvent(noted) }
        case .statusChange(let statusChange):
            guard let target = TicketStatus(wire: statusChange.status),
                  MacroActions.settableStatuses.contains(target) else {
                refuse(.invalidTransition, "STATUS may set in_progress, waiting_on_customer or pending_confirmation; "
                       + "use RESOLVE or RELEASE for the others", sequence, session)
                return
            }
            guard ticket.status.canTransition(to: target) else {
                refuse(.invalidTransition, LifecycleError(from: ticket.status, to: target).description, sequence, session)
                return
            }
            dispatcher.setStatus(ticket.id, target)
            clockStatus(ticket.id, target, at: now)
            let changed = TicketEvent.statusChanged(ticket.id, at: now, actor: actor, from: ticket.status, to: target)
            written = [changed]
            change = { db in try db.changeStatus(ticket.id, epoch: lease.epoch, to: target, event: changed) }
        case .escalate(let escalate):
            let targetTier = escalate.tier == 0 ? min(3, ticket.tier + 1) : Int(escalate.tier)
            guard ticket.tier < 3 else {
                refuse(.invalidArgument, "ticket \(ticket.id) is already at the highest tier (3): there is no tier to escalate to",
                       sequence, session)
                return
            }
            // Escalating means a higher tier: the same tier would only hand the ticket back to the queue.
            guard targetTier > ticket.tier, targetTier <= 3 else {
                refuse(.invalidArgument, "escalation goes to a higher tier: \(ticket.tier + 1) to 3 for this tier-\(ticket.tier) ticket, "
                       + "got \(targetTier)", sequence, session)
                return
            }
            let priority = Priority(wire: escalate.priority)
            dispatcher.requeue(ticket.id, tier: targetTier, priority: priority)
            clockStatus(ticket.id, .pendingAssignment, at: now)
            let escalated = escalationEvent(ticket.id, at: now, actor: actor, from: ticket.tier, to: targetTier,
                                            reason: escalate.reason, priority: priority)
            written = [escalated]
            metrics.escalations.increment()
            change = { db in try db.endLease(lease, event: escalated, tier: targetTier, priority: priority) }
        case .release(let release):
            // Someone else gets it if anyone else can take it; it comes back only after the cooldown.
            dispatcher.release(ticket.id, until: now + configuration.releaseCooldownMs)
            clockStatus(ticket.id, .pendingAssignment, at: now)
            let released = TicketEvent.released(lease, at: now, actor: actor, reason: release.reason)
            written = [released]
            change = { db in try db.endLease(lease, event: released) }
        case .resolve(let resolve):
            dispatcher.finish(ticket.id)
            clockFinished(ticket.id, at: now)
            let resolved = TicketEvent.resolved(lease, at: now, actor: actor, resolution: resolve.resolution)
            written = [resolved]
            metrics.ticketsResolved.increment()
            change = { db in try db.resolveTicket(lease, event: resolved) }
        case .update(let update):
            let priority = Priority(wire: update.priority)
            let category = update.hasCategory ? update.category : nil
            guard (category?.count ?? 0) <= 64, update.addTags.count + update.removeTags.count <= 64,
                  (update.addTags + update.removeTags).allSatisfy({ !$0.isEmpty && $0.count <= 64 }) else {
                refuse(.invalidArgument, "UPDATE: category up to 64 characters, at most 64 tags of 1 to 64 characters", sequence, session)
                return
            }
            guard priority != nil || category != nil || !update.addTags.isEmpty || !update.removeTags.isEmpty else {
                refuse(.invalidArgument, "UPDATE names no field to change", sequence, session)
                return
            }
            if let priority { dispatcher.setPriority(ticket.id, priority) }
            let add = update.addTags, remove = update.removeTags, id = ticket.id
            computed = { db in
                [try db.applyUpdate(id, priority: priority, category: category, addTags: add, removeTags: remove, at: now, actor: actor)]
            }
        case .applyMacro(let apply):
            guard let macro = macros[apply.macro] else {
                refuse(.invalidArgument, "unknown macro '\(apply.macro)'" + (macros.isEmpty ? " (no macros are stored)" : ""),
                       sequence, session)
                return
            }
            let actions = macro.definition.actions
            if let status = actions.status, status != ticket.status, !ticket.status.canTransition(to: status) {
                refuse(.invalidTransition, "macro '\(apply.macro)': " + LifecycleError(from: ticket.status, to: status).description,
                       sequence, session)
                return
            }
            if let escalate = actions.escalate, escalate.tier <= ticket.tier {
                refuse(.invalidArgument, "macro '\(apply.macro)' escalates to tier \(escalate.tier), not above the ticket's tier \(ticket.tier)",
                       sequence, session)
                return
            }
            // Memory first, in the order the transaction applies them.
            if !macro.template.isEmpty { clockChanged(ticket.id) { $0.recordPublicReply(at: now) } }
            if let status = actions.status, status != ticket.status {
                dispatcher.setStatus(ticket.id, status)
                clockStatus(ticket.id, status, at: now)
            }
            if let priority = actions.priority { dispatcher.setPriority(ticket.id, priority) }
            var endEvent: TicketEvent?
            if let escalate = actions.escalate {
                dispatcher.requeue(ticket.id, tier: escalate.tier, priority: escalate.priority)
                clockStatus(ticket.id, .pendingAssignment, at: now)
                endEvent = escalationEvent(ticket.id, at: now, actor: actor, from: ticket.tier, to: escalate.tier,
                                           reason: escalate.reason, priority: escalate.priority, macro: macro.definition.name)
                metrics.escalations.increment()
                ended = (lease, "escalated by macro \(macro.definition.name)")
            } else if let resolution = actions.resolve {
                dispatcher.finish(ticket.id)
                clockFinished(ticket.id, at: now)
                endEvent = TicketEvent.resolved(lease, at: now, actor: actor, resolution: resolution, macro: macro.definition.name)
                metrics.ticketsResolved.increment()
                ended = (lease, "resolved by macro \(macro.definition.name)")
            }
            metrics.macrosApplied.increment()
            let from = ticket.status, end = endEvent, applied = TicketEvent.macroApplied(ticket.id, at: now, actor: actor, macro: macro.definition.name)
            computed = { db in
                try db.applyMacro(macro, lease: lease, from: from, applied: applied, end: end, actor: actor, agent: name)
            }
        default:
            refuse(.unknownCommand, "\(message.command) is not a report", sequence, session)
            return
        }
        ledgers[name]?.take(sequence)
        // Assignments this report made possible commit with it: one transaction, ACK and ASSIGN together.
        let joined = dispatch(joinAll: true)
        let inputs = self.inputs, sessionID = session.session, grantedAt = currentMillis()
        let fixed = written, finalChange = change, computedChange = computed, endedLease = ended
        store.writer.submit({ db -> ([TicketEvent], [Ticket]) in
            let events: [TicketEvent]
            if let computedChange { events = try computedChange(db) } else { try finalChange(db); events = fixed }
            try db.recordSequence(agent: name, session: sessionID, sequence: sequence)
            return (events, try joined.map { try db.grantLease($0, at: grantedAt) })
        }) { result in
            switch result {
            case .success(let (events, granted)):
                inputs.yield(.committed(.report(agent: name, session: sessionID, sequence: sequence, events: events, ended: endedLease)))
                for (lease, ticket) in zip(joined, granted) {
                    inputs.yield(.committed(.assigned(lease, ticket, [Self.assignedEvent(lease, at: grantedAt)])))
                }
            case .failure(let error): inputs.yield(.committed(.failed("\(message.command) from \(name): \(error)")))
            }
        }
    }

    /// An `escalated` event naming the target tier by its configured name.
    func escalationEvent(_ ticket: TicketID, at now: Millis, actor: String, from: Int, to: Int, reason: String,
                         priority: Priority?, macro: String? = nil) -> TicketEvent {
        TicketEvent.escalated(ticket, at: now, actor: actor, fromTier: from, toTier: to,
                              toTierName: configuration.escalation.name(of: to), reason: reason, priority: priority, macro: macro)
    }

    /// A reply or note body of 1 to `IntakeRequest.Limits.body` characters; refuses the report otherwise.
    func acceptableBody(_ body: String, of what: String, _ sequence: UInt64, _ session: AgentSession) -> Bool {
        if body.containsNUL {
            refuse(.invalidArgument, "a \(what) body must not contain a NUL character (U+0000)", sequence, session)
            return false
        }
        guard body.isEmpty || body.count > IntakeRequest.Limits.body else { return true }
        refuse(.invalidArgument, "a \(what) needs a body of 1 to \(IntakeRequest.Limits.body) characters", sequence, session)
        return false
    }

    /// Refuses a report: its number is taken as refused, the refusal committed like any report (so a
    /// retry, even after a restart, gets the same ERROR), and the ERROR sent after that commit.
    func refuse(_ code: WireErrorCode, _ text: String, _ sequence: UInt64, _ session: AgentSession) {
        let name = session.name, sessionID = session.session, now = currentMillis()
        ledgers[name]?.refuse(sequence, code: code.rawValue, text: text)
        let inputs = self.inputs, keep = ReportLedger.refusalLimit
        store.writer.submit({ db in
            try db.recordRefusal(agent: name, session: sessionID, sequence: sequence, code: code.rawValue, message: text,
                                 at: now, keep: keep)
        }) { result in
            switch result {
            case .success: inputs.yield(.committed(.refused(agent: name, session: sessionID, sequence: sequence)))
            case .failure(let error): inputs.yield(.committed(.failed("refusal \(sequence) of \(name): \(error)")))
            }
        }
    }
}
