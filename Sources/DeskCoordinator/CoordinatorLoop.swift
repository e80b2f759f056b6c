import DeskAutomation
import DeskModel
import DeskProtocol
import DeskStore
import GRDB
import Logging
import ZeroMQ

/// The coordinator's one serial loop: owns the dispatcher, the agent sessions and the heartbeat
/// deadlines, and is the only code that changes them.
///
/// Every state change follows one rule: decide in memory, submit the durable change to the group-commit
/// writer, and tell anyone (ACK, ASSIGN, PUB) only from the commit's completion. Memory runs ahead of
/// the disk by at most one group commit; if the store ever refuses a change the loop already applied,
/// memory and disk disagree, so the coordinator stops (`fatalCommit`) and its restart replays the store:
/// restart = replay is the one recovery path, tested by `kill -9`.
final class CoordinatorLoop {
    let store: TicketStore
    let router: AsyncSocket
    let events: EventPublisher
    let inputs: AsyncStream<CoordinatorInput>.Continuation
    let configuration: CoordinatorConfiguration
    let metrics: CoordinatorMetrics
    let logger: Logger
    let tickGate: TickGate
    /// Holds expiry after the coordinator's own stalls (see `ExpiryHold`).
    var expiryHold: ExpiryHold

    var dispatcher = Dispatcher()
    var sessions: [String: AgentSession] = [:]
    var routes: [Frame: String] = [:]
    /// Heartbeat deadline per agent name, earliest first: expiry never scans all agents.
    var deadlines = IndexedHeap<String, Millis>()
    /// Each agent's report ledger (its session's accepted, committed and refused sequence numbers), kept
    /// while it is away so a reconnect of the same session deduplicates exactly. See `ReportLedger`.
    var ledgers: [String: ReportLedger] = [:]
    /// The highest ticket id issued: a report on a lower id that is not open is stale, not unknown.
    var highestTicketID: TicketID = 0
    /// Ids issued to a keyed ticket that turned out to be a replay of its idempotency key, largest first:
    /// the next new tickets take them, so a replay never uses up an id (issue 13, item 2).
    var unusedTicketIDs: [TicketID] = []
    /// Macros by name, as stored; the API's saves and removals reach the loop after their commit.
    var macros: [String: CheckedMacro] = [:]
    /// Bot pools by name: what they claim and which connected bots serve them.
    var botPools: [String: BotPool] = [:]
    /// Pool names in the order claims are tried (by name), so a ticket several pools claim always goes
    /// to the same one.
    var claimOrder: [String] = []
    /// When this coordinator started: bots get one liveness period to come back before their waiting
    /// tickets are handed to people.
    let startedAt = currentMillis()
    /// SLA clocks and timers of the open tickets a policy covers.
    var sla: SLATimers
    /// Tickets whose due times moved since the last flush, and SLA events of clocks that finished.
    var slaDirty: Set<TicketID> = []
    var slaPending: [TicketEvent] = []
    /// Delivers the breach notifications (`notify`); `send` never blocks the loop.
    let webhooks: WebhookDeliveryService
    /// The policies in force, shown by the API.
    let policyBox: SLAPolicyBox
    /// Since when each stranded queue (its `place`) has had no one who can take its tickets.
    var strandedSince: [QueueName: Millis] = [:]
    /// Stranded queues already reported (warning and events) in their current stretch.
    var announcedQueues: Set<QueueName> = []
    /// The last tick's time: a released ticket's cooldown that ended since then calls for a dispatch.
    var lastTickAt: Millis = 0

    struct BotPool {
        var conditions: [CompiledCondition]
        var members: Set<String> = []
        /// When the last member left (or the start, for a pool known only from the store).
        var emptySince: Millis
    }

    init(store: TicketStore, router: AsyncSocket, events: EventPublisher,
         inputs: AsyncStream<CoordinatorInput>.Continuation, configuration: CoordinatorConfiguration,
         metrics: CoordinatorMetrics, logger: Logger, policies: SLAPolicyBox, tickGate: TickGate,
         webhooks: WebhookDeliveryService) {
        self.tickGate = tickGate
        let liveness = Millis(configuration.heartbeatIntervalMs) * Millis(configuration.heartbeatLiveness)
        self.expiryHold = ExpiryHold(stallThreshold: Millis(configuration.heartbeatIntervalMs), grace: liveness)
        self.policyBox = policies
        self.store = store
        self.router = router
        self.events = events
        self.inputs = inputs
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        self.sla = SLATimers(policies: policies.policies)
        self.webhooks = webhooks
    }

    var livenessMillis: Millis { Millis(configuration.heartbeatIntervalMs) * Millis(configuration.heartbeatLiveness) }

    /// Rebuilds the dispatcher from the store: open tickets with their leases, agents' sequence numbers.
    /// Agents holding leases get one liveness period to come back before their leases expire.
    func recover() async throws {
        let targets = configuration.responseTargets
        let (open, sessions, refusals, highest, storedMacros) = try await store.pool.read { db in
            (try db.openTickets(targets: targets), try db.agentSessions(), try db.reportRefusals(),
             try TicketID.fetchOne(db, sql: "SELECT MAX(id) FROM tickets") ?? 0, try db.macros())
        }
        for definition in storedMacros {
            do {
                macros[definition.name] = try CheckedMacro(definition)
            } catch {
                logger.error("a stored macro no longer passes its checks; it cannot be applied until saved again",
                             metadata: ["macro": "\(definition.name)", "problem": "\(error)"])
            }
        }
        for (name, stored) in sessions {
            let refused = (refusals[name] ?? [:]).mapValues { ReportLedger.Refusal(code: $0.code, text: $0.message) }
            ledgers[name] = ReportLedger(session: stored.session, committed: stored.lastSequence, refusals: refused)
        }
        highestTicketID = highest
        for ticket in open { dispatcher.track(ticket) }
        let deadline = currentMillis() + livenessMillis
        for ticket in open { if let agent = ticket.assignee { deadlines.upsert(agent, order: deadline) } }
        try await recoverSLA()
        metrics.setQueued(byPriority: dispatcher.queuedByPriority)
        logger.info("recovered", metadata: ["open": "\(open.count)", "queued": "\(dispatcher.queuedCount)",
                                            "leased": "\(open.count - dispatcher.queuedCount)"])
    }

    /// Handles every input in order until `.shutdown` (returns) or a dead agent socket (throws).
    func run(_ stream: AsyncStream<CoordinatorInput>) async throws {
        dispatch()
        for await input in stream {
            let start = currentMillis()
            defer { expiryHold.step(start: start, end: currentMillis()) }
            switch input {
            case .agentMessage(let frames, let peer, let arrivedAt):
                handleAgentMessage(frames, peer: peer, arrivedAt: arrivedAt)
                router.consumed()
            case .intake(let news, let reply): intake(news, reply: reply)
            case .committed(let outcome): committed(outcome)
            case .tick(let at):
                tickGate.handled()
                if expiryHold.tick(raisedAt: at, now: start) { expireSilentAgents(at: at) }
                handOffOrphanedPools()
                watchStrandedQueues(at: at)
                if dispatcher.cooldownEnded(between: lastTickAt, and: at) { dispatch() }
                lastTickAt = at
                fireSLATimers()
            case .socketFailed(let reason):
                logger.critical("the agent socket's thread died; stopping so the supervisor restarts the coordinator",
                                metadata: ["error": "\(reason)"])
                throw CoordinatorFailure(reason: "agent socket failed: \(reason)")
            case .customerMessage(let id, let body, let reply): customerMessage(id, body: body, reply: reply)
            case .customerConfirmed(let id, let reply): customerConfirmed(id, reply: reply)
            case .knowledgeAnswer(let id, let body, let articles, let reply): knowledgeAnswer(id, body: body, articles: articles, reply: reply)
            case .slaPolicies(let policies, let document, let reply):
                await replacePolicies(policies ?? configuration.slaPolicies, document: document, reply: reply)
            case .macroSaved(let macro): macros[macro.definition.name] = macro
            case .macroRemoved(let name): macros.removeValue(forKey: name)
            case .steering(let request): steer(request)
            case .shutdown:
                sayGoodbye()
                return
            }
            if case .tick = input { flushSLA(tick: true) } else { flushSLA() }
        }
    }

    func fatalCommit(_ reason: String) -> Never {
        logger.critical("the store refused a committed decision; stopping so that restart replays the store",
                        metadata: ["reason": "\(reason)"])
        fatalError("desk coordinator: store refused a change: \(reason)")
    }
}
