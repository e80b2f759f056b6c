import DeskAutomation
import DeskModel
import Yams

extension Scenario {
    /// Open tickets put in through batch intake before the run starts (`preload: { open: 100000,
    /// category: backlog }`), in a category the spawned coordinator routes to a skill no pool has: they stay
    /// open for the whole run, so the coordinator carries a large store and a large SLA load while the
    /// scenario's own tickets flow past them. The audit checks they are all still there, open, and were
    /// never assigned; they are not part of "resolved exactly once".
    public struct Preload: Sendable, Equatable {
        /// How many open tickets.
        public var open: Int
        /// Their category, and the skill the harness's routing gives them.
        public var category: String
        public var priority: Priority

        public init(open: Int, category: String, priority: Priority = .p4) {
            self.open = open
            self.category = category
            self.priority = priority
        }
    }

    /// What a run must show besides the standard audit (`expect:`).
    public struct Expectations: Sendable, Equatable {
        /// No `lease_expired` event and no ticket assigned more than once: every agent stayed healthy
        /// through the faults, and no lease moved.
        public var noExpiry = false
        public init(noExpiry: Bool = false) { self.noExpiry = noExpiry }
    }

    /// Why an attached run cannot carry this scenario (the harness did not start that coordinator), or nil.
    public var attachRefusal: String? {
        for (at, fault) in faults {
            switch fault {
            case .killCoordinator:
                return "the scenario kills the coordinator at \(at) s, which an attached run cannot do "
                    + "(it did not start that coordinator and cannot restart it)"
            case .stallCoordinator:
                return "the scenario stops the coordinator (SIGSTOP) at \(at) s, which an attached run cannot do "
                    + "(it did not start that coordinator and has no process to signal)"
            case .replaceSLAPolicies:
                return "the scenario replaces the SLA policies at \(at) s, which an attached run must not do "
                    + "(stored policies outlive the run and win over that coordinator's own)"
            case .killAgents, .stallAgent:
                continue
            }
        }
        if preload != nil {
            return "the scenario preloads open tickets, which needs routing only the coordinator the harness starts has "
                + "(an attached coordinator's agents could take them)"
        }
        return nil
    }

    static func parsePreload(_ node: Node, _ scenario: Scenario, _ yaml: YAMLSource) throws(FileError) -> Preload {
        let f = try yaml.mapping(node, "preload", allowed: ["open", "category", "priority"])
        guard let openNode = f["open"], let categoryNode = f["category"] else {
            throw yaml.fail(node, "preload needs open (a ticket count) and category (one no pool has a skill for)")
        }
        let open = try yaml.int(openNode, "preload.open")
        guard (1...1_000_000).contains(open) else { throw yaml.fail(openNode, "preload.open must be 1 to 1000000, got \(open)") }
        let category = try yaml.string(categoryNode, "preload.category").lowercased()
        guard !category.isEmpty, category.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw yaml.fail(categoryNode, "preload.category must be a word (letters, digits, - and _)")
        }
        if let pool = scenario.pools.first(where: { $0.skills.map { $0.lowercased() }.contains(category) }) {
            throw yaml.fail(categoryNode, "preload.category '\(category)' is a skill of pool '\(pool.name)': its tickets would be worked")
        }
        if scenario.categories.contains(where: { $0.0.lowercased() == category && $0.1 > 0 }) {
            throw yaml.fail(categoryNode, "preload.category '\(category)' is in mix.category: the run's own tickets would never be worked")
        }
        let priority = try f["priority"].map { n throws(FileError) in try yaml.priority(n, "preload.priority") } ?? .p4
        return Preload(open: open, category: category, priority: priority)
    }

    static func parseExpectations(_ node: Node, _ scenario: Scenario, _ yaml: YAMLSource) throws(FileError) -> Expectations {
        let f = try yaml.mapping(node, "expect", allowed: ["no_expiry"])
        var expectations = Expectations()
        if let n = f["no_expiry"] {
            guard let value = n.scalar?.string, let flag = Bool(value.lowercased()) else {
                throw yaml.fail(n, "expect.no_expiry must be true or false")
            }
            if flag, let (at, _) = scenario.faults.first(where: { fault in
                switch fault.fault {
                case .killAgents, .stallAgent: true
                default: false
                } }) {
                throw yaml.fail(n, "expect.no_expiry cannot hold with the agent fault at \(at) s: killing or stalling an agent expires its leases")
            }
            expectations.noExpiry = flag
        }
        return expectations
    }

    /// The policy document's path: `replace_sla_policies: { file: F.json }`. Read when the run starts.
    static func parsePolicyFile(_ node: Node, _ yaml: YAMLSource) throws(FileError) -> String {
        let f = try yaml.mapping(node, "replace_sla_policies", allowed: ["file"])
        guard let fileNode = f["file"] else { throw yaml.fail(node, "replace_sla_policies needs file: the policies as JSON") }
        let path = try yaml.string(fileNode, "replace_sla_policies.file")
        guard path.hasSuffix(".json") else {
            throw yaml.fail(fileNode, "replace_sla_policies.file '\(path)' must be a .json file (the config's sla: section as JSON)")
        }
        return path
    }
}
