import Foundation
import Synchronization
import ZeroMQ

/// Follows the coordinator's event stream for the length of a run, on its own thread.
///
/// It times each ticket from its `created` event (published once intake has committed the ticket) to
/// its first `assigned` event (published once the lease is committed and ASSIGN is on its way), both
/// received here, in microseconds: the store's history stamps whole milliseconds, which is too coarse
/// for sub-millisecond dispatch. It also collects the ids of resolved tickets, which is how an attached
/// run (no store file to read) sees its tickets drain. The SUB socket reconnects by itself, so a
/// coordinator restarted on the same endpoint is followed again; events published while nobody was
/// connected are gone, which is why the store (or the API) stays the audit's source.
final class EventFollower: Sendable {
    let state = Mutex(EventTally())
    let stopped = Atomic<Bool>(false)
    let finished = Atomic<Bool>(false)

    /// Connects to `endpoint` and starts following.
    init(endpoint: String) throws {
        let context = try Context()
        let socket = try Socket(context, .sub)
        try socket.set(.receiveHighWaterMark, 1_000_000)
        try socket.set(.subscribe, [])
        try socket.set(.receiveTimeout, 100)
        try socket.set(.linger, 0)
        try socket.connect(endpoint)
        let worker = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                guard let frames = try? socket.receive(), frames.count == 2 else { continue }
                let at = nowMicroseconds()
                state.withLock { $0.record(topic: frames[0], body: frames[1], at: at) }
            }
            socket.close()
            _ = context
            finished.store(true, ordering: .releasing)
        }
        worker.name = "desk.loadtest.events"
        worker.start()
    }

    /// How many of `tickets` were seen resolved.
    func resolvedCount(of tickets: some Collection<Int64>) -> Int {
        state.withLock { state in tickets.count { state.resolved.contains($0) } }
    }

    /// How many of `tickets` wait for an agent now, as far as the stream told: created or put back in the
    /// queue (released, expired, escalated), and not assigned or resolved since.
    func waitingCount(of tickets: some Collection<Int64>) -> Int {
        state.withLock { state in tickets.count { state.waiting.contains($0) } }
    }

    /// Dispatch samples so far, in milliseconds.
    var dispatchMilliseconds: [Double] { state.withLock { $0.dispatch.map { $0 / 1000 } } }

    /// Stops the thread and waits for it (at most one receive timeout).
    func stop() async {
        stopped.store(true, ordering: .relaxed)
        while !finished.load(ordering: .acquiring) { try? await Task.sleep(for: .milliseconds(10)) }
    }
}
