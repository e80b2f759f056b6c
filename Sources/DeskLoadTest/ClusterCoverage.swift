import DeskAutomation
import DeskModel
import Foundation
import Yams

/// Whether a cluster file can take every ticket its own rules send somewhere: for each place a ticket can
/// wait (a skill at a tier) that the coordinator's routing and intake escalation rules, the bots' rules and
/// the macros' escalations lead to, an agent or a person of the file that can work it; and no bot rule
/// that intake escalation puts out of the bots' reach.
///
/// Pure: it reads the files and judges, nothing runs. `desk cluster up` prints its findings as warnings,
/// and a test keeps the shipped example cluster free of them.
public struct ClusterCoverage: Sendable {
    /// Where a ticket waits: the skill it needs ("" for none) at the lowest tier that may work it.
    public struct Target: Hashable, Sendable, Comparable, CustomStringConvertible {
        public let skill: String
        public let tier: Int
        public static func < (a: Target, b: Target) -> Bool { (a.skill, a.tier) < (b.skill, b.tier) }
        public var description: String { "skill '\(skill.isEmpty ? "(none)" : skill)' at tier \(tier)" }
    }

    /// The parts of the coordinator's `--config` that decide where tickets go.
    struct RoutingConfig: Decodable {
        var routing: [RoutingRules.Rule]?
        var escalation: [EscalationRule]?
    }

    public let routing: RoutingRules
    public let escalation: [EscalationRule]
    public let bots: [BotRules]
    /// Tiers the macros escalate to.
    public let macroTiers: [Int]

    public init(routing: RoutingRules, escalation: [EscalationRule], bots: [BotRules], macroTiers: [Int] = []) {
        self.routing = routing
        self.escalation = escalation
        self.bots = bots
        self.macroTiers = macroTiers
    }

    /// The skills a ticket that `rule` matches can be routed to: when a keyword routing rule catches every
    /// ticket with the rule's keywords, only the skills of the routing rules up to it; otherwise any.
    func skills(reaching rule: RuleCondition?) -> Set<String> {
        var skills: Set<String> = []
        for routingRule in routing.rules {
            skills.insert(routingRule.skill)
            if let rule, rule.categories == nil, let words = rule.keywords, routingRule.category == nil,
               let catching = routingRule.keywords,
               words.allSatisfy({ word in catching.contains { word.lowercased().contains($0.lowercased()) } }) {
                return skills
            }
        }
        return skills.union([""])
    }

    /// Every place the rules can send a ticket to, with the rule that sends it there.
    public var targets: [Target: String] {
        var found: [Target: String] = [:]
        func add(_ skills: Set<String>, _ tier: Int, _ why: String) {
            for skill in skills where found[Target(skill: skill, tier: tier)] == nil { found[Target(skill: skill, tier: tier)] = why }
        }
        for rule in routing.rules { add([rule.skill], rule.tier ?? 1, "routing to \(rule.skill)") }
        add(skills(reaching: nil), 1, "intake (tier 1)")
        for rule in escalation {
            if let tier = rule.tier { add(skills(reaching: rule.when), tier, "intake rule '\(rule.reason)'") }
        }
        for bot in bots {
            for rule in bot.rules {
                for case .escalate(let tier, _, _) in rule.actions { add(skills(reaching: nil), tier, "bot rule '\(rule.name)'") }
            }
        }
        for tier in macroTiers { add(skills(reaching: nil), tier, "a macro's escalation") }
        return found
    }

    /// The problems of `agents` (sims, bots, staff and the file's people): targets nobody can work, and
    /// bot rules whose keywords intake escalation always takes past tier 1, where bots cannot claim.
    public func problems(agents: [ClusterFile.AgentSpec]) -> [String] {
        let workers = agents.filter { $0.mode != "bot" }
        var problems: [String] = []
        for (target, why) in targets.sorted(by: { $0.key < $1.key }) {
            let covered = workers.contains { agent in
                (agent.tier ?? 1) >= target.tier && (target.skill.isEmpty || (agent.skills ?? []).contains(target.skill))
            }
            if !covered { problems.append("no agent or person can take tickets needing \(target) (sent there by \(why))") }
        }
        let raising = escalation.filter { ($0.tier ?? 0) >= 2 && $0.when.keywords != nil && $0.when.categories == nil
            && $0.when.priorities == nil && $0.when.channels == nil && $0.when.requesterDomains == nil }
        for bot in bots {
            for rule in bot.rules {
                guard let words = rule.condition.source.keywords, !words.isEmpty else { continue }
                let dead = words.allSatisfy { word in
                    raising.contains { $0.when.keywords?.contains { word.lowercased().contains($0.lowercased()) } == true }
                }
                if dead { problems.append("bot rule '\(rule.name)' (pool \(bot.pool)) can never fire: intake escalates its keywords past tier 1") }
            }
        }
        return problems
    }

    /// Loads a cluster file, its coordinator config (the shipped rules where it has none), its bots' rules
    /// and its macros, relative to `root` (the directory the cluster runs from), and returns the problems.
    public static func check(clusterFile path: String, root: String) throws -> [String] {
        func resolve(_ file: String) -> String { file.hasPrefix("/") ? file : (root as NSString).appendingPathComponent(file) }
        let cluster = try ClusterFile.load(path: path)
        var routing = RoutingRules.standard
        var escalation = EscalationPolicy.standardRules
        if let config = cluster.coordinator.config {
            let text = try String(contentsOfFile: resolve(config), encoding: .utf8)
            let decoded = try YAMLDecoder().decode(RoutingConfig.self, from: text)
            if let rules = decoded.routing { routing = RoutingRules(rules) }
            if let rules = decoded.escalation { escalation = rules }
        }
        var bots: [BotRules] = []
        for agent in cluster.expandedAgents where agent.mode == "bot" {
            guard let rules = agent.rules else { continue }
            bots.append(try BotRules.parse(try String(contentsOfFile: resolve(rules), encoding: .utf8), file: rules))
        }
        var macroTiers: [Int] = []
        if let macros = cluster.coordinator.macros {
            let checked = try MacroFile.parse(try String(contentsOfFile: resolve(macros), encoding: .utf8), file: macros)
            macroTiers = checked.compactMap { $0.definition.actions.escalate?.tier }
        }
        let coverage = ClusterCoverage(routing: routing, escalation: escalation, bots: bots, macroTiers: macroTiers)
        return coverage.problems(agents: cluster.expandedAgents + (cluster.people ?? []))
    }
}
