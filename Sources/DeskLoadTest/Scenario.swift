import DeskAutomation
import DeskModel
import Foundation
import Yams

/// A load-test scenario (`loadtest/scenarios/*.yaml`): how long, how tickets arrive and what they are,
/// who works them, and which faults strike when. Parsed node by node, so a bad file is refused with its
/// line and the reason.
public struct Scenario: Sendable {
    /// How tickets arrive. Rates are tickets per second.
    public enum Arrival: Sendable, Equatable {
        case poisson(rate: Double)
        case constant(rate: Double)
        /// `rate` outside bursts; `burstRate` for `burstSeconds` every `everySeconds`.
        case bursts(rate: Double, burstRate: Double, everySeconds: Double, burstSeconds: Double)
        /// From `from` to `to` tickets/s, linearly over the run.
        case ramp(from: Double, to: Double)
        /// A daily shape compressed into the run: `hourly` holds 24 relative weights, `peak` the rate at
        /// the heaviest hour.
        case daily(peak: Double, hourly: [Double])
    }

    public struct Pool: Sendable, Equatable {
        public var name: String
        public var count: Int
        public var skills: [String]
        public var tier: Int
        public var capacity: Int
        public var serviceTime: ServiceTime
    }

    public struct Bot: Sendable, Equatable {
        public var name: String
        public var count: Int
        public var rules: String
        public var macros: String?
    }

    public enum Fault: Sendable, Equatable {
        case killAgents(count: Int)
        case killCoordinator(restartAfterSeconds: Double)
        case stallAgent(seconds: Double)
        /// SIGSTOP of the coordinator, SIGCONT `seconds` later: the coordinator's own stall.
        case stallCoordinator(seconds: Double)
        /// `PUT /api/v1/sla/policies` with the JSON document in `file` (the config's `sla:` section).
        case replaceSLAPolicies(file: String)
    }

    public var name: String
    public var durationSeconds: Double
    public var seed: UInt64
    public var arrival: Arrival
    /// Weights by priority label, category and channel (normalised when drawn).
    public var priorities: [(Priority, Double)]
    public var categories: [(String, Double)]
    public var channels: [(String, Double)]
    /// Ticket body size in bytes: uniform between the two.
    public var bodyBytes: ClosedRange<Int>
    public var pools: [Pool]
    public var bots: [Bot]
    /// Faults by the second of the run they strike at.
    public var faults: [(atSeconds: Double, fault: Fault)]
    /// How long after the last arrival the run waits for the queue to drain.
    public var drainSeconds: Double
    /// The spawned coordinator's heartbeat interval (`--heartbeat-ms`; three missed ones end an agent's
    /// leases). Short by default so a killed agent's tickets move on quickly.
    public var heartbeatMs: Int = 500
    /// Open tickets put in before the run, in a category no pool works (`preload:`).
    public var preload: Preload?
    /// What the audit must also hold (`expect:`).
    public var expectations = Expectations()

    static let topKeys = ["name", "duration", "seed", "arrival", "mix", "body_bytes", "agents", "bots", "faults", "drain", "heartbeat",
                          "preload", "expect"]
    static let faultKinds = "kill_agents: N, kill_coordinator: {restart_after: 2s}, stall_agent: 5s, stall_coordinator: 5s, "
        + "replace_sla_policies: {file: F.json}"

    /// Reads and checks a scenario; the first problem is thrown with its line.
    public static func parse(_ text: String, file: String) throws(FileError) -> Scenario {
        let yaml = YAMLSource(file: file)
        let root = try yaml.root(text)
        let top = try yaml.mapping(root, "the scenario", allowed: topKeys)
        func need(_ key: String) throws(FileError) -> Node {
            guard let node = top[key] else { throw yaml.fail(root, "the scenario needs '\(key)'") }
            return node
        }
        let name = try top["name"].map { n throws(FileError) in try yaml.string(n, "name") }
            ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let duration = try seconds(try need("duration"), "duration", yaml)
        guard duration > 0, duration <= 7 * 86_400 else { throw yaml.fail(top["duration"], "duration must be above 0 and at most 7 days") }
        let seed = try top["seed"].map { n throws(FileError) in UInt64(try nonNegative(yaml.int(n, "seed"), n, "seed", yaml)) } ?? 1
        let arrival = try parseArrival(try need("arrival"), yaml)

        var priorities: [(Priority, Double)] = [(.p1, 1), (.p2, 2), (.p3, 5), (.p4, 2)]
        var categories: [(String, Double)] = [("billing", 1), ("network", 1), ("account", 1), ("hardware", 1)]
        var channels: [(String, Double)] = [("api", 1)]
        if let mix = top["mix"] {
            let fields = try yaml.mapping(mix, "mix", allowed: ["priority", "category", "channel"])
            if let n = fields["priority"] {
                priorities = try weights(n, "mix.priority", yaml).map { label, weight throws(FileError) in
                    guard let priority = Priority(label: label) else { throw yaml.fail(n, "mix.priority '\(label)' is not P1 to P4") }
                    return (priority, weight)
                }
            }
            if let n = fields["category"] { categories = try weights(n, "mix.category", yaml) }
            if let n = fields["channel"] { channels = try weights(n, "mix.channel", yaml) }
        }
        var bodyBytes = 200...600
        if let n = top["body_bytes"] {
            let parts = try yaml.string(n, "body_bytes").split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(parts.count), parts[0] >= 1, parts.last! >= parts[0], parts.last! <= 64 * 1024 else {
                throw yaml.fail(n, "body_bytes is a size or a range like 200-600 (1 to 65536 bytes)")
            }
            bodyBytes = parts[0]...parts.last!
        }

        var pools: [Pool] = []
        for item in try yaml.sequence(try need("agents"), "agents") {
            let f = try yaml.mapping(item, "an agent pool", allowed: ["name", "count", "skills", "tier", "capacity", "service_time"])
            guard let nameNode = f["name"] else { throw yaml.fail(item, "an agent pool needs a name") }
            let service = try f["service_time"].map { n throws(FileError) in
                let text = try yaml.string(n, "service_time")
                do { return try ServiceTime(parsing: text) } catch { throw yaml.fail(n, "service_time '\(text)' is not like 2s, exp:2s or lognormal:2s,0.5") }
            } ?? .exponential(meanSeconds: 1)
            let tier = try f["tier"].map { n throws(FileError) in try yaml.int(n, "tier") } ?? 1
            guard (1...3).contains(tier) else { throw yaml.fail(f["tier"], "an agent pool's tier is 1 to 3 (bots are tier 0: use bots)") }
            let count = try f["count"].map { n throws(FileError) in try yaml.int(n, "count") } ?? 1
            guard (1...5_000).contains(count) else { throw yaml.fail(f["count"], "count must be 1 to 5000") }
            let capacity = try f["capacity"].map { n throws(FileError) in try yaml.int(n, "capacity") } ?? 1
            guard (1...10_000).contains(capacity) else { throw yaml.fail(f["capacity"], "capacity must be 1 to 10000") }
            pools.append(Pool(name: try yaml.string(nameNode, "name"), count: count,
                              skills: try f["skills"].map { n throws(FileError) in try yaml.strings(n, "skills") } ?? [],
                              tier: tier, capacity: capacity, serviceTime: service))
        }
        guard !pools.isEmpty else { throw yaml.fail(top["agents"], "agents is an empty list") }

        var bots: [Bot] = []
        for item in try top["bots"].map({ n throws(FileError) in try yaml.sequence(n, "bots") }) ?? [] {
            let f = try yaml.mapping(item, "a bot", allowed: ["name", "count", "rules", "macros"])
            guard let nameNode = f["name"], let rules = f["rules"] else { throw yaml.fail(item, "a bot needs a name and a rules file") }
            let count = try f["count"].map { n throws(FileError) in try yaml.int(n, "count") } ?? 1
            guard (1...100).contains(count) else { throw yaml.fail(f["count"], "a bot's count must be 1 to 100") }
            bots.append(Bot(name: try yaml.string(nameNode, "name"), count: count, rules: try yaml.string(rules, "rules"),
                            macros: try f["macros"].map { n throws(FileError) in try yaml.string(n, "macros") }))
        }
        let names = pools.map(\.name) + bots.map(\.name)
        if let repeated = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw yaml.fail(top["agents"], "the name '\(repeated)' is used by two pools or bots")
        }

        var faults: [(Double, Fault)] = []
        for item in try top["faults"].map({ n throws(FileError) in try yaml.sequence(n, "faults") }) ?? [] {
            let f = try yaml.mapping(item, "a fault", allowed: ["at", "kill_agents", "kill_coordinator", "stall_agent", "stall_coordinator",
                                                                "replace_sla_policies"])
            guard let at = f["at"] else { throw yaml.fail(item, "a fault needs 'at' (seconds into the run)") }
            let when = try seconds(at, "at", yaml)
            guard when < duration else { throw yaml.fail(at, "a fault at \(when) s is after the run's \(duration) s") }
            let kinds = f.keys.filter { $0 != "at" }
            guard kinds.count == 1, let kind = kinds.first, let value = f[kind] else {
                throw yaml.fail(item, "a fault is one of " + faultKinds)
            }
            switch kind {
            case "kill_agents":
                let count = try yaml.int(value, "kill_agents")
                guard count >= 1, count <= pools.reduce(0, { $0 + $1.count }) else {
                    throw yaml.fail(value, "kill_agents must be 1 to the number of agents")
                }
                faults.append((when, .killAgents(count: count)))
            case "kill_coordinator":
                let k = try yaml.mapping(value, "kill_coordinator", allowed: ["restart_after"])
                faults.append((when, .killCoordinator(restartAfterSeconds: try k["restart_after"].map { n throws(FileError) in
                    try seconds(n, "restart_after", yaml) } ?? 1)))
            case "stall_coordinator":
                let length = try seconds(value, "stall_coordinator", yaml)
                guard length > 0, length <= 60 else { throw yaml.fail(value, "stall_coordinator must be above 0 and at most 60 s") }
                faults.append((when, .stallCoordinator(seconds: length)))
            case "replace_sla_policies":
                faults.append((when, .replaceSLAPolicies(file: try parsePolicyFile(value, yaml))))
            default:
                faults.append((when, .stallAgent(seconds: try seconds(value, "stall_agent", yaml))))
            }
        }
        faults.sort { $0.0 < $1.0 }
        let drain = try top["drain"].map { n throws(FileError) in try seconds(n, "drain", yaml) } ?? 30
        var scenario = Scenario(name: name, durationSeconds: duration, seed: seed, arrival: arrival, priorities: priorities,
                                categories: categories, channels: channels, bodyBytes: bodyBytes, pools: pools, bots: bots,
                                faults: faults, drainSeconds: drain)
        if let n = top["heartbeat"] {
            let value = try seconds(n, "heartbeat", yaml)
            guard (0.05...60).contains(value) else { throw yaml.fail(n, "heartbeat is 50ms to 60s, got \(value) s") }
            scenario.heartbeatMs = Int((value * 1000).rounded())
        }
        if let n = top["preload"] { scenario.preload = try parsePreload(n, scenario, yaml) }
        if let n = top["expect"] { scenario.expectations = try parseExpectations(n, scenario, yaml) }
        return scenario
    }

    static func parseArrival(_ node: Node, _ yaml: YAMLSource) throws(FileError) -> Arrival {
        let f = try yaml.mapping(node, "arrival", allowed: ["process", "rate", "burst_rate", "every", "burst_for", "from", "to",
                                                            "peak", "hourly"])
        guard let processNode = f["process"] else { throw yaml.fail(node, "arrival needs a process: poisson, constant, bursts, ramp or daily") }
        func rate(_ key: String) throws(FileError) -> Double {
            guard let n = f[key] else { throw yaml.fail(node, "arrival '\(try yaml.string(processNode, "process"))' needs \(key)") }
            guard let value = Double(try yaml.string(n, key)), value > 0, value <= 1_000_000 else {
                throw yaml.fail(n, "\(key) must be a rate above 0 (tickets per second)")
            }
            return value
        }
        switch try yaml.string(processNode, "process") {
        case "poisson": return .poisson(rate: try rate("rate"))
        case "constant": return .constant(rate: try rate("rate"))
        case "bursts":
            let every = try seconds(f["every"] ?? processNode, "every", yaml), length = try seconds(f["burst_for"] ?? processNode, "burst_for", yaml)
            guard f["every"] != nil, f["burst_for"] != nil, length > 0, length < every else {
                throw yaml.fail(node, "bursts need every and burst_for, with burst_for shorter than every")
            }
            return .bursts(rate: try rate("rate"), burstRate: try rate("burst_rate"), everySeconds: every, burstSeconds: length)
        case "ramp": return .ramp(from: try rate("from"), to: try rate("to"))
        case "daily":
            guard let hourlyNode = f["hourly"] else { throw yaml.fail(node, "a daily curve needs hourly: 24 weights") }
            let hourly = try yaml.strings(hourlyNode, "hourly").map { text throws(FileError) -> Double in
                guard let value = Double(text), value >= 0 else { throw yaml.fail(hourlyNode, "hourly weights are numbers ≥ 0") }
                return value
            }
            guard hourly.count == 24, hourly.contains(where: { $0 > 0 }) else { throw yaml.fail(hourlyNode, "hourly needs 24 weights, not all 0") }
            return .daily(peak: try rate("peak"), hourly: hourly)
        case let other:
            throw yaml.fail(processNode, "unknown arrival process '\(other)': expected poisson, constant, bursts, ramp or daily")
        }
    }

    static func seconds(_ node: Node, _ what: String, _ yaml: YAMLSource) throws(FileError) -> Double {
        let text = try yaml.string(node, what)
        guard let time = try? ServiceTime(parsing: text), case .constant(let value) = time else {
            throw yaml.fail(node, "\(what) '\(text)' is not a duration like 500ms, 30s, 5m")
        }
        return value
    }

    static func nonNegative(_ value: Int, _ node: Node, _ what: String, _ yaml: YAMLSource) throws(FileError) -> Int {
        guard value >= 0 else { throw yaml.fail(node, "\(what) must not be negative") }
        return value
    }

    static func weights(_ node: Node, _ what: String, _ yaml: YAMLSource) throws(FileError) -> [(String, Double)] {
        guard let mapping = node.mapping else { throw yaml.fail(node, "\(what) maps each value to a weight, like { P1: 1, P3: 5 }") }
        var result: [(String, Double)] = []
        for (key, value) in mapping {
            guard let name = key.scalar?.string, let weight = Double(value.scalar?.string ?? ""), weight >= 0 else {
                throw yaml.fail(value, "\(what) weights are numbers ≥ 0")
            }
            result.append((name, weight))
        }
        guard result.contains(where: { $0.1 > 0 }) else { throw yaml.fail(node, "\(what) needs a weight above 0") }
        return result
    }
}

/// A staffing target: "P1 90% within 30s" — that share of the priority's tickets (or "all") waits at
/// most that long for an agent.
public struct StaffingTarget: Sendable, Equatable, CustomStringConvertible {
    public var priority: String?
    public var share: Double
    public var withinMilliseconds: Double

    public init(parsing text: String) throws(RuleError) {
        let words = text.split(separator: " ").map(String.init)
        guard words.count == 4, words[2] == "within", words[1].hasSuffix("%"),
              let percent = Double(words[1].dropLast()), percent > 0, percent <= 100,
              let time = try? ServiceTime(parsing: words[3]), case .constant(let seconds) = time, seconds > 0 else {
            throw RuleError("target '\(text)' is not like \"P1 90% within 30s\" (or \"all 80% within 20s\")")
        }
        if words[0].lowercased() == "all" {
            priority = nil
        } else {
            guard let parsed = Priority(label: words[0]) else { throw RuleError("target '\(text)': '\(words[0])' is not P1 to P4 or all") }
            priority = parsed.label
        }
        share = percent / 100
        withinMilliseconds = seconds * 1000
    }

    public var description: String {
        "\(priority ?? "all") \(String(format: "%g", share * 100))% within \(String(format: "%g", withinMilliseconds / 1000))s"
    }
}
