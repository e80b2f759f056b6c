import DeskModel
import DeskStore
import Logging

/// Queues no connected agent can take (issue 13, item 5): reported once they have waited past the
/// notice time (a `stranded` event per ticket, a warning, `desk_tickets_stranded`), and moved to the
/// configured fallback after its time. Costs the number of queue keys per tick; a queue's tickets are
/// visited once when it is announced and once when it falls back.
extension CoordinatorLoop {
    func watchStrandedQueues(at now: Millis) {
        let policy = configuration.stranded
        let stranded = dispatcher.strandedQueues
        var current: Set<QueueName> = []
        var events: [TicketEvent] = []
        var reroutes: [(TicketID, TicketEvent, skill: String, tier: Int)] = []
        for queue in stranded {
            let name = queue.place
            current.insert(name)
            let since = strandedSince[name] ?? now
            strandedSince[name] = since
            guard now - since >= policy.noticeAfterMs else { continue }
            if !announcedQueues.contains(name) {
                announcedQueues.insert(name)
                let announced = dispatcher.announceStranded(queue)
                logger.warning("tickets stranded: no connected agent can take them",
                               metadata: ["skill": "\(queue.skill.isEmpty ? "(any)" : queue.skill)", "tier": "\(queue.tier)",
                                          "waiting": "\(queue.waiting)", "since_ms": "\(now - since)"])
                events += announced.map { TicketEvent.stranded($0, at: now, skill: queue.skill, tier: queue.tier, since: since) }
            }
            if let after = policy.fallbackAfterMs, now - since >= after, let target = fallback(for: queue, policy.fallback) {
                let announced = dispatcher.announceStranded(queue)
                let reason = "no connected agent could take skill '\(queue.skill)' at tier \(queue.tier) for \((now - since) / 1000) s"
                for id in announced {
                    dispatcher.reroute(id, skill: target.skill, tier: target.tier)
                    reroutes.append((id, TicketEvent.rerouted(id, at: now, skill: (queue.skill, target.skill),
                                                              tier: (queue.tier, target.tier), reason: reason),
                                     target.skill, target.tier))
                }
                logger.warning("stranded tickets moved to their fallback queue",
                               metadata: ["from": "\(name.tier)/\(name.skill)", "to": "\(target.tier)/\(target.skill)", "tickets": "\(announced.count)"])
            }
        }
        for id in dispatcher.takeStrandedArrivals() {
            guard let open = dispatcher.tickets[id] else { continue }
            events.append(TicketEvent.stranded(id, at: now, skill: open.skill, tier: open.tier,
                                               since: strandedSince[QueueName(skill: open.skill, tier: open.tier)] ?? now))
        }
        for name in strandedSince.keys where !current.contains(name) {
            strandedSince.removeValue(forKey: name)
            dispatcher.clearStranded(name)
            if announcedQueues.remove(name) != nil {
                logger.info("stranded queue staffed again", metadata: ["skill": "\(name.skill)", "tier": "\(name.tier)"])
            }
        }
        metrics.setStranded(stranded.reduce(0) { $0 + $1.waiting })
        guard !events.isEmpty || !reroutes.isEmpty else { return }
        let inputs = self.inputs, written = events + reroutes.map(\.1), notices = events, moves = reroutes
        store.writer.submit({ db in
            for event in notices { try db.appendEvent(event) }
            for (id, event, skill, tier) in moves { try db.reroute(id, skill: skill, tier: tier, event: event) }
        }) { result in
            switch result {
            case .success: inputs.yield(.committed(.publish(written)))
            case .failure(let error): inputs.yield(.committed(.failed("stranded tickets: \(error)")))
            }
        }
        if !reroutes.isEmpty { dispatch() }
    }

    /// Where a stranded queue's tickets go: the highest lower tier someone connected can take, or the
    /// named queue when someone can take that; nil when no such place is staffed either.
    func fallback(for queue: QueueName, _ fallback: StrandedPolicy.Fallback) -> (skill: String, tier: Int)? {
        switch fallback {
        case .lowerTier:
            for tier in stride(from: queue.tier - 1, through: 1, by: -1) where dispatcher.isStaffed(skill: queue.skill, tier: tier) {
                return (queue.skill, tier)
            }
            return nil
        case .queue(let skill, let tier):
            guard skill != queue.skill || tier != queue.tier, dispatcher.isStaffed(skill: skill, tier: tier) else { return nil }
            return (skill, tier)
        }
    }
}
