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
    /// The queue itself, without its count: a key that stays the same while tickets come and go.
    public var place: QueueName { QueueName(skill: skill, tier: tier) }
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
