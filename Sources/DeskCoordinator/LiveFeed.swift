import DeskModel
import Foundation
import Synchronization

/// What the web app's live pages hear: every ticket event the coordinator publishes, numbered, in a ring
/// of the newest `capacity`, and counts of tickets created and resolved per hour.
///
/// The loop only appends (one lock, one array write per event): it never waits for a browser. Each open
/// Server-Sent Events stream reads the ring from its own task after the last id it sent, a few times a
/// second, so 200 open streams cost the loop nothing more than none. An id is `BOOT-N`: a stream resuming
/// with `Last-Event-ID` from an earlier process, or from further back than the ring holds, is told to
/// reload instead of missing events silently.
final class LiveFeed: Sendable {
    struct Item: Sendable {
        let id: UInt64
        let ticket: TicketID
        let kind: TicketEventKind
        let at: Millis
    }

    struct State {
        var ring: [Item] = []
        /// Index in `ring` of the oldest item once the ring is full.
        var start = 0
        var last: UInt64 = 0
        /// Per hour (UTC, hours since 1970): tickets created and resolved.
        var created: [Int64: Int] = [:]
        var resolved: [Int64: Int] = [:]
    }

    let capacity: Int
    /// Distinguishes this process's ids from an earlier one's.
    let boot: String
    private let state = Mutex(State())

    init(capacity: Int = 4096) {
        self.capacity = capacity
        boot = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 36)
    }

    /// Called by the loop's publisher for every event.
    func append(_ events: [TicketEvent]) {
        state.withLock { state in
            for event in events {
                state.last += 1
                let item = Item(id: state.last, ticket: event.ticketID, kind: event.kind, at: event.at)
                if state.ring.count < capacity {
                    state.ring.append(item)
                } else {
                    state.ring[state.start] = item
                    state.start = (state.start + 1) % capacity
                }
                let hour = event.at / 3_600_000
                switch event.kind {
                case .created: state.created[hour, default: 0] += 1
                case .resolved: state.resolved[hour, default: 0] += 1
                default: break
                }
            }
        }
    }

    /// Counts from the store for the hours before this process started (added to what it saw itself).
    func seed(created: [Int64: Int], resolved: [Int64: Int]) {
        state.withLock { state in
            for (hour, count) in created { state.created[hour, default: 0] += count }
            for (hour, count) in resolved { state.resolved[hour, default: 0] += count }
        }
    }

    /// What changed after `after`, for one live stream's pass: the distinct tickets of the events that
    /// `include` accepts, oldest first, at most `limit` of them (`more` when there were more), and the id
    /// read up to. It stops at the `limit + 1`th distinct ticket, so a pass costs about that many events
    /// whatever the rate; a stream that stopped early goes on from the newest event (its page reloads
    /// anyway). `reset` when the events after `after` are no longer all in the ring.
    func changes(after: UInt64, limit: Int = 50, include: (TicketID, TicketEventKind) -> Bool = { _, _ in true })
        -> (tickets: [TicketID], more: Bool, last: UInt64, reset: Bool) {
        state.withLock { state in
            guard after < state.last else { return ([], false, after, after > state.last) }
            let held = state.ring.count
            let oldest = state.last - UInt64(held) + 1
            if after + 1 < oldest { return ([], false, state.last, true) }
            var seen = Set<TicketID>(), tickets: [TicketID] = []
            for offset in Int(after + 1 - oldest)..<held {
                let index = (state.start + offset) % held
                let ticket = state.ring[index].ticket
                guard include(ticket, state.ring[index].kind), seen.insert(ticket).inserted else { continue }
                if tickets.count == limit { return (tickets, true, state.last, false) }
                tickets.append(ticket)
            }
            return (tickets, false, state.last, false)
        }
    }

    /// The id of the newest event.
    var lastID: UInt64 { state.withLock { $0.last } }

    /// `BOOT-N` for the SSE `id:` field.
    func eventID(_ n: UInt64) -> String { "\(boot)-\(n)" }

    /// The number in a `Last-Event-ID` of this process; nil for another process's or a malformed one.
    func parse(_ id: String) -> UInt64? {
        let parts = id.split(separator: "-")
        guard parts.count == 2, parts[0] == boot else { return nil }
        return UInt64(parts[1])
    }

    /// Created and resolved per hour for the `hours` hours up to and including the one holding `now`.
    func hourly(now: Millis, hours: Int) -> [(hour: Int64, created: Int, resolved: Int)] {
        let current = now / 3_600_000
        return state.withLock { state in
            (0..<Int64(hours)).reversed().map { back in
                let hour = current - back
                return (hour, state.created[hour] ?? 0, state.resolved[hour] ?? 0)
            }
        }
    }
}
