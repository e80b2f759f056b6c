@testable import DeskAgent
import DeskModel
import DeskProtocol
import Foundation
import Logging
import Synchronization

/// An agent runtime driven by hand, without a socket: the test hands it coordinator frames and reads its
/// state under its lock. `run()` is never called, so nothing connects; what the runtime "sends" goes
/// nowhere.
struct RuntimeProbe {
    let runtime: AgentRuntime

    init(plan: @escaping @Sendable (WireAssign) -> WorkPlan = { _ in WorkPlan([(0, .accept)]) }) throws {
        let options = AgentOptions(endpoint: "tcp://127.0.0.1:1", name: "probe", skills: [])
        runtime = try AgentRuntime(options: options, logger: Logger(label: "test.agent"), plan: plan)
    }

    /// A runtime whose events go to `observer` (the staff console) and whose logs go to `logger`; each
    /// assignment is only accepted.
    init(logger: Logger, observer: @escaping @Sendable (AgentEvent) -> Void) throws {
        let options = AgentOptions(endpoint: "tcp://127.0.0.1:1", name: "probe", skills: [])
        runtime = try AgentRuntime(options: options, logger: logger, observer: observer) { _ in WorkPlan([(0, .accept)]) }
    }

    /// Makes the runtime hold a lease on `ticket`, as if it had been assigned (no plan steps run).
    func hold(_ ticket: TicketID, epoch: Int64 = 1) {
        runtime.lock.withLock { runtime.held[ticket] = AgentRuntime.Held(epoch: epoch, plan: WorkPlan([]), view: nil) }
    }

    /// Hands the runtime one message from the coordinator, as its socket thread would.
    func deliver(_ message: WireMessage) {
        runtime.lock.withLock { runtime.handle(FrameCodec.encode(message)) }
    }

    func welcome(lastSequence: UInt64) {
        var welcome = WireWelcome()
        welcome.agent = "probe"
        welcome.lastSequence = lastSequence
        deliver(.welcome(welcome))
    }

    func ack(_ sequence: UInt64) {
        var ack = WireAck()
        ack.seq = sequence
        deliver(.ack(ack))
    }

    func assign(_ ticket: TicketID, epoch: Int64 = 1) {
        var assign = WireAssign()
        assign.lease = WireLeaseRef(ticket: ticket, epoch: epoch)
        assign.ticket.id = ticket
        deliver(.assign(assign))
    }

    func revoke(_ ticket: TicketID, epoch: Int64 = 1, reason: String = "revoked") {
        var revoke = WireRevoke()
        revoke.lease = WireLeaseRef(ticket: ticket, epoch: epoch)
        revoke.reason = reason
        deliver(.revoke(revoke))
    }

    func refuse(_ sequence: UInt64, code: WireErrorCode, message: String) {
        var error = WireError()
        error.seq = sequence
        error.code = code
        error.message = message
        deliver(.error(error))
    }

    /// The reports kept for re-sending, by sequence number.
    var unacked: [UInt64: WireMessage] { runtime.lock.withLock { runtime.unacked } }
    var waiterCount: Int { runtime.lock.withLock { runtime.waiters.count } }
}

/// Runs `operation` in a task of its own and returns its result, or nil when it has not finished within
/// `seconds`. A test that would hang on a bug fails instead; the stuck task is cancelled and left behind.
func finishes<T: Sendable>(within seconds: Double, _ operation: @escaping @Sendable () async -> T) async -> T? {
    let result = Mutex<T?>(nil)
    let task = Task {
        let value = await operation()
        result.withLock { $0 = value }
    }
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if let value = result.withLock({ $0 }) { return value }
        try? await Task.sleep(for: .milliseconds(10))
    }
    task.cancel()
    return result.withLock { $0 }
}

/// Polls `condition` until it holds or `seconds` pass; returns whether it held.
func eventually(_ seconds: Double, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
