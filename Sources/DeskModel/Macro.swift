/// A macro: a named reply template and the actions that go with it, applied to a ticket in one commit.
///
/// The template is Mustache over the ticket, requester and agent fields (see `MacroTemplate` in
/// DeskAutomation, which checks and renders it). An empty template means the macro only acts.
public struct MacroDefinition: Sendable, Equatable, Codable {
    public var name: String
    public var description: String
    public var reply: String
    public var actions: MacroActions

    public init(name: String, description: String = "", reply: String = "", actions: MacroActions = MacroActions()) {
        self.name = name
        self.description = description
        self.reply = reply
        self.actions = actions
    }

    enum CodingKeys: String, CodingKey { case name, description, reply, actions }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        reply = try c.decodeIfPresent(String.self, forKey: .reply) ?? ""
        actions = try c.decodeIfPresent(MacroActions.self, forKey: .actions) ?? MacroActions()
    }
}

/// What a macro does besides replying. Fields apply in this order: status, priority, category, tags; then
/// at most one of escalate or resolve, which ends the lease.
public struct MacroActions: Sendable, Equatable, Codable {
    /// `in_progress`, `waiting_on_customer` or `pending_confirmation`.
    public var status: TicketStatus?
    public var priority: Priority?
    public var category: String?
    public var addTags: [String]?
    public var removeTags: [String]?
    public var escalate: Escalation?
    /// Resolves the ticket with this resolution text.
    public var resolve: String?

    public struct Escalation: Sendable, Equatable, Codable {
        public var tier: Int
        public var reason: String
        public var priority: Priority?
        public init(tier: Int, reason: String, priority: Priority? = nil) {
            self.tier = tier
            self.reason = reason
            self.priority = priority
        }
    }

    enum CodingKeys: String, CodingKey {
        case status, priority, category, addTags = "add_tags", removeTags = "remove_tags", escalate, resolve
    }

    public init(status: TicketStatus? = nil, priority: Priority? = nil, category: String? = nil, addTags: [String]? = nil,
                removeTags: [String]? = nil, escalate: Escalation? = nil, resolve: String? = nil) {
        self.status = status
        self.priority = priority
        self.category = category
        self.addTags = addTags
        self.removeTags = removeTags
        self.escalate = escalate
        self.resolve = resolve
    }

    /// The statuses a macro (or an agent's STATUS report) may set.
    public static let settableStatuses: [TicketStatus] = [.inProgress, .waitingOnCustomer, .pendingConfirmation]

    /// Checks the actions on their own; the error names the action.
    public func validate() throws(RuleError) {
        if let status, !Self.settableStatuses.contains(status) {
            throw RuleError("actions.status '\(status.rawValue)' cannot be set by a macro: use in_progress, "
                            + "waiting_on_customer or pending_confirmation (resolve with 'resolve')")
        }
        if let escalate {
            guard (1...3).contains(escalate.tier) else {
                throw RuleError("actions.escalate.tier must be 1 to 3, got \(escalate.tier)")
            }
            guard !escalate.reason.isEmpty else { throw RuleError("actions.escalate needs a reason") }
        }
        if escalate != nil && resolve != nil { throw RuleError("actions cannot both escalate and resolve") }
        if let resolve, resolve.isEmpty { throw RuleError("actions.resolve needs a resolution text") }
        if let category, category.count > 64 { throw RuleError("actions.category is over 64 characters") }
        for tag in (addTags ?? []) + (removeTags ?? []) where tag.isEmpty || tag.count > 64 {
            throw RuleError("tags must be 1 to 64 characters")
        }
    }

    /// Whether applying these actions ends the agent's lease.
    public var endsLease: Bool { escalate != nil || resolve != nil }
}
