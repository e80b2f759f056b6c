import DeskModel
import DeskProtocol
import DeskStore
import GRDB

extension CoordinatorLoop {
    /// A sequenced report from a welcomed agent: check its lease, apply it in memory, commit it with the
    /// agent's sequence number, and ACK after the commit.
    func handleReport(_ message: WireMessage, sequence: UInt64, session: AgentSession) {
        let name = session.name
        guard let leaseRef = message.lease else { return }
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
        func event(_ kind: TicketEventKind, _ detail: String = "") -> TicketEvent {
            TicketEvent(ticketID: ticket.id, at: now, actor: actor, kind: kind, detail: detail)
        }

        let change: @Sendable (Database) throws -> Void
        let written: [TicketEvent]
        switch message {
        case .accept:
            let accepted = event(.accepted, "{\"epoch\":\(lease.epoch)}")
            written = [accepted]
            change = { db in try db.appendEvent(accepted) }
        case .progress(let progress):
            guard progress.note.count <= 10_000, !progress.hasPercent || progress.percent <= 100 else {
                refuse(.invalidArgument, "progress note over 10000 characters or percent over 100", sequence, session)
                return
            }
            let percent = progress.hasPercent ? ",\"percent\":\(progress.percent)" : ""
            let noted = event(.progress, "{\"note\":\(JSONText.string(progress.note))\(percent)}")
            written = [noted]
            change = { db in try db.appendEvent(noted) }
        case .reply(let reply):
            guard acceptableBody(reply.body, of: "reply", sequence, session) else { return }
            let macro = reply.macro.isEmpty ? "" : ",\"macro\":\(JSONText.string(reply.macro))"
            let replied = event(.replied, "{\"body\":\(JSONText.string(reply.body)),\"public\":true\(macro)}")
            written = [replied]
            change = { db in try db.recordReply(replied) }
        case .note(let note):
            guard acceptableBody(note.body, of: "note", sequence, session) else { return }
            let noted = event(.noted, "{\"body\":\(JSONText.string(note.body)),\"public\":false}")
            written = [noted]
            change = { db in try db.appendEvent(noted) }
        case .statusChange(let statusChange):
            guard let target = TicketStatus(wire: statusChange.status),
                  [.inProgress, .waitingOnCustomer, .pendingConfirmation].contains(target) else {
                refuse(.invalidTransition, "STATUS may set in_progress, waiting_on_customer or pending_confirmation; "
                       + "use RESOLVE or RELEASE for the others", sequence, session)
                return
            }
            guard ticket.status.canTransition(to: target) else {
                refuse(.invalidTransition, LifecycleError(from: ticket.status, to: target).description, sequence, session)
                return
            }
            dispatcher.setStatus(ticket.id, target)
            let changed = event(.statusChanged, JSONText.object(["from": ticket.status.rawValue, "to": target.rawValue]))
            written = [changed]
            change = { db in try db.changeStatus(ticket.id, to: target, event: changed) }
        case .escalate(let escalate):
            let targetTier = escalate.tier == 0 ? min(3, ticket.tier + 1) : Int(escalate.tier)
            guard targetTier >= ticket.tier, targetTier <= 3 else {
                refuse(.invalidArgument, "escalation tier must be from \(ticket.tier) to 3, got \(targetTier)", sequence, session)
                return
            }
            let priority = Priority(wire: escalate.priority)
            dispatcher.requeue(ticket.id, tier: targetTier, priority: priority)
            var detail = "{\"from_tier\":\(ticket.tier),\"to_tier\":\(targetTier),\"reason\":\(JSONText.string(escalate.reason))"
            if let priority { detail += ",\"priority\":\"\(priority.label)\"" }
            let escalated = event(.escalated, detail + "}")
            written = [escalated]
            metrics.escalations.increment()
            change = { db in try db.endLease(lease, event: escalated, tier: targetTier, priority: priority) }
        case .release(let release):
            dispatcher.requeue(ticket.id)
            let released = event(.released, "{\"epoch\":\(lease.epoch),\"reason\":\(JSONText.string(release.reason))}")
            written = [released]
            change = { db in try db.endLease(lease, event: released) }
        case .resolve(let resolve):
            dispatcher.finish(ticket.id)
            let resolved = event(.resolved, "{\"epoch\":\(lease.epoch),\"resolution\":\(JSONText.string(resolve.resolution))}")
            written = [resolved]
            metrics.ticketsResolved.increment()
            change = { db in try db.resolveTicket(lease, event: resolved) }
        default:
            return
        }
        let inputs = self.inputs, sessionID = session.session
        store.writer.submit({ db in
            try change(db)
            try db.recordSequence(agent: name, session: sessionID, sequence: sequence)
        }) { result in
            switch result {
            case .success: inputs.yield(.committed(.report(agent: name, sequence: sequence, events: written)))
            case .failure(let error): inputs.yield(.committed(.failed("\(message.command) from \(name): \(error)")))
            }
        }
        dispatch()
    }

    /// A reply or note body of 1 to `IntakeRequest.Limits.body` characters; refuses the report otherwise.
    func acceptableBody(_ body: String, of what: String, _ sequence: UInt64, _ session: AgentSession) -> Bool {
        guard body.isEmpty || body.count > IntakeRequest.Limits.body else { return true }
        refuse(.invalidArgument, "a \(what) needs a body of 1 to \(IntakeRequest.Limits.body) characters", sequence, session)
        return false
    }

    func refuse(_ code: WireErrorCode, _ text: String, _ sequence: UInt64, _ session: AgentSession) {
        send(.error(code, text, sequence: sequence), to: session.routingID)
    }
}
