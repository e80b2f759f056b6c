import DeskAutomation
import DeskModel
import DeskProtocol
import DeskStore
import GRDB
import Logging
import ZeroMQ

/// Agents leaving: BYE, expiry of silent agents, parked tickets, and forgetting agents that never reported.
extension CoordinatorLoop {
    /// The agent is gone (BYE or missed heartbeats): its leases end and its tickets return to the queue.
    func agentGone(_ name: String, reason: String, expired: Bool = false) {
        let routingID = sessions[name]?.routingID
        if let session = sessions.removeValue(forKey: name) {
            routes.removeValue(forKey: session.routingID)
        }
        deadlines.remove(name)
        let pools = dispatcher.profile(of: name)?.skills.filter { $0.hasPrefix("bot:") } ?? []
        for skill in pools {
            let pool = String(skill.dropFirst(4))
            botPools[pool]?.members.remove(name)
            if botPools[pool]?.members.isEmpty == true { botPools[pool]?.emptySince = currentMillis() }
        }
        let ended = dispatcher.disconnect(name)
        metrics.setAgents(sessions.count)
        logger.info("agent gone", metadata: ["agent": "\(name)", "reason": "\(reason)", "leases": "\(ended.count)"])
        forgetIfUnused(name)
        guard !ended.isEmpty else { return }
        let now = currentMillis()
        // Tickets waiting on the customer are parked (still paused, held by no one) instead of queued.
        let parked = ended.map { dispatcher.isParked($0.ticket) }
        let eventsToWrite = zip(ended, parked).map { lease, isParked in
            expired ? TicketEvent.leaseExpired(lease, at: now, reason: reason, parked: isParked)
                    : TicketEvent.released(lease, at: now, reason: reason, parked: isParked)
        }
        if expired { metrics.leasesExpired.increment(by: ended.count) }
        for (lease, isParked) in zip(ended, parked) where !isParked { clockStatus(lease.ticket, .pendingAssignment, at: now) }
        if expired {
            // Best effort: a silent agent that is still alive learns at once that it lost these leases.
            for lease in ended { sendRevoke(lease, reason: "lease expired: missed heartbeats", to: routingID) }
        }
        let inputs = self.inputs
        store.writer.submit({ db in
            for ((lease, event), isParked) in zip(zip(ended, eventsToWrite), parked) {
                if isParked { try db.parkTicket(lease, event: event) } else { try db.endLease(lease, event: event) }
            }
        }) { result in
            switch result {
            case .success: inputs.yield(.committed(.publish(eventsToWrite)))
            case .failure(let error): inputs.yield(.committed(.failed("ending leases of \(name): \(error)")))
            }
        }
        dispatch()
    }

    func sendRevoke(_ lease: Lease, reason: String, to routingID: Frame?) {
        guard let routingID else { return }
        var revoke = WireRevoke()
        revoke.lease = WireLeaseRef(ticket: lease.ticket, epoch: lease.epoch)
        revoke.reason = reason
        send(.revoke(revoke), to: routingID)
    }

    /// An agent that leaves without ever having a report committed has nothing to deduplicate: its row and
    /// ledger go, so a flood of HELLOs under random names leaves no litter (its name stays in any history).
    func forgetIfUnused(_ name: String) {
        guard let ledger = ledgers[name], ledger.accepted == 0, !dispatcher.knows(agent: name) else { return }
        ledgers.removeValue(forKey: name)
        let inputs = self.inputs
        store.writer.submit({ db in
            try db.execute(sql: "DELETE FROM agents WHERE name = ? AND last_sequence = 0", arguments: [name])
        }) { result in
            if case .failure(let error) = result { inputs.yield(.committed(.failed("forgetting agent \(name): \(error)"))) }
        }
    }

    /// Pops every agent whose heartbeat deadline passed by `now` (the tick's time). O(expired × log agents).
    func expireSilentAgents(at now: Millis) {
        while let first = deadlines.first, first.order <= now {
            agentGone(first.key, reason: "missed \(configuration.heartbeatLiveness) heartbeats", expired: true)
        }
    }

    func sayGoodbye() {
        var bye = WireBye()
        bye.reason = "coordinator shutting down"
        for session in sessions.values { send(.bye(bye), to: session.routingID) }
    }
}
