import DeskAutomation
import DeskModel
import DeskProtocol
import DeskStore
import GRDB
import Logging
import ZeroMQ

/// Agent sessions: frames in, HELLO and WELCOME, and the sequence-number verdicts of the report ledger.
extension CoordinatorLoop {
    func send(_ message: WireMessage, to routingID: Frame) {
        router.post([routingID] + FrameCodec.encode(message))
    }

    /// One message from an agent connection. With CURVE, `peer` is the account its key is registered to:
    /// a HELLO naming another agent, or any message on a connection whose session is another agent's
    /// (a routing id taken over), is refused and changes nothing.
    func handleAgentMessage(_ frames: [Frame], peer: String? = nil, arrivedAt: Millis) {
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
        if let peer {
            let claimed: String? = if case .hello(let hello) = message { hello.agent } else { routes[routingID] }
            if let claimed, claimed != peer {
                metrics.helloRefusedIdentity.increment()
                logger.warning("refused an agent message: its key is registered to another agent",
                               metadata: ["key_owner": "\(peer)", "claimed": "\(claimed.prefix(64))"])
                send(.error(.invalidArgument, "this connection's key is registered to agent '\(peer)': it cannot act as '\(claimed.prefix(64))'",
                            sequence: message.sequence ?? 0), to: routingID)
                return
            }
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
        // One name, one process: a second process (another session) is refused while the first is alive.
        // The same session on a new connection is that process reconnecting, and supersedes its old one.
        if let previous = sessions[name], previous.routingID != routingID, previous.session != hello.session {
            metrics.helloRefusedNameInUse.increment()
            send(.error(.invalidArgument, "agent name '\(name)' is in use by another connected process; "
                        + "choose another name, or stop that process (its session ends within "
                        + "\(livenessMillis) ms of its last message)"), to: routingID)
            return
        }
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
}
