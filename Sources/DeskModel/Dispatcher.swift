/// Routing and leases, pure: which open ticket goes to which agent, and who holds what.
///
/// Tickets wait in one indexed heap per (skill, tier) queue key, in queue order. Each key has a pool:
/// an indexed heap of the connected, available agents eligible for it, least loaded first. A dispatch
/// decision looks at the head of each key that has both tickets and agents (the number of keys is
/// bounded by skills × tiers, not by tickets or agents) and costs O(keys + log n). Agents move between
/// pools in O(keys-of-agent × log n) when their load changes.
///
/// Nothing here does I/O: the coordinator's loop commits what these methods decide before telling
/// anyone. Times are passed in (`now`), so tests drive a clock by hand.
/// Its state is internal to the module only so that its files (`Dispatcher+Queues`, `+Stranded`,
/// `+Steering`) can share it; nothing else in DeskModel touches it.
public struct Dispatcher: Sendable {
    public internal(set) var tickets: [TicketID: OpenTicket] = [:]
    var queues: [QueueKey: IndexedHeap<TicketID, TicketOrder>] = [:]
    var pools: [QueueKey: IndexedHeap<String, AgentOrder>] = [:]
    var agents: [String: AgentSlot] = [:]
    /// Connected agents eligible for each key, available or not: whether anyone but a ticket's releaser
    /// could take it.
    var eligible: [QueueKey: Int] = [:]
    /// Stranded queues the loop has announced (their tickets have a `stranded` event), and tickets that
    /// joined one of them since the loop last asked.
    var announcedStranded: Set<QueueKey> = []
    var strandedArrivals: [TicketID] = []
    /// When the cooldowns of released tickets end (a multiset: the count of each instant).
    var cooldowns = Cooldowns()
    var waitingByPriority = [Int](repeating: 0, count: 5)

    public init() {}

    // MARK: - Reading

    /// Tickets waiting for an agent.
    public var queuedCount: Int { waitingByPriority.reduce(0, +) }
    /// The lease on `ticket`, if one is held.
    public func lease(of ticket: TicketID) -> Lease? {
        guard let open = tickets[ticket], let agent = open.assignee else { return nil }
        return Lease(ticket: ticket, agent: agent, epoch: open.epoch)
    }
    /// The tickets `agent` holds leases on.
    public func leases(of agent: String) -> [Lease] {
        (agents[agent]?.open ?? []).compactMap { lease(of: $0) }
    }
    /// Whether `agent` is known (connected, or holding leases from before a restart).
    public func knows(agent: String) -> Bool { agents[agent] != nil }
    public func isConnected(_ agent: String) -> Bool { agents[agent]?.connected ?? false }
    public func profile(of agent: String) -> AgentProfile? { agents[agent]?.profile }

    /// Checks that `agent` holds the lease on `ticket` under `epoch`.
    public func check(ticket: TicketID, epoch: Int64, agent: String) -> LeaseCheck {
        guard let open = tickets[ticket] else { return .unknownTicket }
        guard let holder = open.assignee else {
            return .stale("ticket \(ticket) has no lease now (epoch \(epoch) ended)")
        }
        guard holder == agent, open.epoch == epoch else {
            return .stale("lease epoch \(epoch) on ticket \(ticket) is stale; the current lease is epoch \(open.epoch)"
                          + (holder == agent ? "" : " held by another agent"))
        }
        return .valid(open)
    }

    // MARK: - Tickets

    /// Starts tracking an open ticket. Unassigned tickets join their queue; a ticket with an assignee
    /// (recovered from the store) keeps its lease, with the agent known but not connected until it says
    /// HELLO.
    public mutating func track(_ ticket: OpenTicket) {
        tickets[ticket.id] = ticket
        if let agent = ticket.assignee {
            if agents[agent] == nil {
                agents[agent] = AgentSlot(profile: AgentProfile(name: agent, skills: [], tier: 0, capacity: 0), connected: false)
            }
            agents[agent]?.open.insert(ticket.id)
        } else if ticket.status == .pendingAssignment {
            enqueue(ticket)
        }
    }

    mutating func enqueue(_ ticket: OpenTicket) {
        let key = ticket.key
        if queues[key] == nil { createKey(key) }
        queueUpsert(key, ticket.id, ticket.order)
        if announcedStranded.contains(key) { strandedArrivals.append(ticket.id) }
    }

    /// A new key: build its pool from the agents eligible for it. Happens once per (skill, tier) ever
    /// seen, so its scan of agents is off the hot path.
    mutating func createKey(_ key: QueueKey) {
        queues[key] = IndexedHeap()
        var pool = IndexedHeap<String, AgentOrder>()
        var count = 0
        for (name, slot) in agents where slot.profile.canWork(skill: key.skill, tier: key.tier) {
            agents[name]?.keys.append(key)
            if slot.connected { count += 1 }
            if slot.available { pool.upsert(name, order: slot.order) }
        }
        pools[key] = pool
        eligible[key] = count
    }

    /// Picks the next assignment, if any ticket waits that an available agent can take, and records the
    /// lease in memory with the next epoch. The caller commits it before sending it.
    public mutating func nextAssignment(now: Millis) -> (lease: Lease, ticket: OpenTicket)? {
        // Tickets set aside in this call because only their releaser could take them now.
        var deferred: [(key: QueueKey, id: TicketID, order: TicketOrder)] = []
        defer { for item in deferred { queueUpsert(item.key, item.id, item.order) } }
        while true {
            var best: (key: QueueKey, order: TicketOrder)?
            for (key, queue) in queues {
                guard let head = queue.first, let pool = pools[key], !pool.isEmpty else { continue }
                if let current = best, !(head.order < current.order) { continue }
                best = (key, head.order)
            }
            guard let (key, order) = best, let ticketID = queues[key]?.first?.key, let head = pools[key]?.first?.key,
                  let ticket = tickets[ticketID]
            else { return nil }
            guard let avoid = ticket.avoid, avoid.agent == head, now < avoid.until else {
                queuePop(key)
                return grant(ticketID, to: head, now: now)
            }
            // Its releaser is first in line: the next available agent takes it instead; if none is free but
            // another connected agent could take it, it waits for them (until the cooldown ends); if no one
            // else could, it goes back to the releaser.
            _ = pools[key]?.remove(head)
            let other = pools[key]?.first?.key
            if let slot = agents[head], slot.available { pools[key]?.upsert(head, order: slot.order) }
            if let other {
                queuePop(key)
                return grant(ticketID, to: other, now: now)
            }
            if (eligible[key] ?? 0) <= 1 {
                queuePop(key)
                return grant(ticketID, to: head, now: now)
            }
            queuePop(key)
            deferred.append((key, ticketID, order))
        }
    }

    /// Whether a released ticket's cooldown has ended since `since`, so a dispatch may now place it.
    public func cooldownEnded(between since: Millis, and now: Millis) -> Bool {
        cooldowns.contains { $0 > since && $0 <= now }
    }

    mutating func grant(_ ticketID: TicketID, to agent: String, now: Millis) -> (lease: Lease, ticket: OpenTicket)? {
        guard var ticket = tickets[ticketID] else { return nil }
        if let until = ticket.avoid?.until { cooldowns.remove(until) }
        ticket.avoid = nil
        ticket.epoch += 1
        ticket.assignee = agent
        ticket.status = .inProgress
        tickets[ticketID] = ticket
        agents[agent]?.open.insert(ticketID)
        agents[agent]?.lastAssignedAt = now
        reposition(agent)
        return (Lease(ticket: ticketID, agent: agent, epoch: ticket.epoch), ticket)
    }

    /// Ends the lease on `ticket` and puts the ticket back in the queue (release, expiry, escalation),
    /// optionally at a new tier or priority. The next assignment gets a new epoch.
    public mutating func requeue(_ ticket: TicketID, tier: Int? = nil, priority: Priority? = nil) {
        requeue(ticket, tier: tier, priority: priority, avoiding: nil)
    }

    /// A ticket its agent released: back in the queue, and kept from that agent until `until` as long as
    /// another connected agent could take it (issue 13, item 4).
    public mutating func release(_ ticket: TicketID, until: Millis) {
        guard let agent = tickets[ticket]?.assignee else { return }
        requeue(ticket, tier: nil, priority: nil, avoiding: OpenTicket.Avoid(agent: agent, until: until))
        cooldowns.insert(until)
    }

    mutating func requeue(_ ticket: TicketID, tier: Int?, priority: Priority?, avoiding: OpenTicket.Avoid?) {
        guard var open = tickets[ticket] else { return }
        if let until = open.avoid?.until { cooldowns.remove(until) }
        open.avoid = avoiding
        queueRemove(open.key, ticket)  // a queued ticket moving to another tier leaves its old queue
        if let agent = open.assignee {
            agents[agent]?.open.remove(ticket)
            reposition(agent)
            dropIfForgotten(agent)
        }
        open.assignee = nil
        open.status = .pendingAssignment
        if let tier { open.tier = tier }
        if let priority { open.priority = priority }
        tickets[ticket] = open
        enqueue(open)
    }

    /// Ends the lease on a ticket that waits on the customer without queueing it: it keeps its status and
    /// its epoch, and no one holds it until `resume`.
    public mutating func park(_ ticket: TicketID) {
        guard var open = tickets[ticket] else { return }
        if let agent = open.assignee {
            agents[agent]?.open.remove(ticket)
            reposition(agent)
            dropIfForgotten(agent)
        }
        open.assignee = nil
        tickets[ticket] = open
    }

    /// A queued ticket answered without a person (the knowledge bot's articles): it leaves its queue and
    /// waits on the customer with `status`, parked, until they answer (`resume`) or confirm (`finish`).
    /// False, and nothing changes, when it is not waiting in a queue (held, parked, resolved, unknown).
    public mutating func parkQueued(_ ticket: TicketID, status: TicketStatus) -> Bool {
        guard status.waitsOnCustomer, var open = tickets[ticket], open.assignee == nil, open.status == .pendingAssignment,
              queues[open.key]?.contains(ticket) == true else { return false }
        queueRemove(open.key, ticket)
        open.status = status
        tickets[ticket] = open
        return true
    }

    /// Whether `ticket` is parked: open, waiting on the customer, held by no one.
    public func isParked(_ ticket: TicketID) -> Bool {
        guard let open = tickets[ticket] else { return false }
        return open.assignee == nil && open.status.waitsOnCustomer
    }

    /// The customer answered on a parked ticket: it joins the queue.
    public mutating func resume(_ ticket: TicketID) {
        guard isParked(ticket) else { return }
        requeue(ticket)
    }

    /// Changes an open ticket's priority; a queued ticket moves to its new place in the queue.
    public mutating func setPriority(_ ticket: TicketID, _ priority: Priority) {
        guard var open = tickets[ticket] else { return }
        open.priority = priority
        tickets[ticket] = open
        if open.assignee == nil, queues[open.key]?.contains(ticket) == true { queueUpsert(open.key, ticket, open.order) }
    }

    /// The bot pools that have tickets waiting, with how many.
    public var waitingBotPools: [(pool: String, count: Int)] {
        queues.compactMap { key, queue in
            key.tier == 0 && key.skill.hasPrefix("bot:") && !queue.isEmpty ? (String(key.skill.dropFirst(4)), queue.count) : nil
        }
    }

    /// Takes every ticket waiting in `pool`'s queue out of it and returns their ids, for a hand-off to
    /// people. Costs the size of that queue, never all tickets.
    public mutating func drainBotPool(_ pool: String) -> [TicketID] {
        let key = QueueKey(skill: BotClaims.skill(pool: pool), tier: 0)
        var drained: [TicketID] = []
        while let head = queuePop(key) { drained.append(head) }
        return drained
    }

    /// The ticket is no longer open (resolved or closed): forget it and free its agent's slot.
    public mutating func finish(_ ticket: TicketID) {
        guard let open = tickets.removeValue(forKey: ticket) else { return }
        if let until = open.avoid?.until { cooldowns.remove(until) }
        queueRemove(open.key, ticket)
        if let agent = open.assignee {
            agents[agent]?.open.remove(ticket)
            reposition(agent)
            dropIfForgotten(agent)
        }
    }

    /// Records a status change that keeps the lease (waiting on customer, pending confirmation, back in
    /// progress).
    public mutating func setStatus(_ ticket: TicketID, _ status: TicketStatus) {
        tickets[ticket]?.status = status
    }

    // MARK: - Agents

    /// An agent said HELLO: it becomes available with its profile. Leases it already held (from before a
    /// reconnect or a coordinator restart) stay its own and count against its capacity.
    public mutating func connect(_ profile: AgentProfile) {
        let previous = agents[profile.name]
        for key in previous?.keys ?? [] {
            pools[key]?.remove(profile.name)
            if previous?.connected == true { eligible[key, default: 1] -= 1 }
        }
        var slot = AgentSlot(profile: profile, open: previous?.open ?? [], connected: true)
        slot.away = previous?.connected == true ? previous?.away ?? false : false
        slot.lastAssignedAt = previous?.lastAssignedAt ?? 0
        slot.keys = queues.keys.filter { profile.canWork(skill: $0.skill, tier: $0.tier) }
        for key in slot.keys {
            eligible[key, default: 0] += 1
            announcedStranded.remove(key)
        }
        agents[profile.name] = slot
        reposition(profile.name)
    }

    /// The agent is gone (said BYE, or missed its heartbeats): its leases end and its tickets go back to
    /// the queue, except those waiting on the customer (or on their confirmation): those are parked, still
    /// paused and unassigned, until the customer answers (`resume`). Returns the leases that ended, for the
    /// history; `tickets[lease.ticket]?.status` tells a parked one from a requeued one.
    @discardableResult
    public mutating func disconnect(_ agent: String) -> [Lease] {
        guard let slot = agents[agent] else { return [] }
        let ended = slot.open.compactMap { lease(of: $0) }
        for key in slot.keys {
            pools[key]?.remove(agent)
            if slot.connected { eligible[key, default: 1] -= 1 }
        }
        agents[agent]?.connected = false
        for lease in ended {
            if let status = tickets[lease.ticket]?.status, status.waitsOnCustomer {
                park(lease.ticket)
            } else {
                requeue(lease.ticket)
            }
        }
        agents.removeValue(forKey: agent)
        return ended.sorted { $0.ticket < $1.ticket }
    }

    /// Away stops new assignments and keeps the open ones; capacity changes take effect at once.
    public mutating func setAvailability(_ agent: String, away: Bool, capacity: Int? = nil) {
        agents[agent]?.away = away
        if let capacity { agents[agent]?.profile.capacity = capacity }
        reposition(agent)
    }

    /// Puts `agent` in (or takes it out of) the pools of its keys, by its current load.
    mutating func reposition(_ agent: String) {
        guard let slot = agents[agent] else { return }
        for key in slot.keys {
            if slot.available {
                pools[key]?.upsert(agent, order: slot.order)
            } else {
                pools[key]?.remove(agent)
            }
        }
    }

    /// A disconnected agent with no lease left is forgotten.
    mutating func dropIfForgotten(_ agent: String) {
        if let slot = agents[agent], !slot.connected, slot.open.isEmpty { agents.removeValue(forKey: agent) }
    }
}
