import DeskAutomation
import DeskModel
import DeskStore
import GRDB

extension Database {
    /// Applies a checked macro to a leased ticket in the caller's transaction: the `macro_applied` event,
    /// the rendered reply (event and outbox), the field actions, then the escalation or resolution that
    /// ends the lease. Returns the events in the order written.
    func applyMacro(_ macro: CheckedMacro, lease: Lease, from status: TicketStatus, applied: TicketEvent, end: TicketEvent?,
                    actor: String, agent: String) throws -> [TicketEvent] {
        guard let ticket = try ticket(lease.ticket) else { throw StoreError.notFound("ticket \(lease.ticket)") }
        let name = macro.definition.name, actions = macro.definition.actions, now = applied.at
        var events = [applied]
        try appendEvent(applied)
        if !macro.template.isEmpty {
            let body = macro.template.render(ticket: ticket, agent: agent)
            let replied = TicketEvent.replied(ticket.id, at: now, actor: actor, body: body, macro: name)
            try recordReply(replied, epoch: lease.epoch, body: body, macro: name)
            events.append(replied)
        }
        if let target = actions.status, target != status {
            let changed = TicketEvent.statusChanged(ticket.id, at: now, actor: actor, from: status, to: target)
            try changeStatus(ticket.id, epoch: lease.epoch, to: target, event: changed)
            events.append(changed)
        }
        if actions.priority != nil || actions.category != nil || actions.addTags != nil || actions.removeTags != nil {
            events.append(try applyUpdate(ticket.id, priority: actions.priority, category: actions.category,
                                          addTags: actions.addTags ?? [], removeTags: actions.removeTags ?? [], at: now, actor: actor))
        }
        if let end {
            if let escalate = actions.escalate {
                try endLease(lease, event: end, tier: escalate.tier, priority: escalate.priority)
            } else {
                try resolveTicket(lease, event: end)
            }
            events.append(end)
        }
        return events
    }
}
