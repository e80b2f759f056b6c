import DeskAgent
import DeskModel
import DeskStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// The web workspace's way to the tickets: one agent session per signed-in staff member, held by the
/// coordinator's HTTP side and speaking the agent protocol to the coordinator's own agent port, exactly as
/// the staff console does. A browser therefore gets no way around the leases: every action is a report on
/// a lease, with its epoch and a sequence number, acknowledged only after its commit, fenced in SQL. See
/// docs/ARCHITECTURE.md, "The web workspace".
///
/// - One desk per person, whatever the number of tabs: the tabs share its leases.
/// - Each form carries the epoch of the lease it was rendered under and a one-time action key. A second
///   post of the same key (a double click, a resend) waits for and gets the first one's answer; a post
///   under another epoch (the lease moved, even if it came back) is refused before anything is sent.
/// - On a CURVE agent port the desk connects with a key pair made for it, registered to the person
///   (named `web workspace`), which replaces the previous one; the secret never leaves the process.
/// - A desk nobody used for `idleMillis` (no page, no action, no open live stream) leaves, as a console
///   that quits does: its leases go back to the queue, tickets waiting on the customer stay parked.
final class WorkspaceGateway: Service, Sendable {
    struct Desk {
        let runtime: AgentRuntime
        let task: Task<Void, Never>
        var lastUsed: Millis
        var streams = 0
        /// Action keys, oldest first, with their outcome (a task: a repeat waits for the same answer).
        var actions: [String: Task<Result<Void, AgentRefusal>, Never>] = [:]
        var actionOrder: [String] = []
    }

    static let keyLabel = "web workspace"
    static let actionMemory = 512

    let store: TicketStore
    /// The agent port as the coordinator bound it, reached over loopback.
    let endpoint: String
    /// The coordinator's CURVE public key; nil on a plain agent port.
    let coordinatorKey: String?
    let idleMillis: Millis
    let logger: Logger
    private let desks = Mutex<[String: Desk]>([:])
    /// Desks being opened, by person: later requests wait for the same one.
    private let openings = Mutex<[String: Task<AgentRuntime, any Error>]>([:])

    init(store: TicketStore, agentEndpoint: String, coordinatorKey: String?, idleMillis: Millis = 10 * 60_000, logger: Logger) {
        self.store = store
        self.endpoint = Self.loopback(agentEndpoint)
        self.coordinatorKey = coordinatorKey
        self.idleMillis = idleMillis
        self.logger = logger
    }

    /// `tcp://0.0.0.0:5555` and `tcp://*:5555` are reached at `tcp://127.0.0.1:5555`.
    static func loopback(_ endpoint: String) -> String {
        for any in ["tcp://0.0.0.0:", "tcp://*:"] where endpoint.hasPrefix(any) {
            return "tcp://127.0.0.1:" + endpoint.dropFirst(any.count)
        }
        return endpoint
    }

    /// The person's desk, opened (and connected, within `wait`) if they had none. Two requests of the same
    /// person at once open one desk: the second waits for the first's (a second key would revoke the first's).
    func desk(for principal: Principal, wait: Duration = .seconds(2)) async throws -> AgentRuntime {
        let now = currentMillis()
        if let runtime = desks.withLock({ desks -> AgentRuntime? in
            desks[principal.name]?.lastUsed = now
            return desks[principal.name]?.runtime
        }) { return await connected(runtime, within: wait) }
        let opening = openings.withLock { openings -> Task<AgentRuntime, any Error> in
            if let pending = openings[principal.name] { return pending }
            let task = Task { try await self.open(principal) }
            openings[principal.name] = task
            return task
        }
        let runtime: AgentRuntime
        do {
            runtime = try await opening.value
            openings.withLock { _ = $0.removeValue(forKey: principal.name) }
        } catch {
            openings.withLock { _ = $0.removeValue(forKey: principal.name) }
            throw error
        }
        return await connected(runtime, within: wait)
    }

    /// The runtime once it is welcomed, or when `wait` is over (the page then says it is not connected).
    private func connected(_ runtime: AgentRuntime, within wait: Duration) async -> AgentRuntime {
        let deadline = ContinuousClock.now + wait
        while !runtime.isConnected && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return runtime
    }

    /// Makes the desk: its key (on a CURVE port), its runtime, the task that runs it.
    private func open(_ principal: Principal) async throws -> AgentRuntime {
        if let existing = desks.withLock({ $0[principal.name]?.runtime }) { return existing }
        var options = AgentOptions(endpoint: endpoint, name: principal.name, skills: principal.skills.sorted(), capacity: 5,
                                   tier: principal.tier, mode: "staff")
        if let coordinatorKey {
            let keys = try CurveKeyPair.generate()
            try await register(keys.publicKey, for: principal)
            options.key = AgentKey(agent: principal.name, keys: keys, coordinatorKey: coordinatorKey)
        }
        let runtime = try AgentRuntime(options: options, logger: Logger(label: "desk.workspace.\(principal.name)")) { _ in
            WorkPlan([(0, .accept)])  // an assignment is accepted at once; the person works it from the page
        }
        let logger = self.logger, name = principal.name
        let task = Task {
            do { try await runtime.run() } catch {
                logger.error("a web workspace desk stopped", metadata: ["agent": "\(name)", "error": "\(error)"])
            }
        }
        desks.withLock { $0[principal.name] = Desk(runtime: runtime, task: task, lastUsed: currentMillis()) }
        return runtime
    }

    /// The desk's runtime if the person has one open (nothing is opened).
    func existing(_ name: String) -> AgentRuntime? { desks.withLock { $0[name]?.runtime } }

    /// Registers the desk's public key to the person and revokes the key of their previous desk.
    func register(_ publicKey: String, for principal: Principal) async throws {
        let now = currentMillis(), label = Self.keyLabel
        try await store.writer.write { db in try db.replaceAgentKey(publicKey, userID: principal.userID, name: label, at: now) }
    }

    /// Sends `report` on the person's lease on `ticket` under `epoch`, once per `key`: a repeat of the key
    /// gets the first answer.
    func act(_ principal: Principal, key: String, ticket: TicketID, epoch: Int64?, _ report: WorkPlan.Report) async throws
        -> Result<Void, AgentRefusal> {
        let runtime = try await desk(for: principal)
        let task = desks.withLock { desks -> Task<Result<Void, AgentRefusal>, Never> in
            if let done = desks[principal.name]?.actions[key] { return done }
            let task = Task { await runtime.perform(report, on: ticket, epoch: epoch) }
            desks[principal.name]?.actions[key] = task
            desks[principal.name]?.actionOrder.append(key)
            if let count = desks[principal.name]?.actionOrder.count, count > Self.actionMemory,
               let oldest = desks[principal.name]?.actionOrder.removeFirst() {
                desks[principal.name]?.actions.removeValue(forKey: oldest)
            }
            return task
        }
        // A page waits at most `answerWait`; the report is still sent until the coordinator answers, and a
        // resend of the same form (the same key) gets that answer.
        let wait = answerWait
        return await withCheckedContinuation { continuation in
            let answered = Mutex(false)
            let answer: @Sendable (Result<Void, AgentRefusal>) -> Void = { result in
                if answered.withLock({ done in defer { done = true }; return !done }) { continuation.resume(returning: result) }
            }
            Task { answer(await task.value) }
            Task {
                try? await Task.sleep(for: wait)
                answer(.failure(Self.notYetAnswered))
            }
        }
    }

    /// How long a page waits for the coordinator's answer to an action.
    var answerWait: Duration { .seconds(10) }

    static let notYetAnswered = AgentRefusal(
        code: .errorUnspecified,
        message: "the coordinator has not answered yet; the action is kept and sent again until it is: send the same form again "
            + "(or reload the ticket) in a moment to see its outcome")

    /// A live stream opened or closed: a desk with an open stream is never idle.
    func streamOpened(_ name: String) { desks.withLock { $0[name]?.streams += 1 } }
    func streamClosed(_ name: String) {
        desks.withLock { desks in
            desks[name]?.streams -= 1
            desks[name]?.lastUsed = currentMillis()
        }
    }

    /// The person signed out: their desk leaves now.
    func close(_ name: String) {
        let desk = desks.withLock { $0.removeValue(forKey: name) }
        desk?.task.cancel()
    }

    /// Closes idle desks every few seconds; at graceful shutdown closes them all and waits for their BYE.
    func run() async throws {
        let ticks = AsyncStream<Void> { continuation in
            let timer = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(5))
                    continuation.yield()
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in timer.cancel() }
        }
        for await _ in ticks.cancelOnGracefulShutdown() {
            let now = currentMillis(), idle = idleMillis
            let closing = desks.withLock { desks -> [Desk] in
                let names = desks.filter { $0.value.streams <= 0 && now - $0.value.lastUsed > idle }.map(\.key)
                return names.compactMap { desks.removeValue(forKey: $0) }
            }
            for desk in closing { desk.task.cancel() }
        }
        let all = desks.withLock { desks -> [Desk] in
            defer { desks.removeAll() }
            return Array(desks.values)
        }
        for desk in all { desk.task.cancel() }
        for desk in all { await desk.task.value }
    }
}
