/// Rules that give a ticket the skill (and optionally the tier) it needs. First match wins.
public struct RoutingRules: Sendable, Equatable, Codable {
    /// One rule: a category and/or keywords (any of them, case-insensitive, in subject or body).
    public struct Rule: Sendable, Equatable, Codable {
        public var category: String?
        public var keywords: [String]?
        public var skill: String
        public var tier: Int?

        public init(category: String? = nil, keywords: [String]? = nil, skill: String, tier: Int? = nil) {
            self.category = category
            self.keywords = keywords
            self.skill = skill
            self.tier = tier
        }
    }

    public var rules: [Rule]
    public init(_ rules: [Rule] = []) { self.rules = rules }

    /// Shipped defaults: the category is the skill for the usual support areas.
    public static let standard = RoutingRules([
        Rule(category: "billing", skill: "billing"),
        Rule(category: "network", skill: "network"),
        Rule(category: "account", skill: "account"),
        Rule(category: "hardware", skill: "hardware"),
        Rule(keywords: ["invoice", "refund", "charge"], skill: "billing"),
        Rule(keywords: ["vpn", "wifi", "dns", "network"], skill: "network"),
        Rule(keywords: ["password", "login", "2fa", "locked out"], skill: "account"),
    ])

    /// Applies the first matching rule to `ticket` (its skill, and its tier when the rule names one). A
    /// ticket no rule matches needs no particular skill.
    public func route(_ ticket: NewTicket) -> NewTicket {
        var facts = TicketFacts(ticket)
        return route(ticket, facts: &facts)
    }

    /// The same, sharing `facts` (and so its one lower-casing of subject and body, made only when a
    /// keyword rule is reached) with the intake escalation rules that run next.
    public func route(_ ticket: NewTicket, facts: inout TicketFacts) -> NewTicket {
        var routed = ticket
        for rule in rules {
            if let category = rule.category, category.lowercased() != ticket.category { continue }
            if let keywords = rule.keywords {
                let text = facts.text()
                if !keywords.contains(where: { CompiledCondition.bytes(text, contain: Array($0.lowercased().utf8)) }) { continue }
            }
            if rule.category == nil && rule.keywords == nil { continue }
            routed.skill = rule.skill
            if let tier = rule.tier { routed.tier = tier }
            return routed
        }
        return routed
    }
}
