/// A ticket as intake receives it, before the store gives it an id.
public struct NewTicket: Sendable, Equatable, Codable {
    public var subject: String
    public var body: String
    public var requester: String
    public var priority: Priority
    public var category: String
    public var channel: String
    public var tags: [String]
    public var idempotencyKey: String?
    /// The lowest tier allowed to work it; routing and escalation rules may raise it.
    public var tier: Int
    /// The skill routing requires; empty means any agent.
    public var skill: String
    /// The bot pool that claimed it (then its tier is 0), or empty.
    public var pool: String = ""
    /// What an intake escalation rule did to it, if one matched.
    public var escalation: IntakeEscalation?
    /// The SLA policy that covers it and its first due times, set by the coordinator's loop.
    public var sla: SLADue?
    /// The ticket type and its fields (as given until the coordinator checks them against its types).
    public var type: String = ""
    public var fields: [String: String] = [:]

    public init(
        subject: String, body: String, requester: String, priority: Priority = .default,
        category: String = "", channel: String = "api", tags: [String] = [],
        idempotencyKey: String? = nil, tier: Int = 1, skill: String = ""
    ) {
        self.subject = subject
        self.body = body
        self.requester = requester
        self.priority = priority
        self.category = category
        self.channel = channel
        self.tags = tags
        self.idempotencyKey = idempotencyKey
        self.tier = tier
        self.skill = skill
    }
}
