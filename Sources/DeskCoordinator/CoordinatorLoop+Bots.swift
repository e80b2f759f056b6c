import DeskAutomation
import DeskModel
import DeskProtocol
import Foundation

extension CoordinatorLoop {
    /// A bot's HELLO claims: `{"pool": NAME, "conditions": [...]}`, compiled. Throws naming the problem.
    static func decodeClaims(_ hello: WireHello) throws -> (pool: String, conditions: [CompiledCondition]) {
        guard hello.tier == 0 else { throw RuleError("only tier-0 agents (bots) may claim tickets, this one is tier \(hello.tier)") }
        guard hello.claims.utf8.count <= 256 * 1024 else { throw RuleError("over 256 KiB") }
        let claims: BotClaims
        do {
            claims = try JSONDecoder().decode(BotClaims.self, from: Data(hello.claims.utf8))
        } catch {
            throw RuleError("not valid claims JSON: \(APIError.describing(error).message)")
        }
        guard !claims.pool.isEmpty, claims.pool.count <= 48 else { throw RuleError("pool must be 1 to 48 characters") }
        guard !claims.conditions.isEmpty, claims.conditions.count <= 1000 else { throw RuleError("1 to 1000 conditions needed") }
        var compiled: [CompiledCondition] = []
        for (index, condition) in claims.conditions.enumerated() {
            guard !condition.isEmpty else { throw RuleError("condition \(index + 1) is empty and would claim every ticket") }
            // A regex would run on this serial loop for every new ticket, against up to 100,000 characters of
            // body: one backtracking pattern from anything that reaches the agent port could freeze intake.
            guard condition.regex == nil else {
                throw RuleError("condition \(index + 1) has a regex; claims may not carry one (the coordinator runs no regex "
                                + "on intake): claim by keywords, categories, priorities, channels or requester_domains, "
                                + "and check the regex in the bot after the claim")
            }
            do {
                compiled.append(try condition.compiled())
            } catch {
                throw RuleError("condition \(index + 1): \(error)")
            }
        }
        return (claims.pool, compiled)
    }

    /// Tickets waiting for a bot pool that has had no connected bot for a liveness period go to people
    /// (tier 1), each with an `escalated` event naming why. Costs the number of queues, plus the tickets
    /// moved.
    func handOffOrphanedPools() {
        let now = currentMillis()
        var moved = false
        for (pool, _) in dispatcher.waitingBotPools {
            let since = botPools[pool].map { $0.members.isEmpty ? $0.emptySince : Millis.max } ?? startedAt
            guard since != Millis.max, now - since >= livenessMillis else { continue }
            let drained = dispatcher.drainBotPool(pool)
            moved = true
            let reason = "no bot of pool \(pool) connected"
            let events: [TicketEvent] = drained.map { id in
                dispatcher.requeue(id, tier: 1)
                return TicketEvent.escalated(id, at: now, actor: "system", fromTier: 0, toTier: 1, toTierName: nil, reason: reason,
                                             rule: "handoff")
            }
            logger.info("bot pool unattended: tickets handed to people", metadata: ["pool": "\(pool)", "tickets": "\(events.count)"])
            let inputs = self.inputs
            store.writer.submit({ db in
                for event in events { try db.handOff(event.ticketID, toTier: 1, event: event) }
            }) { result in
                switch result {
                case .success: inputs.yield(.committed(.publish(events)))
                case .failure(let error): inputs.yield(.committed(.failed("hand-off of pool \(pool): \(error)")))
                }
            }
        }
        if moved { dispatch() }
    }
}
