import Synchronization

/// Coalesces the loop's timer: at most one `.tick` waits in the loop's input at a time, so a loop that
/// fell behind handles one tick when it catches up, not a backlog of them ahead of queued heartbeats.
final class TickGate: Sendable {
    private let pending = Atomic<Bool>(false)

    /// Whether the timer may raise a tick now (none is queued); marks one queued when it may.
    func raise() -> Bool {
        pending.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }

    /// The loop took the queued tick.
    func handled() {
        pending.store(false, ordering: .releasing)
    }
}

/// Why the coordinator stopped on its own: the service group fails with it and the process exits non-zero.
struct CoordinatorFailure: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
