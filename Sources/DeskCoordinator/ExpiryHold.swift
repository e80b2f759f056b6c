import DeskModel

/// When heartbeat expiry may run. Pure: times are passed in.
///
/// Liveness is measured from each message's arrival, and a tick carries the time it was raised, so a
/// loop that processes its inputs late still judges them in arrival order. Two stalls are the
/// coordinator's own fault and never an agent's: a loop step that took longer than `stallThreshold`
/// (replacing SLA policies on a large store), and a gap between ticks longer than it (the process was
/// stopped, or starved of CPU). After either, expiry holds for one liveness period, so every agent whose
/// heartbeats waited behind the stall is heard before anyone is judged silent.
struct ExpiryHold: Sendable, Equatable {
    /// A step or a tick gap longer than this is a stall.
    let stallThreshold: Millis
    /// How long expiry holds after a stall: the liveness period.
    let grace: Millis
    private(set) var lastTick: Millis?
    private(set) var holdUntil: Millis = .min

    init(stallThreshold: Millis, grace: Millis) {
        self.stallThreshold = stallThreshold
        self.grace = grace
    }

    /// A tick raised at `at` is being handled at `now`. Returns whether expiry may run (judged at `at`).
    mutating func tick(raisedAt at: Millis, now: Millis) -> Bool {
        if let lastTick, at - lastTick > stallThreshold { holdUntil = max(holdUntil, now + grace) }
        lastTick = max(lastTick ?? at, at)
        return at >= holdUntil
    }

    /// A loop step ran from `start` to `end`.
    mutating func step(start: Millis, end: Millis) {
        if end - start > stallThreshold { holdUntil = max(holdUntil, end + grace) }
    }
}
