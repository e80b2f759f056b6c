import DeskModel
import Foundation
import DeskAutomation

/// The coordinator's `--config` YAML file: routing rules, response targets and heartbeat settings.
///
/// ```yaml
/// heartbeat_ms: 1000
/// liveness: 3
/// first_response: { P1: 15m, P2: 1h, P3: 4h, P4: 8h }
/// routing:
///   - { category: billing, skill: billing }
///   - { keywords: [vpn, dns], skill: network }
/// tiers: [bots, L1, L2, engineering]
/// escalation:             # intake rules, first match wins; replace the shipped complaint/legal/outage rules
///   - { when: { keywords: [complaint] }, tier: 2, priority: P2, reason: complaint }
/// ```
public struct CoordinatorConfigFile: Decodable, Sendable {
    public var heartbeatMs: Int?
    public var liveness: Int?
    public var firstResponse: [String: String]?
    public var routing: [RoutingRules.Rule]?
    public var tiers: [String]?
    public var escalation: [EscalationRule]?
    var sla: SLAConfigFile?
    /// `release_cooldown: 60s`: how long a released ticket is kept from the agent that released it.
    public var releaseCooldown: String?
    var stranded: StrandedSection?
    /// `ticket_types:` replaces the standard types (incident, question, access request, feature request).
    var ticketTypes: [TicketTypeSection]?

    enum CodingKeys: String, CodingKey {
        case heartbeatMs = "heartbeat_ms", liveness, firstResponse = "first_response", routing, tiers, escalation, sla
        case releaseCooldown = "release_cooldown", stranded, ticketTypes = "ticket_types"
    }

    /// The ticket types, nil where the file is silent (the standard ones then).
    public func ticketTypes(path: String = "config") throws -> TicketTypes? {
        guard let ticketTypes else { return nil }
        let types = TicketTypes(ticketTypes.map { section in
            TicketType(name: section.name, label: section.label ?? section.name, description: section.description ?? "",
                       fields: (section.fields ?? []).map { field in
                           TicketField(name: field.name, label: field.label ?? field.name, required: field.required ?? true,
                                       kind: field.kind ?? (field.choices == nil ? "text" : "choice"), choices: field.choices ?? [], help: field.help ?? "")
                       })
        })
        do { try types.validate() } catch { throw ConfigError("\(path): \(error.message)") }
        return types
    }

    /// The release cooldown in milliseconds, nil where the file is silent.
    public func releaseCooldownMillis(path: String = "config") throws -> Millis? {
        guard let text = releaseCooldown else { return nil }
        guard let millis = TargetDuration.millis(text) else { throw ConfigError("\(path): " + TargetDuration.problem(text, field: "release_cooldown")) }
        return millis
    }

    /// The stranded-queue policy, the standard one where the file is silent.
    public func strandedPolicy(path: String = "config") throws -> StrandedPolicy {
        try stranded?.policy(path: path) ?? .standard
    }

    /// The SLA policies: the file's own first, then the defaults (with this file's first-response targets).
    public func slaPolicies(path: String = "config") throws -> [SLAPolicy] {
        let defaults = SLAPolicy.defaults(firstResponse: try responseTargets(path: path))
        guard let sla else { return defaults }
        do {
            return try sla.policies(defaults: defaults)
        } catch {
            throw ConfigError("\(path): \(error)")
        }
    }

    /// Tier names and intake escalation rules, the shipped ones where the file is silent.
    public func escalationPolicy(path: String = "config") throws -> EscalationPolicy {
        do {
            return try EscalationPolicy(tierNames: tiers ?? EscalationPolicy.standardTierNames,
                                        rules: escalation ?? EscalationPolicy.standardRules)
        } catch {
            throw ConfigError("\(path): \(error)")
        }
    }

    /// Reads and checks a config file; errors name the file, the line where YAML says, and the problem.
    public static func load(path: String) throws -> CoordinatorConfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError("\(path): cannot read the file")
        }
        let file: CoordinatorConfigFile
        do {
            file = try YAMLSource(file: path).decodeStrictly(CoordinatorConfigFile.self, from: text)
        } catch {
            throw ConfigError(error.description)
        }
        if let ms = file.heartbeatMs, !(10...60_000).contains(ms) {
            throw ConfigError("\(path): heartbeat_ms must be 10 to 60000, got \(ms)")
        }
        if let liveness = file.liveness, !(1...100).contains(liveness) {
            throw ConfigError("\(path): liveness must be 1 to 100, got \(liveness)")
        }
        for (index, rule) in (file.routing ?? []).enumerated() {
            if rule.category == nil && rule.keywords == nil {
                throw ConfigError("\(path): routing rule \(index + 1) needs a category or keywords")
            }
            if let tier = rule.tier, !(0...3).contains(tier) {
                throw ConfigError("\(path): routing rule \(index + 1) has tier \(tier); tiers are 0 to 3")
            }
        }
        _ = try file.responseTargets(path: path)
        _ = try file.escalationPolicy(path: path)
        _ = try file.slaPolicies(path: path)
        _ = try file.releaseCooldownMillis(path: path)
        _ = try file.strandedPolicy(path: path)
        _ = try file.ticketTypes(path: path)
        return file
    }

    /// The first-response targets, defaults where the file is silent.
    public func responseTargets(path: String = "config") throws -> ResponseTargets {
        var targets = ResponseTargets.standard
        for (label, text) in firstResponse ?? [:] {
            guard let priority = Priority(label: label) else {
                throw ConfigError("\(path): first_response names unknown priority '\(label)'")
            }
            guard let millis = TargetDuration.millis(text) else {
                throw ConfigError("\(path): " + TargetDuration.problem(text, field: "first_response \(label)"))
            }
            targets.firstResponse[priority] = millis
        }
        return targets
    }
}

/// A configuration file that cannot be used, with the reason.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One ticket type as the config file gives it.
struct TicketTypeSection: Decodable, Sendable {
    var name: String
    var label: String?
    var description: String?
    var fields: [Field]?

    struct Field: Decodable, Sendable {
        var name: String
        var label: String?
        var required: Bool?
        var kind: String?
        var choices: [String]?
        var help: String?
    }
}
