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
        metrics.setQueued(dispatcher.queuedCount)
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
            case .agentMessage(let frames, let arrivedAt):
                handleAgentMessage(frames, arrivedAt: arrivedAt)
                router.consumed()
            case .intake(let news, let reply): intake(news, reply: reply)
            case .committed(let outcome): committed(outcome)
            case .tick(let at):
                tickGate.handled()
                if expiryHold.tick(raisedAt: at, now: start) { expireSilentAgents(at: at) }
                handOffOrphanedPools()
                fireSLATimers()
            case .socketFailed(let reason):
                logger.critical("the agent socket's thread died; stopping so the supervisor restarts the coordinator",
                                metadata: ["error": "\(reason)"])
                throw CoordinatorFailure(reason: "agent socket failed: \(reason)")
            case .customerMessage(let id, let body, let reply): customerMessage(id, body: body, reply: reply)
            case .slaPolicies(let policies, let document, let reply):
                await replacePolicies(policies ?? configuration.slaPolicies, document: document, reply: reply)
            case .macroSaved(let macro): macros[macro.definition.name] = macro
            case .macroRemoved(let name): macros.removeValue(forKey: name)
            case .shutdown:
                sayGoodbye()
                return
            }
            flushSLA()
        }
    }

    // MARK: - Intake

    /// Gives new tickets their ids and queues them in memory at once (except those with an idempotency
    /// key: whether they are new is known only after the store looked the key up). Tickets an idle agent
    /// takes right away are committed together with their lease: one transaction, and the ASSIGN goes out
    /// as soon as the ticket is durable.
    func intake(_ news: [NewTicket],
                reply: @escaping @Sendable (Result<[(ticket: Ticket, created: Bool)], any Error>) -> Void) {
        let now = currentMillis()
        var news = news
        var ids: [TicketID] = []
        var queued: Set<TicketID> = []
        var escalations: [TicketEvent] = []
        ids.reserveCapacity(news.count)
        for index in news.indices {
            highestTicketID += 1
            ids.append(highestTicketID)
            if !botPools.isEmpty { claim(&news[index]) }
            let policy = initialDue(news[index], createdAt: now)
            news[index].sla = policy?.due
            let new = news[index]
            if let escalation = new.escalation {
                escalations.append(TicketEvent(ticketID: highestTicketID, at: now, actor: "system", kind: .escalated,
                                               detail: escalation.detailJSON))
            }
            if new.idempotencyKey == nil {
                track(id: highestTicketID, new.priority, tier: new.tier, skill: new.skill, pool: new.pool, createdAt: now,
                      due: new.sla)
                if let policy { startClock(highestTicketID, policy: policy.policy, createdAt: now) }
                queued.insert(highestTicketID)
            }
        }
        let joined = dispatch(joining: queued)
        let inputs = self.inputs, allocated = ids, claimed = news, escalated = escalations
        store.writer.submit({ db in
            let stored = try zip(claimed, allocated).map { new, id in
                try db.insertTicket(new, id: id, status: .pendingAssignment, at: now, actor: "api")
            }
            for lease in joined { try db.recordLease(lease, at: now) }
            return stored
        }) { result in
            reply(result)
            switch result {
            case .success(let stored):
                inputs.yield(.committed(.intake(stored, leases: joined, at: now, escalations: escalated)))
            case .failure(let error): inputs.yield(.committed(.failed("intake of \(claimed.count) tickets: \(error)")))
            }
        }
    }

    /// Queues a new ticket. Within a priority, the earliest SLA due time goes first (first response, else
    /// resolution, else the configured first-response target).
    func track(id: TicketID, _ priority: Priority, tier: Int, skill: String, pool: String, createdAt: Millis, due: SLADue?) {
        let dueAt = due?.firstResponseDue ?? due?.resolutionDue ?? configuration.responseTargets.due(priority, createdAt: createdAt)
        dispatcher.track(OpenTicket(id: id, priority: priority, tier: tier, skill: skill, dueAt: dueAt, createdAt: createdAt, pool: pool))
    }

    /// A new ticket at tier 0 or 1 that a pool with a connected bot claims goes to that pool, at tier 0.
    /// Costs the pools' conditions, never a look at other tickets.
    func claim(_ ticket: inout NewTicket) {
        guard ticket.tier <= 1 else { return }
        var facts = TicketFacts(ticket)
        for name in claimOrder {
            guard let pool = botPools[name], !pool.members.isEmpty else { continue }
            if pool.conditions.contains(where: { $0.matches(&facts) }) {
                ticket.tier = 0
                ticket.pool = name
                metrics.botClaims.increment()
                return
            }
        }
    }

    /// The intake's transaction committed: the tickets exist, the joined leases are granted.
    func intakeCommitted(_ stored: [(ticket: Ticket, created: Bool)], leases: [Lease], at now: Millis,
                         escalations: [TicketEvent]) {
        var keyed = false
        var created: Set<TicketID> = []
        for (ticket, isNew) in stored where isNew {
            metrics.ticketsCreated.increment()
            created.insert(ticket.id)
            events.publish(TicketEvent(ticketID: ticket.id, at: ticket.createdAt, actor: "api", kind: .created,
                                       detail: JSONText.object(["priority": ticket.priority.label, "skill": ticket.skill])))
            if ticket.idempotencyKey != nil {
                track(id: ticket.id, ticket.priority, tier: ticket.tier, skill: ticket.skill, pool: ticket.pool,
                      createdAt: ticket.createdAt, due: ticket.sla)
                if let name = ticket.sla?.policy, let policy = sla.policies.firstIndex(where: { $0.name == name }) {
                    startClock(ticket.id, policy: policy, createdAt: ticket.createdAt)
                }
                keyed = true
            }
        }
        let escalated = escalations.filter { created.contains($0.ticketID) }
        if !escalated.isEmpty {
            metrics.escalations.increment(by: escalated.count)
            events.publish(escalated)
        }
        if !leases.isEmpty {
            var byID: [TicketID: Ticket] = [:]
            for (ticket, _) in stored { byID[ticket.id] = ticket }
            for lease in leases {
                guard var ticket = byID[lease.ticket] else { continue }
                ticket.status = .inProgress
                ticket.assignee = lease.agent
                ticket.leaseEpoch = lease.epoch
                ticket.updatedAt = now
                committed(.assigned(lease, ticket, [Self.assignedEvent(lease, at: now)]))
            }
        }
        if keyed { dispatch() }
    }

    static func assignedEvent(_ lease: Lease, at now: Millis) -> TicketEvent {
        TicketEvent(ticketID: lease.ticket, at: now, actor: "system", kind: .assigned,
                    detail: "{\"agent\":\(JSONText.string(lease.agent)),\"epoch\":\(lease.epoch)}")
    }

    // MARK: - Dispatch

    /// Assigns while a queued ticket has an available agent. Each lease is committed before ASSIGN.
    /// Leases on tickets in `joining` (an intake not yet submitted) are returned instead, to be committed
    /// in the intake's own transaction.
    /// With `joinAll`, every lease is returned to join the caller's change (a report that freed a slot
    /// commits the next assignment in its own transaction: one commit, and ACK and ASSIGN in one round).
    @discardableResult
    func dispatch(joining: Set<TicketID> = [], joinAll: Bool = false) -> [Lease] {
        let now = currentMillis()
        var joined: [Lease] = []
        while let (lease, _) = dispatcher.nextAssignment(now: now) {
            clockStatus(lease.ticket, .inProgress, at: now)
            if joinAll || joining.contains(lease.ticket) {
                joined.append(lease)
                continue
            }
            let inputs = self.inputs
            store.writer.submit({ db in try db.grantLease(lease, at: now) }) { result in
                switch result {
                case .success(let ticket):
                    inputs.yield(.committed(.assigned(lease, ticket, [Self.assignedEvent(lease, at: now)])))
                case .failure(let error):
                    inputs.yield(.committed(.failed("lease \(lease.ticket)/\(lease.epoch): \(error)")))
                }
            }
        }
        metrics.setQueued(dispatcher.queuedCount)
        return joined
    }

    func committed(_ outcome: CommitOutcome) {
        switch outcome {
        case .intake(let stored, let leases, let now, let escalations):
            intakeCommitted(stored, leases: leases, at: now, escalations: escalations)
        case .assigned(let lease, let ticket, let published):
            events.publish(published)
            // The agent may have gone (or the lease ended) while the commit ran: then expiry handled it.
            guard dispatcher.lease(of: lease.ticket) == lease, let session = sessions[lease.agent] else { return }
            metrics.assignments.increment()
            var assign = WireAssign()
            assign.lease = WireLeaseRef(ticket: lease.ticket, epoch: lease.epoch)
            assign.ticket = WireTicketView(ticket)
            send(.assign(assign), to: session.routingID)
        case .report(let agent, let sessionID, let sequence, let published, let ended):
            events.publish(published)
            if ledgers[agent]?.session == sessionID { ledgers[agent]?.commit(sequence) }
            if let session = sessions[agent], session.session == sessionID {
                var ack = WireAck()
                ack.seq = sequence
                send(.ack(ack), to: session.routingID)
                if let (lease, reason) = ended {
                    var revoke = WireRevoke()
                    revoke.lease = WireLeaseRef(ticket: lease.ticket, epoch: lease.epoch)
                    revoke.reason = reason
                    send(.revoke(revoke), to: session.routingID)
                }
            }
        case .refused(let agent, let sessionID, let sequence):
            guard ledgers[agent]?.session == sessionID, let refusal = ledgers[agent]?.commit(sequence) else { return }
            if let session = sessions[agent], session.session == sessionID {
                send(.error(WireErrorCode(rawValue: refusal.code) ?? .invalidArgument, refusal.text, sequence: sequence),
                     to: session.routingID)
            }
        case .publish(let published):
            events.publish(published)
        case .slaFired(let published, let revokes):
            events.publish(published)
            for (lease, reason) in revokes {
                guard let session = sessions[lease.agent] else { continue }
                var revoke = WireRevoke()
                revoke.lease = WireLeaseRef(ticket: lease.ticket, epoch: lease.epoch)
                revoke.reason = reason
                send(.revoke(revoke), to: session.routingID)
            }
        case .failed(let reason):
            fatalCommit(reason)
        }
    }

    func fatalCommit(_ reason: String) -> Never {
        logger.critical("the store refused a committed decision; stopping so that restart replays the store",
                        metadata: ["reason": "\(reason)"])
        fatalError("desk coordinator: store refused a change: \(reason)")
    }

    // MARK: - Agents

    func send(_ message: WireMessage, to routingID: Frame) {
        router.post([routingID] + FrameCodec.encode(message))
    }

    func handleAgentMessage(_ frames: [Frame], arrivedAt: Millis) {
        guard frames.count >= 2 else { return }
        let routingID = frames[0]
        metrics.agentMessages.increment()
        let message: WireMessage
        do {
            message = try FrameCodec.decode(frames.dropFirst())
        } catch {
            metrics.protocolErrors.increment()
            logger.debug("refused a frame", metadata: ["code": "\(error.code)"])
            send(.error(error), to: routingID)
            return
        }
        if case .hello(let hello) = message {
            handleHello(hello, from: routingID, arrivedAt: arrivedAt)
            return
        }
        guard let name = routes[routingID], let session = sessions[name] else {
            if case .bye = message { return }
            send(.error(.notWelcomed, "say HELLO first: this connection has no agent", sequence: message.sequence ?? 0), to: routingID)
            return
        }
        deadlines.upsert(name, order: max(arrivedAt + livenessMillis, deadlines.order(of: name) ?? .min))
        switch message {
        case .heartbeat:
            send(.heartbeat, to: routingID)
        case .credit(let credit):
            guard credit.capacity >= 1, credit.capacity <= 10_000 else {
                send(.error(.invalidArgument, "capacity must be 1 to 10000, got \(credit.capacity)"), to: routingID)
                return
            }
            dispatcher.setAvailability(name, away: credit.away, capacity: Int(credit.capacity))
            dispatch()
        case .bye:
            agentGone(name, reason: "said bye")
        case .accept, .progress, .reply, .note, .statusChange, .escalate, .release, .resolve, .update, .applyMacro:
            guard let sequence = message.sequence, sequence > 0 else {
                send(.error(.invalidArgument, "\(message.command) needs a sequence number above 0"), to: routingID)
                return
            }
            guard let ledger = ledgers[name], ledger.session == session.session else { return }
            switch ledger.verdict(for: sequence) {
            case .take:
                handleReport(message, sequence: sequence, session: session)  // takes or refuses the number
            case .acknowledge:
                var ack = WireAck()  // a retry of a committed report: acknowledge, change nothing
                ack.seq = sequence
                send(.ack(ack), to: routingID)
                metrics.duplicateReports.increment()
            case .refuseAgain(let code, let text):
                send(.error(WireErrorCode(rawValue: code) ?? .invalidArgument, text, sequence: sequence), to: routingID)
                metrics.duplicateReports.increment()
            case .inFlight:
                metrics.duplicateReports.increment()  // answered when the original commits
            case .gap(let expected):
                send(.error(.invalidArgument, "sequence \(sequence) skips numbers: the next report of this session must be \(expected)",
                            sequence: sequence), to: routingID)
            }
        case .welcome, .assign, .revoke, .ack:
            send(.error(.unknownCommand, "\(message.command) is sent by the coordinator, not to it"), to: routingID)
        case .error(let error):
            logger.info("agent reported an error", metadata: ["agent": "\(name)", "code": "\(error.code)"])
        case .hello:
            break
        }
    }

    func handleHello(_ hello: WireHello, from routingID: Frame, arrivedAt: Millis) {
        let name = hello.agent
        guard !name.isEmpty, name.count <= 64, !name.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true }) else {
            send(.error(.invalidArgument, "agent name must be 1 to 64 characters without spaces"), to: routingID)
            return
        }
        guard hello.capacity >= 1, hello.capacity <= 10_000 else {
            send(.error(.invalidArgument, "capacity must be 1 to 10000, got \(hello.capacity)"), to: routingID)
            return
        }
        guard hello.tier <= 3 else {
            send(.error(.invalidArgument, "tier must be 0 to 3, got \(hello.tier)"), to: routingID)
            return
        }
        guard !hello.session.isEmpty, hello.session.count <= 128, hello.skills.count <= 64 else {
            send(.error(.invalidArgument, "session must be 1 to 128 characters (it keys sequence numbers across reconnects); "
                        + "at most 64 skills"), to: routingID)
            return
        }
        var claims: (pool: String, conditions: [CompiledCondition])?
        if !hello.claims.isEmpty {
            do {
                claims = try Self.decodeClaims(hello)
            } catch {
                send(.error(.invalidArgument, "claims: \(error)"), to: routingID)
                return
            }
        }
        // A new connection for a known name supersedes the old one.
        if let previous = sessions[name], previous.routingID != routingID { routes.removeValue(forKey: previous.routingID) }
        if let other = routes[routingID], other != name { agentGone(other, reason: "connection reused by \(name)") }

        // The same session keeps its ledger (reports in flight stay in flight); a new one starts at 0.
        if ledgers[name]?.session != hello.session { ledgers[name] = ReportLedger(session: hello.session) }
        let lastSequence = ledgers[name]?.committed ?? 0
        sessions[name] = AgentSession(name: name, routingID: routingID, session: hello.session, mode: hello.mode)
        routes[routingID] = name
        var skills = Set(hello.skills.filter { !$0.hasPrefix("bot:") })
        // A reconnecting bot may have changed pools: it leaves every pool, then joins the one it names.
        for (pool, state) in botPools where state.members.contains(name) {
            botPools[pool]?.members.remove(name)
            if botPools[pool]?.members.isEmpty == true { botPools[pool]?.emptySince = currentMillis() }
        }
        if let claims {
            skills.insert(BotClaims.skill(pool: claims.pool))
            var pool = botPools[claims.pool] ?? BotPool(conditions: [], emptySince: currentMillis())
            pool.conditions = claims.conditions
            pool.members.insert(name)
            if botPools[claims.pool] == nil { claimOrder = (claimOrder + [claims.pool]).sorted() }
            botPools[claims.pool] = pool
        }
        let profile = AgentProfile(name: name, skills: skills, tier: Int(hello.tier), capacity: Int(hello.capacity))
        let now = currentMillis()
        deadlines.upsert(name, order: arrivedAt + livenessMillis)

        // Leases: keep what the agent claims and still holds; re-send what it holds but did not claim.
        let held = Set(dispatcher.leases(of: name))
        let claimed = Set(hello.leases.map { Lease(ticket: $0.ticketID, agent: name, epoch: $0.epoch) })
        dispatcher.connect(profile)
        var welcome = WireWelcome()
        welcome.agent = name
        welcome.heartbeatIntervalMs = UInt32(configuration.heartbeatIntervalMs)
        welcome.heartbeatLiveness = UInt32(configuration.heartbeatLiveness)
        welcome.lastSequence = lastSequence
        welcome.keptLeases = claimed.intersection(held).sorted { $0.ticket < $1.ticket }
            .map { WireLeaseRef(ticket: $0.ticket, epoch: $0.epoch) }
        welcome.droppedLeases = claimed.subtracting(held).sorted { $0.ticket < $1.ticket }
            .map { WireLeaseRef(ticket: $0.ticket, epoch: $0.epoch) }
        let mode = hello.mode, session = hello.session
        store.writer.submit({ db in
            try db.upsertAgent(profile, mode: mode, session: session, lastSequence: lastSequence, at: now)
        }) { [inputs] result in
            if case .failure(let error) = result { inputs.yield(.committed(.failed("agent \(name): \(error)"))) }
        }
        send(.welcome(welcome), to: routingID)
        metrics.setAgents(sessions.count)
        logger.info("agent connected", metadata: ["agent": "\(name)", "kept": "\(welcome.keptLeases.count)",
                                                  "resent": "\(held.subtracting(claimed).count)"])
        for lease in held.subtracting(claimed) { resendAssignment(lease) }
        dispatch()
    }

    /// Sends ASSIGN again for a lease the agent holds but forgot (it restarted): same epoch, no new commit.
    func resendAssignment(_ lease: Lease) {
        let inputs = self.inputs
        store.writer.submit({ db in try db.ticket(lease.ticket) }) { result in
            if case .success(.some(let ticket)) = result { inputs.yield(.committed(.assigned(lease, ticket, []))) }
        }
    }

    /// The agent is gone (BYE or missed heartbeats): its leases end and its tickets return to the queue.
    func agentGone(_ name: String, reason: String, expired: Bool = false) {
        let routingID = sessions[name]?.routingID
        if let session = sessions.removeValue(forKey: name) {
            routes.removeValue(forKey: session.routingID)
        }
        deadlines.remove(name)
        let pools = dispatcher.profile(of: name)?.skills.filter { $0.hasPrefix("bot:") } ?? []
        for skill in pools {
            let pool = String(skill.dropFirst(4))
            botPools[pool]?.members.remove(name)
            if botPools[pool]?.members.isEmpty == true { botPools[pool]?.emptySince = currentMillis() }
        }
        let ended = dispatcher.disconnect(name)
        metrics.setAgents(sessions.count)
        logger.info("agent gone", metadata: ["agent": "\(name)", "reason": "\(reason)", "leases": "\(ended.count)"])
        forgetIfUnused(name)
        guard !ended.isEmpty else { return }
        let now = currentMillis()
        let kind: TicketEventKind = expired ? .leaseExpired : .released
        // Tickets waiting on the customer are parked (still paused, held by no one) instead of queued.
        let parked = ended.map { dispatcher.isParked($0.ticket) }
        let eventsToWrite = zip(ended, parked).map { lease, isParked in
            TicketEvent(ticketID: lease.ticket, at: now, actor: "system", kind: kind,
                        detail: "{\"agent\":\(JSONText.string(name)),\"epoch\":\(lease.epoch),\"reason\":\(JSONText.string(reason))"
                            + (isParked ? ",\"parked\":true}" : "}"))
        }
        if expired { metrics.leasesExpired.increment(by: ended.count) }
        for (lease, isParked) in zip(ended, parked) where !isParked { clockStatus(lease.ticket, .pendingAssignment, at: now) }
        if expired {
            // Best effort: a silent agent that is still alive learns at once that it lost these leases.
            for lease in ended { sendRevoke(lease, reason: "lease expired: missed heartbeats", to: routingID) }
        }
        let inputs = self.inputs
        store.writer.submit({ db in
            for ((lease, event), isParked) in zip(zip(ended, eventsToWrite), parked) {
                if isParked { try db.parkTicket(lease, event: event) } else { try db.endLease(lease, event: event) }
            }
        }) { result in
            switch result {
            case .success: inputs.yield(.committed(.publish(eventsToWrite)))
            case .failure(let error): inputs.yield(.committed(.failed("ending leases of \(name): \(error)")))
            }
        }
        dispatch()
    }

    func sendRevoke(_ lease: Lease, reason: String, to routingID: Frame?) {
        guard let routingID else { return }
        var revoke = WireRevoke()
        revoke.lease = WireLeaseRef(ticket: lease.ticket, epoch: lease.epoch)
        revoke.reason = reason
        send(.revoke(revoke), to: routingID)
    }

    /// An agent that leaves without ever having a report committed has nothing to deduplicate: its row and
    /// ledger go, so a flood of HELLOs under random names leaves no litter (its name stays in any history).
    func forgetIfUnused(_ name: String) {
        guard let ledger = ledgers[name], ledger.accepted == 0, !dispatcher.knows(agent: name) else { return }
        ledgers.removeValue(forKey: name)
        let inputs = self.inputs
        store.writer.submit({ db in
            try db.execute(sql: "DELETE FROM agents WHERE name = ? AND last_sequence = 0", arguments: [name])
        }) { result in
            if case .failure(let error) = result { inputs.yield(.committed(.failed("forgetting agent \(name): \(error)"))) }
        }
    }

    /// Pops every agent whose heartbeat deadline passed by `now` (the tick's time). O(expired × log agents).
    func expireSilentAgents(at now: Millis) {
        while let first = deadlines.first, first.order <= now {
            agentGone(first.key, reason: "missed \(configuration.heartbeatLiveness) heartbeats", expired: true)
        }
    }

    func sayGoodbye() {
        var bye = WireBye()
        bye.reason = "coordinator shutting down"
        for session in sessions.values { send(.bye(bye), to: session.routingID) }
    }
}
