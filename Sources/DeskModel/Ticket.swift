/// Milliseconds since the Unix epoch, the one time unit of Desk's store and wire.
public typealias Millis = Int64

/// A ticket's identifier, assigned by the store on intake.
public typealias TicketID = Int64

/// A support ticket as the coordinator holds it.
public struct Ticket: Sendable, Equatable, Codable {
    public var id: TicketID
    public var subject: String
    public var body: String
    /// The customer's e-mail address.
    public var requester: String
    public var priority: Priority
    public var category: String
    /// Where it came from: `api`, `web`, `email`, `chat`, `bulk`.
    public var channel: String
    public var tags: [String]
    public var status: TicketStatus
    /// The lowest agent tier allowed to work it (0 bots, 1 L1, 2 L2, 3 engineering).
    public var tier: Int
    /// The skill an agent needs for it, from the routing rules; empty means any agent.
    public var skill: String
    /// The bot pool that claimed it at intake, or empty; it waits for that pool while its tier is 0.
    public var pool: String
    /// Its SLA policy and due times as last stored (nil when no policy covers it).
    public var sla: SLADue?
    /// The agent holding its lease, if any.
    public var assignee: String?
    /// The fencing token of the current (or last) lease; bumped on every new assignment.
    public var leaseEpoch: Int64
    public var idempotencyKey: String?
    public var createdAt: Millis
    public var updatedAt: Millis
    /// The ticket type and its fields (`TicketTypes`); empty for a ticket of no type.
    public var type: String = ""
    public var fields: [String: String] = [:]

    public init(
        id: TicketID, subject: String, body: String, requester: String,
        priority: Priority = .default, category: String = "", channel: String = "api",
        tags: [String] = [], status: TicketStatus = .new, tier: Int = 1, skill: String = "", pool: String = "",
        assignee: String? = nil, leaseEpoch: Int64 = 0, idempotencyKey: String? = nil,
        createdAt: Millis, updatedAt: Millis? = nil
    ) {
        self.id = id
        self.subject = subject
        self.body = body
        self.requester = requester
        self.priority = priority
        self.category = category
        self.channel = channel
        self.tags = tags
        self.status = status
        self.tier = tier
        self.skill = skill
        self.pool = pool
        self.sla = nil
        self.assignee = assignee
        self.leaseEpoch = leaseEpoch
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}
