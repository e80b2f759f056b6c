import DeskAutomation
import DeskModel
import DeskProtocol

/// Turns a bot's rules into work plans: the first matching rule's actions, in order, each waiting for the
/// ACK of the one before. A refused step (an unknown macro, say) hands the ticket to people instead.
public struct BotPlanner: Sendable {
    public let rules: BotRules
    public init(rules: BotRules) { self.rules = rules }

    public func plan(for assign: WireAssign) -> WorkPlan {
        let view = assign.ticket
        let facts = TicketFacts(subject: view.subject, body: view.body, requester: view.requester,
                                priority: Priority(wire: view.priority) ?? .default, category: view.category,
                                channel: view.channel)
        guard let rule = rules.match(facts) else {
            return WorkPlan([(0, .accept), (0, Self.handoff("no rule of pool \(rules.pool) matched"))])
        }
        var steps: [(delaySeconds: Double, report: WorkPlan.Report)] = [(0, .accept)]
        for action in rule.actions { steps.append((0, Self.report(action, rule: rule.name))) }
        return WorkPlan(steps, fallback: Self.handoff("rule \(rule.name) could not finish"))
    }

    static func handoff(_ reason: String) -> WorkPlan.Report {
        .escalate(reason: "handed off by bot: \(reason)", tier: 1, priority: nil)
    }

    static func report(_ action: BotAction, rule: String) -> WorkPlan.Report {
        switch action {
        case .macro(let name): .applyMacro(name)
        case .reply(let body): .reply(body: body, macro: "")
        case .note(let body): .note(body)
        case .set(let priority, let category, let addTags, let removeTags):
            .update(priority: priority, category: category, addTags: addTags, removeTags: removeTags)
        case .status(let status): .status(status)
        case .escalate(let tier, let reason, let priority): .escalate(reason: reason, tier: UInt32(tier), priority: priority)
        case .resolve(let resolution): .resolve(resolution: resolution)
        case .handoff(let reason): handoff("\(rule): \(reason)")
        }
    }
}
