import DeskModel
import DeskStore

/// The customer's answer to "is it solved?" on a ticket pending their confirmation (the portal's buttons,
/// `POST /api/v1/tickets/{id}/confirm`). Solved: the ticket is resolved by the customer, the holder's lease
/// ends (REVOKE after the commit). Not solved: their words go on the ticket as a customer message, which
/// puts it back in progress with its agent (or in the queue if it was parked), so it is worked again.
extension CoordinatorLoop {
    func customerConfirmed(_ id: TicketID, reply: @escaping @Sendable (Result<TicketStatus, APIError>) -> Void) {
        guard let open = dispatcher.tickets[id] else {
            reply(.failure(id > 0 && id <= highestTicketID
                ? APIError(.conflict, "ticket \(id) is not open: it is already resolved or closed")
                : APIError(.notFound, "ticket \(id) not found")))
            return
        }
        guard open.status == .pendingConfirmation else {
            reply(.failure(APIError(.conflict, "ticket \(id) is not waiting for your confirmation (it is \(open.status.rawValue))")))
            return
        }
        let now = currentMillis()
        let holder = dispatcher.lease(of: id)
        let lease = holder ?? Lease(ticket: id, agent: "", epoch: open.epoch)
        dispatcher.finish(id)
        clockFinished(id, at: now)
        metrics.ticketsResolved.increment()
        let resolved = TicketEvent.resolved(lease, at: now, actor: "customer", resolution: "confirmed solved by the customer")
        let inputs = self.inputs
        store.writer.submit({ db in
            if holder != nil { try db.resolveTicket(lease, event: resolved) } else { try db.resolveParked(id, event: resolved) }
        }) { result in
            switch result {
            case .success:
                reply(.success(.resolved))
                inputs.yield(.committed(.slaFired([resolved], revokes: holder.map { [($0, "resolved: the customer confirmed it is solved")] } ?? [])))
            case .failure(let error):
                reply(.failure(APIError(.internalServerError, "the store refused the confirmation")))
                inputs.yield(.committed(.failed("confirmation of \(id): \(error)")))
            }
        }
        dispatch()  // the holder's slot is free
    }
}

extension CoordinatorLoop {
    /// The knowledge bot's answer to a ticket still waiting in a queue: the public reply (outbox) and the
    /// status `pending_confirmation`, parked, in one transaction with the bot's `bot_answered` count. A
    /// ticket someone took meanwhile (or that is no longer queued) is left alone: `reply(false)`.
    func knowledgeAnswer(_ id: TicketID, body: String, articles: [Int64], reply: @escaping @Sendable (Bool) -> Void) {
        // Never a ticket a rules bot's pool claimed (tier 0): the knowledge bot answers what waits for people.
        guard let open = dispatcher.tickets[id], open.tier > 0, dispatcher.parkQueued(id, status: .pendingConfirmation) else {
            reply(false)
            return
        }
        let now = currentMillis()
        clockStatus(id, .pendingConfirmation, at: now)
        let replied = TicketEvent.replied(id, at: now, actor: KnowledgeBot.actor, body: body, macro: nil)
        let waiting = TicketEvent.statusChanged(id, at: now, actor: KnowledgeBot.actor, from: .pendingAssignment, to: .pendingConfirmation)
        let inputs = self.inputs
        store.writer.submit({ db in
            try db.answerQueued(replied, body: body, status: waiting)
            try db.recordKnowledgeEvent("bot_answered", ticketID: id, channel: "bot", actor: KnowledgeBot.actor, at: now)
            for article in articles { try db.countArticle(article, "suggested") }
        }) { result in
            switch result {
            case .success:
                reply(true)
                inputs.yield(.committed(.publish([replied, waiting])))
            case .failure(let error):
                reply(false)
                inputs.yield(.committed(.failed("knowledge answer on \(id): \(error)")))
            }
        }
    }
}
