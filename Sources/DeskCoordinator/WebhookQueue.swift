import DeskModel

/// The delivery service's schedule: which deliveries it holds, which are due, which are in flight. A pure
/// value owned by the service's one dispatcher task; `now` is passed in.
///
/// Every held delivery is either scheduled (in a heap by the instant it is due: at once for a new one,
/// after its backoff for a retry) or in flight. `due(now:)` hands out the due ones, earliest first, up to
/// the concurrency limit: a delivery backing off never holds a slot that another could use.
struct WebhookQueue {
    let concurrency: Int
    private(set) var held: [String: WebhookDelivery] = [:]
    private var schedule = IndexedHeap<String, Slot>()
    /// Breaks ties between deliveries due at the same instant: first scheduled, first out.
    private var scheduled: UInt64 = 0
    private(set) var inFlight: Set<String> = []
    /// Ids resumed from the store at the start whose own arrival (from this process's `send`, committed
    /// before the store was read) may still be on its way: that arrival is a repeat and is ignored.
    private var resumed: Set<String> = []

    init(concurrency: Int) { self.concurrency = max(1, concurrency) }

    var count: Int { held.count }

    /// A delivery read back from the store at the start: due at once, counting on from its attempts.
    mutating func resume(_ delivery: WebhookDelivery, now: Millis) {
        guard held[delivery.id] == nil else { return }
        resumed.insert(delivery.id)
        hold(delivery, due: now)
    }

    /// A new delivery, stored as pending. False when it repeats one resumed from the store.
    mutating func arrived(_ delivery: WebhookDelivery, now: Millis) -> Bool {
        if resumed.remove(delivery.id) != nil || held[delivery.id] != nil { return false }
        hold(delivery, due: now)
        return true
    }

    /// The deliveries to attempt now: due, earliest first, as many as free slots allow. They are in flight
    /// until `finished`.
    mutating func due(now: Millis) -> [WebhookDelivery] {
        var out: [WebhookDelivery] = []
        while inFlight.count < concurrency, let first = schedule.first, first.order.due <= now {
            _ = schedule.popFirst()
            guard let delivery = held[first.key] else { continue }
            inFlight.insert(first.key)
            out.append(delivery)
        }
        return out
    }

    /// An attempt ended. `retryAt` schedules the next attempt (with the delivery's new attempt count);
    /// nil lets the delivery go (delivered, failed, or interrupted by shutdown).
    mutating func finished(_ delivery: WebhookDelivery, retryAt: Millis?) {
        inFlight.remove(delivery.id)
        if let retryAt {
            hold(delivery, due: retryAt)
        } else {
            held.removeValue(forKey: delivery.id)
        }
    }

    private mutating func hold(_ delivery: WebhookDelivery, due: Millis) {
        held[delivery.id] = delivery
        scheduled += 1
        schedule.upsert(delivery.id, order: Slot(due: due, sequence: scheduled))
    }

    /// A place in the schedule: when due, then in the order scheduled.
    struct Slot: Comparable {
        let due: Millis
        let sequence: UInt64
        static func < (a: Slot, b: Slot) -> Bool { (a.due, a.sequence) < (b.due, b.sequence) }
    }
}
