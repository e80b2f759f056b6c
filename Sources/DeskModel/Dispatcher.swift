/// What the dispatcher knows of an agent: who it is and what it may take.
public struct AgentProfile: Sendable, Equatable {
    public var name: String
    public var skills: Set<String>
    /// 0 bots, 1 L1, 2 L2, 3 engineering.
    public var tier: Int
    /// Most open leases at once.
    public var capacity: Int

    public init(name: String, skills: Set<String>, tier: Int = 1, capacity: Int = 1) {
        self.name = name
        self.skills = skills
        self.tier = tier
        self.capacity = capacity
    }

    /// Whether this agent may work a ticket that needs `skill` at `tier`.
    public func canWork(skill: String, tier ticketTier: Int) -> Bool {
        tier >= ticketTier && (skill.isEmpty || skills.contains(skill))
    }
}

/// A lease: `agent` may work `ticket` while `epoch` is the ticket's current one.
public struct Lease: Sendable, Equatable, Hashable {
    public var ticket: TicketID
    public var agent: String
    public var epoch: Int64
    public init(ticket: TicketID, agent: String, epoch: Int64) {
        self.ticket = ticket
        self.agent = agent
        self.epoch = epoch
    }
}

/// An open ticket as the dispatcher tracks it: only what routing and leases need, never the text.
public struct OpenTicket: Sendable, Equatable {

    public var id: TicketID
    public var priority: Priority
    public var tier: Int
    public var skill: String
    /// The bot pool that claimed it; while its tier is 0 it waits in that pool's queue.
    public var pool: String
    /// When it should be answered by; the queue's second key (earliest first).
    public var dueAt: Millis
    public var createdAt: Millis
    public var status: TicketStatus
    /// The current (or last) lease epoch.
    public var epoch: Int64
    public var assignee: String?
    /// The agent that released it, kept from taking it again until `until` while someone else can.
    public var avoid: Avoid?
    public struct Avoid: Sendable, Equatable {
        public var agent: String
        public var until: Millis
    }

    public init(
        id: TicketID, priority: Priority, tier: Int, skill: String, dueAt: Millis, createdAt: Millis,
        status: TicketStatus = .pendingAssignment, epoch: Int64 = 0, assignee: String? = nil, pool: String = ""
    ) {
        self.pool = pool
        self.id = id
        self.priority = priority
        self.tier = tier
        self.skill = skill
        self.dueAt = dueAt
        self.createdAt = createdAt
        self.status = status
        self.epoch = epoch
        self.assignee = assignee
    }

    var order: TicketOrder { TicketOrder(priority: priority.rawValue, dueAt: dueAt, createdAt: createdAt, id: id) }
    var key: QueueKey {
        tier == 0 && !pool.isEmpty ? QueueKey(skill: BotClaims.skill(pool: pool), tier: 0) : QueueKey(skill: skill, tier: tier)
    }
}

/// A queue as the coordinator names it: a skill at a tier, and how many tickets wait in it.
public struct QueueName: Sendable, Equatable, Hashable {
    public var skill: String
    public var tier: Int
    public var waiting: Int
    public init(skill: String, tier: Int, waiting: Int = 0) {
        self.skill = skill
        self.tier = tier
        self.waiting = waiting
    }
}

/// A queue: the tickets that need one skill at one tier.
struct QueueKey: Hashable, Sendable {
    var skill: String
    var tier: Int
}

/// Queue order: priority, then due time, then age, then id (stable).
struct TicketOrder: Comparable, Sendable {
    var priority: Int
    var dueAt: Millis
    var createdAt: Millis
    var id: TicketID
    static func < (a: TicketOrder, b: TicketOrder) -> Bool {
        (a.priority, a.dueAt, a.createdAt, a.id) < (b.priority, b.dueAt, b.createdAt, b.id)
    }
}

/// Agent order within a pool: least loaded by ratio, then longest idle, then name (stable).
struct AgentOrder: Comparable, Sendable {
    var open: Int
    var capacity: Int
    var lastAssignedAt: Millis
    var name: String
    static func < (a: AgentOrder, b: AgentOrder) -> Bool {
        let left = a.open * b.capacity, right = b.open * a.capacity
        if left != right { return left < right }
        if a.lastAssignedAt != b.lastAssignedAt { return a.lastAssignedAt < b.lastAssignedAt }
        return a.name < b.name
    }
}

/// The dispatcher's agent record.
struct AgentSlot: Sendable {
    var profile: AgentProfile
    var open: Set<TicketID> = []
    var connected: Bool
    var away = false
    var lastAssignedAt: Millis = 0
    /// The queue keys this agent is eligible for (and so sits in the pool of, when it has room).
    var keys: [QueueKey] = []

    var available: Bool { connected && !away && open.count < profile.capacity }
    var order: AgentOrder {
        AgentOrder(open: open.count, capacity: profile.capacity, lastAssignedAt: lastAssignedAt, name: profile.name)
    }
}

/// Why a report's lease was refused.
public enum LeaseCheck: Equatable, Sendable {
    case valid(OpenTicket)
    case unknownTicket
    case stale(String)
}

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
public struct Dispatcher: Sendable {
    public internal(set) var tickets: [TicketID: OpenTicket] = [:]
    private var queues: [QueueKey: IndexedHeap<TicketID, TicketOrder>] = [:]
    private var pools: [QueueKey: IndexedHeap<String, AgentOrder>] = [:]
    var agents: [String: AgentSlot] = [:]
    /// Connected agents eligible for each key, available or not: whether anyone but a ticket's releaser
    /// could take it.
    private var eligible: [QueueKey: Int] = [:]
    /// Stranded queues the loop has announced (their tickets have a `stranded` event), and tickets that
    /// joined one of them since the loop last asked.
    private var announcedStranded: Set<QueueKey> = []
    private var strandedArrivals: [TicketID] = []
    /// When the cooldowns of released tickets end (a multiset: the count of each instant).
    private var cooldowns = Cooldowns()
    private var waitingByPriority = [Int](repeating: 0, count: 5)

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

    private mutating func enqueue(_ ticket: OpenTicket) {
        let key = ticket.key
        if queues[key] == nil { createKey(key) }
        queueUpsert(key, ticket.id, ticket.order)
        if announcedStranded.contains(key) { strandedArrivals.append(ticket.id) }
    }

    /// A new key: build its pool from the agents eligible for it. Happens once per (skill, tier) ever
    /// seen, so its scan of agents is off the hot path.
    private mutating func createKey(_ key: QueueKey) {
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

    private mutating func requeue(_ ticket: TicketID, tier: Int?, priority: Priority?, avoiding: OpenTicket.Avoid?) {
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

    // MARK: - Queue bookkeeping: every change of a queue goes through these, so the counts per priority
    // stay exact at O(1) per change.

    /// Tickets waiting, by priority (index 1 … 4 for P1 … P4).
    public var queuedByPriority: [Int] { waitingByPriority }

    private mutating func queueUpsert(_ key: QueueKey, _ id: TicketID, _ order: TicketOrder) {
        if let old = queues[key]?.order(of: id) { waitingByPriority[old.priority] -= 1 }
        queues[key]?.upsert(id, order: order)
        waitingByPriority[order.priority] += 1
    }

    @discardableResult
    private mutating func queuePop(_ key: QueueKey) -> TicketID? {
        guard let head = queues[key]?.popFirst() else { return nil }
        waitingByPriority[head.order.priority] -= 1
        return head.key
    }

    mutating func queueRemove(_ key: QueueKey, _ id: TicketID) {
        guard let order = queues[key]?.order(of: id) else { return }
        _ = queues[key]?.remove(id)
        waitingByPriority[order.priority] -= 1
    }

    // MARK: - Stranded queues

    /// Queues with tickets waiting that no connected agent could take (no one with the skill at or above
    /// the tier), bot pools aside. Costs the number of queue keys, never the tickets.
    public var strandedQueues: [QueueName] {
        queues.compactMap { key, queue in
            guard !queue.isEmpty, (eligible[key] ?? 0) == 0, !(key.tier == 0 && key.skill.hasPrefix("bot:")) else { return nil }
            return QueueName(skill: key.skill, tier: key.tier, waiting: queue.count)
        }.sorted { ($0.tier, $0.skill) < ($1.tier, $1.skill) }
    }

    /// Marks a stranded queue announced and returns the tickets waiting in it; tickets joining it later
    /// come from `takeStrandedArrivals` until someone who can take them connects.
    public mutating func announceStranded(_ queue: QueueName) -> [TicketID] {
        let key = QueueKey(skill: queue.skill, tier: queue.tier)
        announcedStranded.insert(key)
        return queues[key]?.keys ?? []
    }

    /// The queue is no longer stranded (it emptied, or someone who can take it connected).
    public mutating func clearStranded(_ queue: QueueName) {
        announcedStranded.remove(QueueKey(skill: queue.skill, tier: queue.tier))
    }

    public mutating func takeStrandedArrivals() -> [TicketID] {
        defer { strandedArrivals = [] }
        return strandedArrivals.filter { id in tickets[id].map { announcedStranded.contains($0.key) && $0.assignee == nil } ?? false }
    }

    /// Whether a connected agent could take a ticket needing `skill` at `tier`. Asked only when a stranded
    /// queue falls back, so its scan of agents is off the hot path when the queue does not exist yet.
    public func isStaffed(skill: String, tier: Int) -> Bool {
        let key = QueueKey(skill: skill, tier: tier)
        if queues[key] != nil { return (eligible[key] ?? 0) > 0 }
        return agents.values.contains { $0.connected && $0.profile.canWork(skill: skill, tier: tier) }
    }

    /// Moves a queued ticket to another skill and tier (a stranded queue's fallback).
    public mutating func reroute(_ ticket: TicketID, skill: String, tier: Int) {
        guard var open = tickets[ticket], open.assignee == nil else { return }
        queueRemove(open.key, ticket)
        open.skill = skill
        open.tier = tier
        tickets[ticket] = open
        enqueue(open)
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
    private mutating func reposition(_ agent: String) {
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
    private mutating func dropIfForgotten(_ agent: String) {
        if let slot = agents[agent], !slot.connected, slot.open.isEmpty { agents.removeValue(forKey: agent) }
    }
}
