/// The dispatcher's queue bookkeeping (state in `Dispatcher.swift`; only the dispatcher's files touch it).
extension Dispatcher {
    // MARK: - Queue bookkeeping: every change of a queue goes through these, so the counts per priority
    // stay exact at O(1) per change.

    /// Tickets waiting, by priority (index 1 … 4 for P1 … P4).
    public var queuedByPriority: [Int] { waitingByPriority }

    /// The queues with tickets waiting: skill, tier and how many, largest first. Costs the number of
    /// queues, not of tickets.
    public var queueSizes: [(skill: String, tier: Int, count: Int)] {
        queues.compactMap { key, queue in queue.isEmpty ? nil : (key.skill, key.tier, queue.count) }
            .sorted { ($1.count, $0.skill, $0.tier) < ($0.count, $1.skill, $1.tier) }
    }

    /// Open tickets (queued, held or parked).
    public var openCount: Int { tickets.count }

    mutating func queueUpsert(_ key: QueueKey, _ id: TicketID, _ order: TicketOrder) {
        if let old = queues[key]?.order(of: id) { waitingByPriority[old.priority] -= 1 }
        queues[key]?.upsert(id, order: order)
        waitingByPriority[order.priority] += 1
    }

    @discardableResult
    mutating func queuePop(_ key: QueueKey) -> TicketID? {
        guard let head = queues[key]?.popFirst() else { return nil }
        waitingByPriority[head.order.priority] -= 1
        return head.key
    }

    mutating func queueRemove(_ key: QueueKey, _ id: TicketID) {
        guard let order = queues[key]?.order(of: id) else { return }
        _ = queues[key]?.remove(id)
        waitingByPriority[order.priority] -= 1
    }
}
