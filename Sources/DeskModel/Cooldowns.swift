/// A multiset of instants, for the ends of released tickets' cooldowns: the loop asks on each tick
/// whether one passed, at a cost of the cooldowns running (a handful), never of the tickets.
struct Cooldowns: Sendable {
    private var counts: [Millis: Int] = [:]

    mutating func insert(_ instant: Millis) { counts[instant, default: 0] += 1 }

    mutating func remove(_ instant: Millis) {
        guard let count = counts[instant] else { return }
        counts[instant] = count > 1 ? count - 1 : nil
    }

    func contains(where predicate: (Millis) -> Bool) -> Bool { counts.keys.contains(where: predicate) }
}
