import DeskModel
import Yams

/// One step a bot takes on a ticket its rule matched.
public enum BotAction: Sendable, Equatable {
    case macro(String)
    case reply(String)
    case note(String)
    case set(priority: Priority?, category: String?, addTags: [String], removeTags: [String])
    case status(TicketStatus)
    case escalate(tier: Int, reason: String, priority: Priority?)
    case resolve(String)
    /// Hand the ticket to people: it leaves tier 0 for tier 1.
    case handoff(String)

    /// Whether the lease ends with this step.
    public var isFinal: Bool {
        switch self {
        case .escalate, .resolve, .handoff: true
        default: false
        }
    }
}

/// A bot rule: when the condition holds, take the actions in order.
public struct BotRule: Sendable {
    public let name: String
    public let line: Int
    public let condition: CompiledCondition
    public let actions: [BotAction]
}

/// A bot's rules file, checked line by line. First matching rule wins.
///
/// ```yaml
/// pool: helpdesk              # bots with the same pool share its queue
/// rules:
///   - name: password-reset
///     when: { category: account, keywords: [password, reset] }
///     then:
///       - macro: password-reset
///       - resolve: answered with the reset link
/// ```
public struct BotRules: Sendable {
    public let pool: String
    public let rules: [BotRule]

    static let conditionKeys = ["category", "priority", "channel", "keywords", "regex", "requester_domain"]
    static let actionKeys = ["macro", "reply", "note", "set", "status", "escalate", "resolve", "handoff"]

    /// The first rule whose condition holds for the ticket.
    public func match(_ facts: TicketFacts) -> BotRule? {
        var facts = facts
        return rules.first { $0.condition.matches(&facts) }
    }

    /// What the coordinator needs to route tickets to this pool: each rule's condition without its regex, in
    /// rule order. The coordinator runs no regex (a backtracking pattern on a long body would stall intake
    /// for everyone); it claims by the cheap fields, and the bot checks the regex itself on the claimed ticket
    /// (`match`), handing it to people when no rule holds whole.
    public var claims: BotClaims {
        BotClaims(pool: pool, conditions: rules.map { rule in
            var claim = rule.condition.source
            claim.regex = nil
            return claim
        })
    }

    public static func parse(_ text: String, file: String) throws(FileError) -> BotRules {
        let yaml = YAMLSource(file: file)
        let root = try yaml.root(text)
        let top = try yaml.mapping(root, "the rules file", allowed: ["pool", "rules"])
        let pool = try top["pool"].map { node throws(FileError) in try yaml.string(node, "pool") } ?? "bots"
        guard !pool.isEmpty, pool.count <= 48, pool.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw yaml.fail(top["pool"], "pool '\(pool)' must be 1 to 48 letters, digits, '-' or '_'")
        }
        guard let rulesNode = top["rules"] else { throw yaml.fail(root, "the rules file needs 'rules'") }
        let items = try yaml.sequence(rulesNode, "rules")
        guard !items.isEmpty else { throw yaml.fail(rulesNode, "rules is an empty list") }
        var rules: [BotRule] = []
        var seen: [String: Int] = [:]
        for item in items {
            let rule = try parseRule(item, yaml)
            if let first = seen[rule.name] { throw yaml.fail(item, "rule '\(rule.name)' is defined twice (first on line \(first))") }
            seen[rule.name] = rule.line
            rules.append(rule)
        }
        return BotRules(pool: pool, rules: rules)
    }

    static func parseRule(_ node: Node, _ yaml: YAMLSource) throws(FileError) -> BotRule {
        let fields = try yaml.mapping(node, "a rule", allowed: ["name", "when", "then"])
        guard let nameNode = fields["name"] else { throw yaml.fail(node, "a rule needs a name") }
        let name = try yaml.string(nameNode, "name")
        guard !name.isEmpty else { throw yaml.fail(nameNode, "a rule needs a non-empty name") }
        guard let when = fields["when"] else { throw yaml.fail(node, "rule '\(name)' needs 'when' (its conditions)") }
        guard let then = fields["then"] else { throw yaml.fail(node, "rule '\(name)' needs 'then' (its actions)") }
        let condition = try parseCondition(when, yaml, rule: name)
        let compiled: CompiledCondition
        do {
            compiled = try condition.compiled()
        } catch {
            throw yaml.fail(when, "rule '\(name)': \(error)")
        }
        let steps = try yaml.sequence(then, "then of rule '\(name)'")
        guard !steps.isEmpty else { throw yaml.fail(then, "rule '\(name)' has no actions") }
        var actions: [BotAction] = []
        for step in steps {
            if let last = actions.last, last.isFinal {
                throw yaml.fail(step, "rule '\(name)': nothing can follow \(Self.label(last)), which ends the bot's work on the ticket")
            }
            actions.append(try parseAction(step, yaml, rule: name))
        }
        guard actions.last?.isFinal == true else {
            throw yaml.fail(then, "rule '\(name)' must end with resolve, escalate or handoff, or the ticket would stay with the bot")
        }
        return BotRule(name: name, line: node.mark?.line ?? 0, condition: compiled, actions: actions)
    }

    static func parseCondition(_ node: Node, _ yaml: YAMLSource, rule: String) throws(FileError) -> RuleCondition {
        let fields = try yaml.mapping(node, "when of rule '\(rule)'", allowed: conditionKeys)
        var condition = RuleCondition()
        if let n = fields["category"] { condition.categories = try yaml.strings(n, "category") }
        if let n = fields["channel"] { condition.channels = try yaml.strings(n, "channel") }
        if let n = fields["keywords"] { condition.keywords = try yaml.strings(n, "keywords") }
        if let n = fields["requester_domain"] { condition.requesterDomains = try yaml.strings(n, "requester_domain") }
        if let n = fields["regex"] { condition.regex = try yaml.string(n, "regex") }
        if let n = fields["priority"] {
            var priorities: [Priority] = []
            for label in try yaml.strings(n, "priority") {
                guard let priority = Priority(label: label) else {
                    throw yaml.fail(n, "priority '\(label)' is not a priority: expected P1, P2, P3 or P4")
                }
                priorities.append(priority)
            }
            condition.priorities = priorities
        }
        guard !condition.isEmpty else { throw yaml.fail(node, "rule '\(rule)' has an empty 'when': it would take every ticket") }
        if condition.regex != nil, condition.categories == nil, condition.priorities == nil, condition.channels == nil,
           condition.keywords == nil, condition.requesterDomains == nil {
            throw yaml.fail(fields["regex"], "rule '\(rule)' has only a regex: the coordinator claims tickets for bots by "
                            + "keywords, category, priority, channel or requester_domain and runs no regex, so give the rule "
                            + "at least one of those; the bot then checks the regex itself on what it claims")
        }
        return condition
    }

    static func parseAction(_ node: Node, _ yaml: YAMLSource, rule: String) throws(FileError) -> BotAction {
        let fields = try yaml.mapping(node, "an action of rule '\(rule)'", allowed: actionKeys)
        guard fields.count == 1, let (kind, value) = fields.first else {
            throw yaml.fail(node, "each action of rule '\(rule)' is one 'kind: value' pair, e.g. '- resolve: done'")
        }
        func text(_ what: String) throws(FileError) -> String {
            let text = try yaml.string(value, what)
            guard !text.isEmpty else { throw yaml.fail(value, "rule '\(rule)': \(what) needs text") }
            return text
        }
        switch kind {
        case "macro": return .macro(try text("macro"))
        case "reply": return .reply(try text("reply"))
        case "note": return .note(try text("note"))
        case "resolve": return .resolve(try text("resolve"))
        case "handoff": return .handoff(try text("handoff"))
        case "status": return .status(try yaml.status(value, "status"))
        case "escalate":
            do {
                let e = try yaml.escalation(value, "escalate")
                return .escalate(tier: e.tier, reason: e.reason, priority: e.priority)
            } catch {
                throw FileError(file: error.file, line: error.line, "rule '\(rule)': \(error.message)")
            }
        default:  // set
            let s = try yaml.mapping(value, "set", allowed: ["priority", "category", "add_tags", "remove_tags"])
            guard !s.isEmpty else { throw yaml.fail(value, "rule '\(rule)': set names no field") }
            return .set(priority: try s["priority"].map { n throws(FileError) in try yaml.priority(n, "set.priority") },
                        category: try s["category"].map { n throws(FileError) in try yaml.string(n, "set.category") },
                        addTags: try s["add_tags"].map { n throws(FileError) in try yaml.strings(n, "set.add_tags") } ?? [],
                        removeTags: try s["remove_tags"].map { n throws(FileError) in try yaml.strings(n, "set.remove_tags") } ?? [])
        }
    }

    static func label(_ action: BotAction) -> String {
        switch action {
        case .escalate: "escalate"
        case .resolve: "resolve"
        case .handoff: "handoff"
        default: "an action"
        }
    }
}
