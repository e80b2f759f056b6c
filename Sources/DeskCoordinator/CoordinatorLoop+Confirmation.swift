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
