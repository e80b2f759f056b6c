/// Who may do what: the roles of people and bots, the permissions the API checks, and the one table
/// that joins them. docs/SECURITY.md prints the same matrix; a test holds the two together.
public enum Role: String, Sendable, CaseIterable, Codable, Comparable {
    /// Users, tokens, agent keys and configuration (macros, SLA policies, bot rules), the audit log.
    case admin
    /// Everything an agent may do across all queues, plus steering (assigning, reopening) and reports.
    case lead
    /// Staff or a bot: the tickets of their queues and of their own leases.
    case agent
    /// Their own tickets only, matched by their verified e-mail address.
    case customer

    /// admin > lead > agent > customer.
    var rank: Int {
        switch self {
        case .admin: 3
        case .lead: 2
        case .agent: 1
        case .customer: 0
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    /// The permissions a principal of this role holds (before a token narrows them).
    public var permissions: Set<Permission> { Set(Permission.allCases.filter { $0.roles.contains(self) }) }

    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}

/// One thing an API caller may be allowed to do. Each route names exactly one; a token may carry a subset
/// of its owner's (its scopes).
public enum Permission: String, Sendable, CaseIterable, Codable {
    /// Create one ticket. Open to anyone (the portal's form, e-mail, chat): without a token the
    /// requests are rate-limited per client address and per requester; a customer creates as themself.
    case ticketsCreate = "tickets:create"
    /// Create many tickets in one request (imports, load tests).
    case ticketsImport = "tickets:import"
    /// Read a ticket, its conversation, and the ticket list — scoped: a customer their own, an agent their
    /// queues and leases, a lead or admin every ticket.
    case ticketsRead = "tickets:read"
    /// Post the customer's message on a ticket (a customer on their own; a delivery channel for any).
    case ticketsReply = "tickets:reply"
    /// Assign, reassign, change (priority, category, tier, tags) and reopen tickets.
    case ticketsSteer = "tickets:steer"
    /// The agents, with their state and load.
    case agentsRead = "agents:read"
    case macrosRead = "macros:read"
    case macrosWrite = "macros:write"
    case slaRead = "sla:read"
    case slaWrite = "sla:write"
    /// Read and acknowledge the outbox (the mail and chat gateways' scope).
    case outbox = "outbox"
    /// People: create, change role, disable.
    case usersManage = "users:manage"
    /// API tokens of anyone: create, list, revoke.
    case tokensManage = "tokens:manage"
    /// The agents' CURVE keys: register, list, revoke.
    case agentKeysManage = "agent-keys:manage"
    case auditRead = "audit:read"
    /// Write knowledge-base articles (import, edit, publish).
    case kbWrite = "kb:write"
    /// Draft an article from a resolved ticket's public answer (staff; publishing it needs `kb:write`).
    case kbDraft = "kb:draft"
    /// Read the measurements: the knowledge base's deflection and bot resolution rates, contributions.
    case reportsRead = "reports:read"

    /// The roles that hold this permission: the matrix.
    public var roles: Set<Role> {
        switch self {
        case .ticketsCreate, .ticketsRead: [.admin, .lead, .agent, .customer]
        case .ticketsReply: [.admin, .lead, .customer]
        case .ticketsImport, .ticketsSteer, .agentsRead, .kbWrite, .reportsRead: [.admin, .lead]
        case .macrosRead, .slaRead, .kbDraft: [.admin, .lead, .agent]
        case .macrosWrite, .slaWrite, .outbox, .usersManage, .tokensManage, .agentKeysManage, .auditRead: [.admin]
        }
    }

    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}

/// Who is asking: a person or bot account, with the permissions its credential carries.
public struct Principal: Sendable, Equatable {
    public let userID: Int64
    /// The account's name; staff act as the agent of the same name.
    public let name: String
    public let role: Role
    /// A customer's verified address (their tickets are those with this requester).
    public let email: String?
    /// Skills and tier of staff: the queues an agent sees.
    public let skills: Set<String>
    public let tier: Int
    /// The role's permissions, narrowed by the token's scopes.
    public let permissions: Set<Permission>
    /// What the credential is, for the audit log and for errors: `token desk_ab12cd34`.
    public let credential: String

    public init(userID: Int64, name: String, role: Role, email: String?, skills: Set<String>, tier: Int,
                scopes: Set<Permission>? = nil, credential: String) {
        self.userID = userID
        self.name = name
        self.role = role
        self.email = email
        self.skills = skills
        self.tier = tier
        self.permissions = scopes.map { $0.intersection(role.permissions) } ?? role.permissions
        self.credential = credential
    }

    public func holds(_ permission: Permission) -> Bool { permissions.contains(permission) }

    /// Whether this principal may see every ticket (lead, admin) rather than a scoped subset.
    public var seesAllTickets: Bool { role >= .lead }

    /// Whether a ticket is within this principal's reach: every ticket for a lead or admin; for an agent,
    /// the tickets of their queues (skill and tier) and those they hold; for a customer, their own.
    public func mayRead(requester: String, skill: String, tier: Int, assignee: String?) -> Bool {
        switch role {
        case .admin, .lead: true
        case .agent: assignee == name || (tier <= self.tier && (skill.isEmpty || skills.contains(skill)))
        case .customer: email.map { Self.sameAddress($0, requester) } ?? false
        }
    }

    /// E-mail addresses compare without case (their domain always, their local part in practice).
    public static func sameAddress(_ a: String, _ b: String) -> Bool {
        a.lowercased() == b.lowercased()
    }
}
