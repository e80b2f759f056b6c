/// Stranded queues: tickets no connected agent can take (issue 13, item 5). Costs queue keys, never tickets.
extension Dispatcher {
    // MARK: - Stranded queues

    /// Queues with tickets waiting that no connected agent could take (no one with the skill at or above
    /// the tier), bot pools aside. Costs the number of queue keys, never the tickets.
    public var strandedQueues: [QueueName] {
        queues.compactMap { key, queue in
            guard !queue.isEmpty, (eligible[key] ?? 0) == 0, !(key.tier == 0 && key.skill.hasPrefix("bot:")) else { return nil }
            return QueueName(skill: key.skill, tier: key.tier, waiting: queue.count)
        }.sorted { ($0.tier, $0.skill) < ($1.tier, $1.skill) }
    }

    /// Marks a stranded queue announced and returns the tickets waiting in it; tickets joining it later
    /// come from `takeStrandedArrivals` until someone who can take them connects.
    public mutating func announceStranded(_ queue: QueueName) -> [TicketID] {
        let key = QueueKey(skill: queue.skill, tier: queue.tier)
        announcedStranded.insert(key)
        return queues[key]?.keys ?? []
    }

    /// The queue is no longer stranded (it emptied, or someone who can take it connected).
    public mutating func clearStranded(_ queue: QueueName) {
        announcedStranded.remove(QueueKey(skill: queue.skill, tier: queue.tier))
    }

    public mutating func takeStrandedArrivals() -> [TicketID] {
        defer { strandedArrivals = [] }
        return strandedArrivals.filter { id in tickets[id].map { announcedStranded.contains($0.key) && $0.assignee == nil } ?? false }
    }

    /// Whether a connected agent could take a ticket needing `skill` at `tier`. Asked only when a stranded
    /// queue falls back, so its scan of agents is off the hot path when the queue does not exist yet.
    public func isStaffed(skill: String, tier: Int) -> Bool {
        let key = QueueKey(skill: skill, tier: tier)
        if queues[key] != nil { return (eligible[key] ?? 0) > 0 }
        return agents.values.contains { $0.connected && $0.profile.canWork(skill: skill, tier: tier) }
    }

    /// Moves a queued ticket to another skill and tier (a stranded queue's fallback).
    public mutating func reroute(_ ticket: TicketID, skill: String, tier: Int) {
        guard var open = tickets[ticket], open.assignee == nil else { return }
        queueRemove(open.key, ticket)
        open.skill = skill
        open.tier = tier
        tickets[ticket] = open
        enqueue(open)
    }
}
