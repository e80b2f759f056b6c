import DeskAutomation
import DeskModel
import DeskProtocol
import DeskStore
import GRDB
import Logging
import ZeroMQ

/// Dispatch and commit completions: leases are decided in memory, committed, and only then sent; every
/// other party is told from the commit's completion.
extension CoordinatorLoop {
    /// Assigns while a queued ticket has an available agent. Each lease is committed before ASSIGN.
    /// Leases on tickets in `joining` (an intake not yet submitted) are returned instead, to be committed
    /// in the intake's own transaction.
    /// With `joinAll`, every lease is returned to join the caller's change (a report that freed a slot
    /// commits the next assignment in its own transaction: one commit, and ACK and ASSIGN in one round).
    @discardableResult
    func dispatch(joining: Set<TicketID> = [], joinAll: Bool = false) -> [Lease] {
        let now = currentMillis()
        var joined: [Lease] = []
        while let (lease, _) = dispatcher.nextAssignment(now: now) {
            clockStatus(lease.ticket, .inProgress, at: now)
            if joinAll || joining.contains(lease.ticket) {
                joined.append(lease)
                continue
            }
            let inputs = self.inputs
            store.writer.submit({ db in try db.grantLease(lease, at: now) }) { result in
                switch result {
                case .success(let ticket):
                    inputs.yield(.committed(.assigned(lease, ticket, [Self.assignedEvent(lease, at: now)])))
                case .failure(let error):
                    inputs.yield(.committed(.failed("lease \(lease.ticket)/\(lease.epoch): \(error)")))
                }
            }
        }
        metrics.setQueued(byPriority: dispatcher.queuedByPriority)
        return joined
    }

    func committed(_ outcome: CommitOutcome) {
        switch outcome {
        case .intake(let stored, let issued, let leases, let now, let escalations):
            intakeCommitted(stored, issued: issued, leases: leases, at: now, escalations: escalations)
        case .assigned(let lease, let ticket, let published):
            events.publish(published)
            // The agent may have gone (or the lease ended) while the commit ran: then expiry handled it.
            guard dispatcher.lease(of: lease.ticket) == lease, let session = sessions[lease.agent] else { return }
            metrics.assignments.increment()
            if lease.epoch == 1 { metrics.dispatchLatency.record(seconds: Double(max(0, currentMillis() - ticket.createdAt)) / 1000) }
            var assign = WireAssign()
            assign.lease = WireLeaseRef(ticket: lease.ticket, epoch: lease.epoch)
            assign.ticket = WireTicketView(ticket)
            send(.assign(assign), to: session.routingID)
        case .report(let agent, let sessionID, let sequence, let published, let ended):
            events.publish(published)
            if ledgers[agent]?.session == sessionID { ledgers[agent]?.commit(sequence) }
            if let session = sessions[agent], session.session == sessionID {
                var ack = WireAck()
                ack.seq = sequence
                send(.ack(ack), to: session.routingID)
                if let (lease, reason) = ended {
                    var revoke = WireRevoke()
                    revoke.lease = WireLeaseRef(ticket: lease.ticket, epoch: lease.epoch)
                    revoke.reason = reason
                    send(.revoke(revoke), to: session.routingID)
                }
            }
        case .refused(let agent, let sessionID, let sequence):
            guard ledgers[agent]?.session == sessionID, let refusal = ledgers[agent]?.commit(sequence) else { return }
            if let session = sessions[agent], session.session == sessionID {
                send(.error(WireErrorCode(rawValue: refusal.code) ?? .invalidArgument, refusal.text, sequence: sequence),
                     to: session.routingID)
            }
        case .publish(let published):
            events.publish(published)
        case .slaFired(let published, let revokes):
            events.publish(published)
            for (lease, reason) in revokes {
                guard let session = sessions[lease.agent] else { continue }
                var revoke = WireRevoke()
                revoke.lease = WireLeaseRef(ticket: lease.ticket, epoch: lease.epoch)
                revoke.reason = reason
                send(.revoke(revoke), to: session.routingID)
            }
        case .failed(let reason):
            fatalCommit(reason)
        }
    }
}
