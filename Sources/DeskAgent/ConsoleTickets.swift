import DeskModel

/// The staff console's bookkeeping of its tickets: which ones it holds (in the order they arrived), which
/// one is current (the one commands act on, marked `*`), and which new ones `wait` has not handed out yet.
///
/// Pure: the console feeds it the runtime's events (assigned, left) and, before reading it, the set the
/// runtime really holds (`sync`), which also covers leases the runtime dropped without an event (a
/// WELCOME that names them dropped, a report refused as a stale lease). Not thread-safe: the console
/// keeps it under its lock.
struct ConsoleTickets: Sendable, Equatable {
    /// Held tickets, oldest arrival first.
    private(set) var held: [TicketID] = []
    /// The ticket commands act on when they name none; always one of `held`, or nil when nothing is held.
    private(set) var current: TicketID?
    /// Arrived and not yet returned by `wait`, oldest first; always a subset of `held`.
    private(set) var unseen: [TicketID] = []

    /// A new assignment: held, waiting for `wait`, and current if nothing was.
    mutating func assigned(_ id: TicketID) {
        guard !held.contains(id) else { return }
        held.append(id)
        unseen.append(id)
        if current == nil { current = id }
    }

    /// A ticket is no longer mine (resolved, escalated, released, revoked, or its lease expired). When it
    /// was current, the oldest ticket still held becomes current. Returns the new current ticket when the
    /// current one changed, so the console can say which ticket its commands now act on.
    @discardableResult
    mutating func left(_ id: TicketID) -> TicketID?? {
        held.removeAll { $0 == id }
        unseen.removeAll { $0 == id }
        guard current == id else { return nil }
        current = held.first
        return .some(current)
    }

    /// The next new ticket for `wait`, which becomes current; nil when none arrived since the last one.
    mutating func takeArrival() -> TicketID? {
        guard !unseen.isEmpty else { return nil }
        let id = unseen.removeFirst()
        current = id
        return id
    }

    /// Makes a held ticket current; false when it is not held.
    mutating func use(_ id: TicketID) -> Bool {
        guard held.contains(id) else { return false }
        current = id
        return true
    }

    /// Brings the book in line with what the runtime holds now: tickets gone without an event leave (as
    /// `left`), tickets held but not known yet arrive (as `assigned`, in id order). Returns the new current
    /// ticket when the current one changed.
    @discardableResult
    mutating func sync(_ holding: some Collection<TicketID>) -> TicketID?? {
        let holding = Set(holding)
        var change: TicketID?? = nil
        for id in held where !holding.contains(id) {
            if let moved = left(id) { change = moved }
        }
        let before = current
        for id in holding.sorted() where !held.contains(id) { assigned(id) }
        if current != before { change = .some(current) }
        return change
    }
}
