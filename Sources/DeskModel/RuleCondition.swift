/// The facts about a ticket that rule conditions look at.
public struct TicketFacts: Sendable {
    public var subject: String
    public var body: String
    public var requester: String
    public var priority: Priority
    public var category: String
    public var channel: String
    /// Subject and body in lower case, made on first use.
    private var loweredBytes: [UInt8]?

    public init(subject: String, body: String, requester: String, priority: Priority, category: String, channel: String) {
        self.subject = subject
        self.body = body
        self.requester = requester
        self.priority = priority
        self.category = category
        self.channel = channel
    }

    public init(_ ticket: NewTicket) {
        self.init(subject: ticket.subject, body: ticket.body, requester: ticket.requester, priority: ticket.priority,
                  category: ticket.category, channel: ticket.channel)
    }

    /// Subject and body, lower-cased once, as UTF-8 bytes. ASCII text (the common case) is folded byte
    /// by byte; other text goes through Unicode lower-casing.
    mutating func text() -> [UInt8] {
        if let loweredBytes { return loweredBytes }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(subject.utf8.count + body.utf8.count + 1)
        var ascii = true
        for part in [subject.utf8, "\n".utf8, body.utf8] {
            for byte in part {
                if byte >= 0x80 { ascii = false; break }
                bytes.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
            }
            if !ascii { break }
        }
        if !ascii { bytes = Array((subject + "\n" + body).lowercased().utf8) }
        loweredBytes = bytes
        return bytes
    }

    var requesterDomain: String { RequesterDomain.of(requester) }
}

/// Requester-domain matching, the same for rule conditions and SLA policies.
public enum RequesterDomain {
    /// The part of an address after the last `@`, in lower case; empty without one.
    public static func of(_ requester: String) -> String {
        guard let at = requester.lastIndex(of: "@") else { return "" }
        return requester[requester.index(after: at)...].lowercased()
    }

    /// A configured domain in the form `matches` expects: lower case, without a leading `@`.
    public static func normalised(_ domain: String) -> String {
        let lowered = domain.lowercased()
        return lowered.hasPrefix("@") ? String(lowered.dropFirst()) : lowered
    }

    /// Whether `domain` is one of `domains` (normalised) or a subdomain of one.
    public static func matches(_ domain: String, any domains: [String]) -> Bool {
        domains.contains { domain == $0 || domain.hasSuffix("." + $0) }
    }
}

/// When a rule applies: every field given must hold (an absent field always holds). Lists mean "any of".
///
/// Shared by the coordinator (intake escalation rules, bot claims) and the bot (which rule to run), so both
/// sides decide alike.
public struct RuleCondition: Sendable, Equatable, Codable {
    public var categories: [String]?
    public var priorities: [Priority]?
    public var channels: [String]?
    /// Any of these words or phrases, case-insensitive, in the subject or body.
    public var keywords: [String]?
    /// A regular expression searched in the subject and body (case-insensitive).
    public var regex: String?
    /// The requester's e-mail domain, or a parent domain of it.
    public var requesterDomains: [String]?

    enum CodingKeys: String, CodingKey {
        case categories, priorities, channels, keywords, regex, requesterDomains = "requester_domains"
    }

    public init(categories: [String]? = nil, priorities: [Priority]? = nil, channels: [String]? = nil,
                keywords: [String]? = nil, regex: String? = nil, requesterDomains: [String]? = nil) {
        self.categories = categories
        self.priorities = priorities
        self.channels = channels
        self.keywords = keywords
        self.regex = regex
        self.requesterDomains = requesterDomains
    }

    /// A condition with nothing in it would match every ticket; the loaders refuse it.
    public var isEmpty: Bool {
        categories == nil && priorities == nil && channels == nil && keywords == nil && regex == nil
            && requesterDomains == nil
    }

    /// Compiles the condition (its regular expression), or throws naming the problem.
    public func compiled() throws(RuleError) -> CompiledCondition { try CompiledCondition(self) }
}

/// A rule that cannot be used, with the reason.
public struct RuleError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A condition ready to test tickets: lists lower-cased, the regular expression compiled.
public struct CompiledCondition: @unchecked Sendable {
    // `Regex` is a value type whose storage is never mutated after compilation; it is shared read-only.
    public let source: RuleCondition
    let categories: Set<String>?
    let priorities: Set<Priority>?
    let channels: Set<String>?
    let keywords: [[UInt8]]?
    let regex: Regex<AnyRegexOutput>?
    let domains: [String]?

    init(_ condition: RuleCondition) throws(RuleError) {
        source = condition
        categories = condition.categories.map { Set($0.map { $0.lowercased() }) }
        priorities = condition.priorities.map(Set.init)
        channels = condition.channels.map { Set($0.map { $0.lowercased() }) }
        keywords = condition.keywords.map { $0.map { Array($0.lowercased().utf8) }.filter { !$0.isEmpty } }
        if keywords?.isEmpty == true { throw RuleError("keywords is an empty list") }
        domains = condition.requesterDomains.map { $0.map(RequesterDomain.normalised) }
        if let pattern = condition.regex {
            do {
                regex = try Regex(pattern).ignoresCase()
            } catch {
                throw RuleError("regex '\(pattern)' does not compile: \(error)")
            }
        } else {
            regex = nil
        }
    }

    /// Whether `facts` satisfies every field of the condition.
    public func matches(_ facts: inout TicketFacts) -> Bool {
        if let categories, !categories.contains(facts.category.lowercased()) { return false }
        if let priorities, !priorities.contains(facts.priority) { return false }
        if let channels, !channels.contains(facts.channel.lowercased()) { return false }
        if let domains, !RequesterDomain.matches(facts.requesterDomain, any: domains) { return false }
        if let keywords {
            let text = facts.text()
            if !keywords.contains(where: { Self.bytes(text, contain: $0) }) { return false }
        }
        if let regex {
            let text = facts.subject + "\n" + facts.body
            if (try? regex.firstMatch(in: text)) == nil { return false }
        }
        return true
    }
}

extension CompiledCondition {
    /// Whether `needle` occurs in `haystack`: a scan for the first byte, then a compare.
    static func bytes(_ haystack: [UInt8], contain needle: [UInt8]) -> Bool {
        let n = needle.count, last = haystack.count - n
        guard n > 0, last >= 0 else { return n == 0 }
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { k in
                let first = k[0]
                var i = 0
                while i <= last {
                    if h[i] == first {
                        var j = 1
                        while j < n && h[i + j] == k[j] { j += 1 }
                        if j == n { return true }
                    }
                    i += 1
                }
                return false
            }
        }
    }
}

/// An intake rule that escalates matching new tickets: to a tier, to a priority, with a reason.
public struct EscalationRule: Sendable, Equatable, Codable {
    public var when: RuleCondition
    public var tier: Int?
    public var priority: Priority?
    public var reason: String

    public init(when: RuleCondition, tier: Int? = nil, priority: Priority? = nil, reason: String) {
        self.when = when
        self.tier = tier
        self.priority = priority
        self.reason = reason
    }
}

/// Escalation settings: tier names and intake rules (first match wins).
public struct EscalationPolicy: Sendable {
    public var tierNames: [String]
    public let rules: [(rule: EscalationRule, condition: CompiledCondition)]

    public static let standardTierNames = ["bots", "L1", "L2", "engineering"]

    /// Shipped intake rules: complaints to L2, legal matters to engineering at P1 (management sits above
    /// L2 in most desks; configure your own), outages raised to P1 without leaving L1 so that a bot with a
    /// known-outage answer can still take them.
    public static let standardRules: [EscalationRule] = [
        EscalationRule(when: RuleCondition(keywords: ["complaint", "complain", "unacceptable"]), tier: 2, priority: .p2,
                       reason: "complaint"),
        EscalationRule(when: RuleCondition(keywords: ["legal", "lawyer", "lawsuit", "gdpr"]), tier: 3, priority: .p1,
                       reason: "legal"),
        EscalationRule(when: RuleCondition(keywords: ["outage", "is down", "service down"]), priority: .p1,
                       reason: "outage"),
    ]

    public init(tierNames: [String] = standardTierNames, rules: [EscalationRule] = standardRules) throws(RuleError) {
        guard tierNames.count == 4, tierNames.allSatisfy({ !$0.isEmpty }) else {
            throw RuleError("tiers needs four non-empty names, for tiers 0 to 3")
        }
        self.tierNames = tierNames
        var compiled: [(EscalationRule, CompiledCondition)] = []
        for (index, rule) in rules.enumerated() {
            guard !rule.when.isEmpty else { throw RuleError("escalation rule \(index + 1) has an empty 'when'") }
            if let tier = rule.tier, !(1...3).contains(tier) {
                throw RuleError("escalation rule \(index + 1) has tier \(tier); intake can escalate to tiers 1 to 3")
            }
            guard rule.tier != nil || rule.priority != nil else {
                throw RuleError("escalation rule \(index + 1) needs a tier or a priority")
            }
            guard !rule.reason.isEmpty else { throw RuleError("escalation rule \(index + 1) needs a reason") }
            do {
                compiled.append((rule, try rule.when.compiled()))
            } catch {
                throw RuleError("escalation rule \(index + 1): \(error)")
            }
        }
        self.rules = compiled
    }

    public static let standard: EscalationPolicy = {
        do { return try EscalationPolicy() } catch { fatalError("the shipped escalation rules are invalid: \(error)") }
    }()

    /// The name of `tier`, or the number when out of range.
    public func name(of tier: Int) -> String { tierNames.indices.contains(tier) ? tierNames[tier] : "\(tier)" }

    /// Applies the first matching rule to a new ticket: raises its tier and priority (never lowers them)
    /// and records why, for the history.
    public func apply(to ticket: inout NewTicket, facts: inout TicketFacts) {
        for (rule, condition) in rules where condition.matches(&facts) {
            let tier = max(ticket.tier, rule.tier ?? ticket.tier)
            let priority = min(ticket.priority, rule.priority ?? ticket.priority)
            guard tier != ticket.tier || priority != ticket.priority else { return }
            ticket.escalation = IntakeEscalation(reason: rule.reason, fromTier: ticket.tier, toTier: tier,
                                                 fromPriority: ticket.priority, toPriority: priority)
            ticket.tier = tier
            ticket.priority = priority
            return
        }
    }
}

/// What an intake escalation rule did to a new ticket, recorded as its `escalated` event.
public struct IntakeEscalation: Sendable, Equatable, Codable {
    public var reason: String
    public var fromTier: Int
    public var toTier: Int
    public var fromPriority: Priority
    public var toPriority: Priority

    public init(reason: String, fromTier: Int, toTier: Int, fromPriority: Priority, toPriority: Priority) {
        self.reason = reason
        self.fromTier = fromTier
        self.toTier = toTier
        self.fromPriority = fromPriority
        self.toPriority = toPriority
    }
}

/// What a pool of bots claims: new tickets matching any of the conditions go to that pool first.
public struct BotClaims: Sendable, Equatable, Codable {
    public var pool: String
    public var conditions: [RuleCondition]
    public init(pool: String, conditions: [RuleCondition]) {
        self.pool = pool
        self.conditions = conditions
    }

    /// The skill a pool's queue carries, which only that pool's bots hold.
    public static func skill(pool: String) -> String { "bot:" + pool }
}
