import DeskModel
import DeskProtocol
import Foundation
import Logging
import ZeroMQ

/// The agent runtime shared by every mode: connection, HELLO, heartbeats, reconnection with backoff,
/// reports with sequence numbers kept until acknowledged, and the work plans of its leases.
///
/// All state sits behind one lock. Frames are handled right on the socket's thread (no task hop), and
/// what that handling posts goes out in the same pass of the socket loop; the timer and the delayed plan
/// steps take the same lock. Nothing is durable here: after a crash the coordinator re-sends the leases
/// this agent holds.
public final class AgentRuntime: @unchecked Sendable {
    struct Held {
        var epoch: Int64
        var plan: WorkPlan
        var next = 0
        var view: WireTicketView?
        /// The plan fell back (a step was refused): no more steps.
        var fellBack = false
    }

    /// Guarded by `lock` (capacity changes while running).
    var options: AgentOptions
    let logger: Logger
    let planFor: @Sendable (WireAssign) -> WorkPlan
    let context: Context
    let session = UUID().uuidString
    /// Guards every `var` below.
    let lock = NSLock()

    var socket: AsyncSocket?
    var generation = 0
    var stopped = false
    var welcomed = false
    var lastHeard: Millis = 0
    var lastSent: Millis = 0
    var reconnectDelayMs: Int
    var heartbeatMs: Int
    var liveness: Int
    var nextSequence: UInt64 = 1
    var unacked: [UInt64: WireMessage] = [:]
    var held: [TicketID: Held] = [:]
    /// The ticket each report in flight is about, for plans that wait for ACKs and for `perform`.
    var reportTicket: [UInt64: TicketID] = [:]
    /// Callers of `perform` waiting for their report's ACK or ERROR.
    var waiters: [UInt64: @Sendable (Result<Void, AgentRefusal>) -> Void] = [:]
    var away = false
    /// The timer's current sleep, cut short when WELCOME changes the heartbeat interval.
    var napping: Task<Void, Never>?
    /// Where `connect` reports an endpoint that can never work; `run` then stops and throws it.
    var fatal: AsyncStream<AgentConnectionError>.Continuation?
    /// Told about assignments, revocations and the connection (the staff console prints them). Called
    /// with the runtime's lock held: it must not call back into the runtime synchronously.
    let observer: (@Sendable (AgentEvent) -> Void)?

    public init(options: AgentOptions, logger: Logger, observer: (@Sendable (AgentEvent) -> Void)? = nil,
                plan: @escaping @Sendable (WireAssign) -> WorkPlan) throws {
        self.observer = observer
        self.options = options
        self.logger = logger
        self.planFor = plan
        self.context = try Context()
        self.reconnectDelayMs = options.reconnectInitialMs
        self.heartbeatMs = options.heartbeatIntervalMs
        self.liveness = options.heartbeatLiveness
    }

    static func now() -> Millis { Millis((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// Runs until the calling task is cancelled; then says BYE and closes. Throws, at once, when the endpoint
    /// is one libzmq can never use (malformed, or an unknown transport); any other failure to open the
    /// socket is logged and retried with the reconnect backoff.
    public func run() async throws(AgentConnectionError) {
        let (failures, fatal) = AsyncStream.makeStream(of: AgentConnectionError.self)
        lock.withLock {
            self.fatal = fatal
            connect()
        }
        let ticker = Task { [self] in
            while !Task.isCancelled {
                // The nap is cancelled by a WELCOME that shortens the heartbeat: a wait computed before it
                // (a quarter of the default interval) must not outlast a short liveness period.
                let nap = lock.withLock { () -> Task<Void, Never> in
                    let wait = untilNextTick()
                    let nap = Task { _ = try? await Task.sleep(for: .milliseconds(wait)) }
                    napping = nap
                    return nap
                }
                await nap.value
                lock.withLock {
                    napping = nil
                    tick()
                }
            }
        }
        var failure: AgentConnectionError?
        for await error in failures {  // ends when the task is cancelled
            failure = error
            break
        }
        ticker.cancel()
        let last: AsyncSocket? = lock.withLock {
            stopped = true
            generation += 1
            // Nobody is left to answer: whoever still waits is told so, once.
            let orphans = waiters
            waiters.removeAll()
            for (_, waiter) in orphans { waiter(.failure(.agentStopping)) }
            defer { socket = nil }
            return socket
        }
        var bye = WireBye()
        bye.reason = "agent stopping"
        if let last {
            try? await last.send(FrameCodec.encode(.bye(bye)))
            await last.close()
        }
        if let failure { throw failure }
    }

    // MARK: - Connection

    /// Opens a new socket and says HELLO. Called with the lock held.
    func connect() {
        guard !stopped else { return }
        generation += 1
        welcomed = false
        let generation = self.generation, options = self.options
        do {
            socket = try AsyncSocket(context, .dealer, name: "agent-\(options.name)",
                                     deliver: { [weak self] frames in self?.received(frames, generation: generation) }) { socket in
                try socket.set(.sendHighWaterMark, 100_000)
                try options.key?.configure(socket)
                try socket.connect(options.endpoint)
            }
        } catch let error as ZMQError where error.rejectsEndpoint {
            // Retrying never helps an endpoint libzmq refuses outright: stop, and say why (`run` throws).
            logger.critical("the agent endpoint is unusable", metadata: ["endpoint": "\(options.endpoint)", "error": "\(error)"])
            socket = nil
            fatal?.yield(AgentConnectionError(endpoint: options.endpoint, reason: error.message))
            return
        } catch {
            // Anything else (out of file descriptors, say) may pass: try again after the backoff.
            logger.error("cannot open the agent socket; retrying", metadata: ["error": "\(error)"])
            socket = nil
            reconnect(reason: "cannot open the socket: \(error)")
            return
        }
        lastHeard = Self.now()
        sendHello()
    }

    /// Frames from the socket thread of connection `generation`.
    func received(_ frames: [Frame], generation: Int) {
        lock.withLock {
            guard generation == self.generation, !stopped else { return }  // from a connection already replaced
            handle(frames)
        }
    }

    /// Why a HELLO may have gone unanswered, for the log and the console: on a CURVE agent port a
    /// connection without a key, or with a key the coordinator does not accept, never gets through.
    static func noWelcome(key: AgentKey?) -> String {
        guard let key else {
            return "no WELCOME; if the coordinator's agent port uses CURVE (its default), this agent needs --key FILE "
                + "(desk agent-key create)"
        }
        return "no WELCOME; the coordinator may not accept the key of '\(key.agent)' (not registered, revoked, "
            + "or made for another coordinator's key), or may be down"
    }

    /// Drops the connection and connects again after the backoff delay. Called with the lock held.
    func reconnect(reason: String) {
        observer?(.reconnecting(reason))
        logger.info("reconnecting", metadata: ["reason": "\(reason)", "delay_ms": "\(reconnectDelayMs)"])
        let old = socket
        socket = nil
        Task { await old?.close() }
        let delay = reconnectDelayMs
        reconnectDelayMs = min(options.reconnectMaxMs, reconnectDelayMs * 2)
        generation += 1  // from now on, frames of the old socket are ignored
        let target = generation
        Task { [self] in
            try? await Task.sleep(for: .milliseconds(Int.random(in: delay / 2...max(delay / 2, delay))))
            lock.withLock { if target == generation && socket == nil { connect() } }
        }
    }

    func sendHello() {
        var hello = WireHello()
        hello.agent = options.name
        hello.skills = options.skills
        hello.capacity = UInt32(options.capacity)
        hello.tier = UInt32(options.tier)
        hello.mode = options.mode
        hello.session = session
        hello.claims = options.claims
        hello.leases = held.map { WireLeaseRef(ticket: $0.key, epoch: $0.value.epoch) }.sorted { $0.ticketID < $1.ticketID }
        send(.hello(hello))
    }

    func send(_ message: WireMessage) {
        socket?.post(FrameCodec.encode(message))
        lastSent = Self.now()
    }

    /// Milliseconds until `tick` has something to do: the next heartbeat to send or the coordinator's
    /// liveness deadline, whichever is first (at least 10 ms, at most a quarter heartbeat while not yet
    /// welcomed). An idle agent wakes about once per heartbeat, not four times: with a thousand agent
    /// processes on one machine, those wake-ups were most of their CPU.
    func untilNextTick() -> Int {
        let quarter = max(10, heartbeatMs / 4)
        guard socket != nil, welcomed, !stopped else { return quarter }
        let now = Self.now()
        let nextSend = lastSent + Millis(heartbeatMs), deadline = lastHeard + Millis(heartbeatMs * liveness) + 1
        return Int(max(10, min(nextSend, deadline) - now))
    }

    func tick() {
        guard socket != nil, !stopped else { return }
        let now = Self.now()
        if now - lastHeard > Millis(heartbeatMs * liveness) {
            reconnect(reason: welcomed ? "coordinator silent" : Self.noWelcome(key: options.key))
            return
        }
        if welcomed && now - lastSent >= Millis(heartbeatMs) { send(.heartbeat) }
    }

    // MARK: - Messages

    func handle(_ frames: [Frame]) {
        lastHeard = Self.now()
        let message: WireMessage
        do {
            message = try FrameCodec.decode(frames)
        } catch {
            logger.warning("refused a coordinator frame", metadata: ["error": "\(error)"])
            return
        }
        switch message {
        case .welcome(let welcome):
            welcomed = true
            reconnectDelayMs = options.reconnectInitialMs
            if welcome.heartbeatIntervalMs > 0 { heartbeatMs = Int(welcome.heartbeatIntervalMs) }
            napping?.cancel()  // the timer recomputes its next wake-up under the coordinator's interval
            if welcome.heartbeatLiveness > 0 { liveness = Int(welcome.heartbeatLiveness) }
            for dropped in welcome.droppedLeases where held[dropped.ticketID]?.epoch == dropped.epoch {
                held.removeValue(forKey: dropped.ticketID)
            }
            // Every unacknowledged report goes again, in order. Those at or below `last_sequence` were
            // committed (their effect or their refusal), and the coordinator answers each retry exactly: ACK
            // again for an effect, the same ERROR for a refusal. Dropping them here would tell a waiter
            // "done" for a report that was refused; the retry costs one round trip.
            for sequence in unacked.keys.sorted() { if let report = unacked[sequence] { send(report) } }
            if away { sendCredit() }
            logger.info("welcomed", metadata: ["agent": "\(options.name)", "resent": "\(unacked.count)",
                                               "committed": "\(welcome.lastSequence)"])
            observer?(.welcomed)
        case .assign(let assign):
            let ticket = assign.lease.ticketID
            if held[ticket]?.epoch == assign.lease.epoch { return }  // re-sent after a reconnect: already working
            held[ticket] = Held(epoch: assign.lease.epoch, plan: planFor(assign), view: assign.ticket)
            observer?(.assigned(ticket, assign.ticket))
            schedule(ticket)
        case .revoke(let revoke):
            if held[revoke.lease.ticketID]?.epoch == revoke.lease.epoch {
                held.removeValue(forKey: revoke.lease.ticketID)
                observer?(.revoked(revoke.lease.ticketID, revoke.reason))
            }
        case .ack(let ack):
            unacked.removeValue(forKey: ack.seq)
            finished(ack.seq, .success(()))
        case .error(let error):
            // A refusal a `perform` caller receives is theirs to report (the staff console prints it): logged
            // at debug, so a person does not read it twice. Nobody else hears of the others: a warning.
            let told = error.seq > 0 && error.code != .notWelcomed && waiters[error.seq] != nil
            // NOT_WELCOMED refuses the session, not the report: it is kept, and sent again after WELCOME.
            if error.seq > 0 && error.code != .notWelcomed {
                unacked.removeValue(forKey: error.seq)
                finished(error.seq, .failure(AgentRefusal(code: error.code, message: error.message)))
            }
            logger.log(level: told ? .debug : .warning, "coordinator refused",
                       metadata: ["code": "\(error.code)", "message": "\(error.message)", "seq": "\(error.seq)"])
            if error.code == .notWelcomed { welcomed = false; sendHello() }
        case .bye:
            reconnect(reason: "coordinator said bye")
        case .heartbeat:
            break
        default:
            logger.warning("unexpected command from the coordinator", metadata: ["command": "\(message.command)"])
        }
    }

    // MARK: - Work

    func schedule(_ ticket: TicketID) {
        guard let lease = held[ticket], lease.next < lease.plan.steps.count else { return }
        let delay = lease.plan.steps[lease.next].delaySeconds
        if delay <= 0 {
            runStep(ticket, epoch: lease.epoch)
        } else {
            let epoch = lease.epoch
            Task { [self] in
                try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
                lock.withLock { runStep(ticket, epoch: epoch) }
            }
        }
    }

    func runStep(_ ticket: TicketID, epoch: Int64) {
        guard !stopped, var lease = held[ticket], lease.epoch == epoch, lease.next < lease.plan.steps.count else { return }
        let report = lease.plan.steps[lease.next].report
        lease.next += 1
        let sequence = nextSequence
        nextSequence += 1
        let message = report.message(lease: WireLeaseRef(ticket: ticket, epoch: epoch), sequence: sequence)
        unacked[sequence] = message
        if welcomed { send(message) }
        if report.endsLease {
            held.removeValue(forKey: ticket)
        } else if lease.plan.fallback != nil, case .accept = report {
            held[ticket] = lease  // an ACCEPT cannot fail but for a lost lease: the next step need not wait for it
            schedule(ticket)
        } else if lease.plan.fallback != nil {
            held[ticket] = lease
            reportTicket[sequence] = ticket  // the next step waits for this one's ACK
        } else {
            held[ticket] = lease
            schedule(ticket)
        }
    }

    /// A report was acknowledged or refused: wake its `perform` caller, move its plan on, or fall back.
    func finished(_ sequence: UInt64, _ result: Result<Void, AgentRefusal>) {
        if let waiter = waiters.removeValue(forKey: sequence) { waiter(result) }
        guard let ticket = reportTicket.removeValue(forKey: sequence), var lease = held[ticket] else { return }
        switch result {
        case .success:
            schedule(ticket)
        case .failure(let refusal) where refusal.code == .staleLease:
            held.removeValue(forKey: ticket)  // the lease is gone: nothing more to do on it
        case .failure(let refusal):
            guard let fallback = lease.plan.fallback, !lease.fellBack else { return }
            logger.warning("a step was refused; falling back", metadata: ["ticket": "\(ticket)", "problem": "\(refusal.message)"])
            lease.fellBack = true
            lease.next = lease.plan.steps.count
            held[ticket] = lease
            sendReport(fallback, on: ticket, epoch: lease.epoch)
            if fallback.endsLease { held.removeValue(forKey: ticket) }
        }
    }

    /// Sends one report on a held lease with the next sequence number; it is re-sent until acknowledged.
    @discardableResult
    func sendReport(_ report: WorkPlan.Report, on ticket: TicketID, epoch: Int64) -> UInt64 {
        let sequence = nextSequence
        nextSequence += 1
        let message = report.message(lease: WireLeaseRef(ticket: ticket, epoch: epoch), sequence: sequence)
        unacked[sequence] = message
        if welcomed { send(message) }
        return sequence
    }

    func sendCredit() {
        var credit = WireCredit()
        credit.capacity = UInt32(options.capacity)
        credit.away = away
        send(.credit(credit))
    }

    // MARK: - For people (the staff console)

    /// Sends `report` on the lease held on `ticket` and waits for the coordinator's answer. A report that
    /// ends the lease (resolve, release, escalate, or a macro that does) drops it once acknowledged.
    ///
    /// Cancelling the calling task stops the wait at once with `AgentRefusal.cancelled`. A report already
    /// sent stays queued and is sent again until answered, and its answer still does the lease's
    /// bookkeeping; it just wakes nobody. Whichever comes first (the answer, a WELCOME saying the report was
    /// committed, cancellation, the runtime stopping) resumes the caller, exactly once.
    ///
    /// With `epoch`, the report goes only on that lease: a caller that read the ticket under another epoch
    /// (a web page opened before the lease moved, and came back) is refused without anything being sent.
    public func perform(_ report: WorkPlan.Report, on ticket: TicketID, epoch: Int64? = nil) async -> Result<Void, AgentRefusal> {
        let wait = PerformWait()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                lock.withLock {
                    guard !wait.cancelled else {
                        continuation.resume(returning: .failure(.cancelled))
                        return
                    }
                    guard let lease = held[ticket] else {
                        continuation.resume(returning: .failure(AgentRefusal(code: .unknownTicket, message: "you hold no lease on ticket \(ticket)")))
                        return
                    }
                    if let epoch, epoch != lease.epoch {
                        continuation.resume(returning: .failure(AgentRefusal(
                            code: .staleLease, message: "your lease on ticket \(ticket) changed since this page was opened (epoch \(epoch), now \(lease.epoch))")))
                        return
                    }
                    wait.continuation = continuation
                    let sequence = sendReport(report, on: ticket, epoch: lease.epoch)
                    let ends = report.endsLease
                    waiters[sequence] = { [self] result in
                        // Runs under the lock, from `finished` or when the runtime stops.
                        switch result {
                        case .success where ends: held.removeValue(forKey: ticket)
                        case .failure(let refusal) where refusal.code == .staleLease: held.removeValue(forKey: ticket)
                        default: break
                        }
                        wait.resume(result)
                    }
                }
            }
        } onCancel: {
            lock.withLock {
                wait.cancelled = true
                wait.resume(.failure(.cancelled))
            }
        }
    }

    /// Away stops new assignments and keeps the open ones; available takes new ones again.
    public func setAway(_ value: Bool) {
        lock.withLock {
            away = value
            if welcomed { sendCredit() }
        }
    }

    /// Takes up to `capacity` tickets at once from now on (at least 1).
    public func setCapacity(_ capacity: Int) {
        lock.withLock {
            options.capacity = max(1, capacity)
            if welcomed { sendCredit() }
        }
    }

    /// Whether new assignments are stopped, and how many tickets may be held at once.
    public var availability: (away: Bool, capacity: Int) { lock.withLock { (away, options.capacity) } }

    /// The epoch of the lease held on `ticket`, or nil.
    public func leaseEpoch(of ticket: TicketID) -> Int64? { lock.withLock { held[ticket]?.epoch } }

    /// The leases held now, by ticket id, with the ticket as it was assigned.
    public func heldTickets() -> [(id: TicketID, view: WireTicketView?)] {
        lock.withLock { held.map { ($0.key, $0.value.view) }.sorted { $0.id < $1.id } }
    }

    public var isConnected: Bool { lock.withLock { welcomed } }
}

/// What the runtime tells its observer.
public enum AgentEvent: Sendable {
    case welcomed
    case assigned(TicketID, WireTicketView)
    case revoked(TicketID, String)
    case reconnecting(String)
}

/// A report the coordinator refused, with its code and message.
public struct AgentRefusal: Error, Sendable, CustomStringConvertible {
    public let code: WireErrorCode
    public let message: String
    public init(code: WireErrorCode, message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }

    /// The caller stopped waiting (its task was cancelled); a report already sent is still sent again
    /// until the coordinator acknowledges it.
    public static let cancelled = AgentRefusal(code: .errorUnspecified,
                                               message: "cancelled while waiting for the coordinator's answer; a report already sent is sent again until acknowledged")
    /// The agent stopped before the coordinator answered.
    public static let agentStopping = AgentRefusal(code: .errorUnspecified, message: "the agent stopped before the coordinator answered")
}

/// One `perform` call's wait, guarded by the runtime's lock: whether its task was cancelled (perhaps before
/// its report was sent), and its caller until resumed.
final class PerformWait: @unchecked Sendable {
    var cancelled = false
    var continuation: CheckedContinuation<Result<Void, AgentRefusal>, Never>?

    /// Resumes the caller the first time; does nothing after that. Called with the runtime's lock held.
    func resume(_ result: Result<Void, AgentRefusal>) {
        continuation?.resume(returning: result)
        continuation = nil
    }
}
