import DeskModel
import Foundation
import Synchronization

/// The `sla:` section of the coordinator's config file.
///
/// ```yaml
/// sla:
///   calendars:
///     office: { timezone: Europe/Berlin, hours: { mon-fri: "09:00-17:00" }, holidays: [2026-12-25] }
///   policies:                      # first match wins; the shipped P1–P4 defaults follow unless defaults: false
///     - name: vip-billing
///       when: { priority: P1, category: [billing], channel: [email], requester_domain: [bigcorp.com] }
///       first_response: 15m
///       next_response: 1h          # from each customer message to the next public reply
///       resolution: 4h
///       calendar: office           # default: around the clock
///       pause_in: [waiting_on_customer]
///       warn_at: [0.5, 0.75]
///       on_breach: [raise_priority, { escalate: 2 }, reassign, { notify: "https://hooks.example.com/desk" }]
///   defaults: true
/// ```
struct SLAConfigFile: Codable, Sendable {
    struct CalendarSpec: Codable, Sendable {
        var timezone: String
        var hours: [String: String]
        var holidays: [String]?
    }

    struct When: Codable, Sendable {
        var priority: String?
        var category: [String]?
        var channel: [String]?
        var requesterDomain: [String]?
        enum CodingKeys: String, CodingKey { case priority, category, channel, requesterDomain = "requester_domain" }
    }

    /// `raise_priority`, `reassign`, `{escalate: TIER}` or `{notify: URL}`.
    enum BreachSpec: Codable, Sendable {
        case raisePriority, reassign, escalate(Int), notify(String)
        enum Keys: String, CodingKey { case escalate, notify }
        func encode(to encoder: any Encoder) throws {
            switch self {
            case .raisePriority: var c = encoder.singleValueContainer(); try c.encode("raise_priority")
            case .reassign: var c = encoder.singleValueContainer(); try c.encode("reassign")
            case .escalate(let tier): var c = encoder.container(keyedBy: Keys.self); try c.encode(tier, forKey: .escalate)
            case .notify(let url): var c = encoder.container(keyedBy: Keys.self); try c.encode(url, forKey: .notify)
            }
        }
        init(from decoder: any Decoder) throws {
            if let word = try? decoder.singleValueContainer().decode(String.self) {
                switch word {
                case "raise_priority": self = .raisePriority
                case "reassign": self = .reassign
                default:
                    throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription:
                        "unknown breach action '\(word)': expected raise_priority, reassign, {escalate: TIER} or {notify: URL}"))
                }
                return
            }
            let keyed = try decoder.container(keyedBy: Keys.self)
            if let tier = try keyed.decodeIfPresent(Int.self, forKey: .escalate) {
                self = .escalate(tier)
            } else if let url = try keyed.decodeIfPresent(String.self, forKey: .notify) {
                self = .notify(url)
            } else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription:
                    "a breach action is raise_priority, reassign, {escalate: TIER} or {notify: URL}"))
            }
        }
    }

    struct PolicySpec: Codable, Sendable {
        var name: String
        var when: When?
        var firstResponse: String?
        var nextResponse: String?
        var resolution: String?
        var calendar: String?
        var pauseIn: [String]?
        var warnAt: [Double]?
        var onBreach: [BreachSpec]?
        enum CodingKeys: String, CodingKey {
            case name, when, resolution, calendar
            case firstResponse = "first_response", nextResponse = "next_response", pauseIn = "pause_in", warnAt = "warn_at", onBreach = "on_breach"
        }
    }

    var calendars: [String: CalendarSpec]?
    var policies: [PolicySpec]?
    var defaults: Bool?

    /// The policies in order, the defaults after the file's own unless `defaults: false`. Errors name the
    /// policy and the problem.
    func policies(defaults fallback: [SLAPolicy]) throws(ConfigError) -> [SLAPolicy] {
        var calendars: [String: BusinessCalendar] = ["24x7": .alwaysOpen]
        for (name, spec) in self.calendars ?? [:] {
            do {
                calendars[name] = try BusinessCalendar(name: name, timeZone: spec.timezone, hours: spec.hours, holidays: spec.holidays ?? [])
            } catch {
                throw ConfigError("sla: \(error)")
            }
        }
        var result: [SLAPolicy] = []
        var names = Set<String>()
        for spec in policies ?? [] {
            func fail(_ text: String) -> ConfigError { ConfigError("sla policy '\(spec.name)': \(text)") }
            guard !spec.name.isEmpty, names.insert(spec.name).inserted else { throw ConfigError("sla: policy names must be unique and non-empty") }
            func duration(_ text: String?, _ field: String) throws(ConfigError) -> Int64? {
                guard let text else { return nil }
                guard let millis = TargetDuration.millis(text) else { throw fail(TargetDuration.problem(text, field: field)) }
                return millis
            }
            let targets = SLAPolicy.Targets(firstResponse: try duration(spec.firstResponse, "first_response"),
                                            nextResponse: try duration(spec.nextResponse, "next_response"),
                                            resolution: try duration(spec.resolution, "resolution"))
            guard targets.firstResponse != nil || targets.nextResponse != nil || targets.resolution != nil else {
                throw fail("needs first_response, next_response or resolution")
            }
            var priority: Priority?
            if let label = spec.when?.priority {
                guard let parsed = Priority(label: label) else { throw fail("when.priority '\(label)' is not P1 to P4") }
                priority = parsed
            }
            let calendarName = spec.calendar ?? "24x7"
            guard let calendar = calendars[calendarName] else { throw fail("calendar '\(calendarName)' is not defined under sla.calendars") }
            var paused: Set<TicketStatus> = [.waitingOnCustomer]
            if let names = spec.pauseIn {
                paused = []
                for name in names {
                    guard let status = TicketStatus(rawValue: name), status.isOpen else { throw fail("pause_in '\(name)' is not an open status") }
                    paused.insert(status)
                }
            }
            let warnings = spec.warnAt ?? [0.75]
            guard warnings.allSatisfy({ $0 > 0 && $0 < 1 }), warnings.count <= 8 else {
                throw fail("warn_at takes up to 8 fractions between 0 and 1, like [0.5, 0.75]")
            }
            var actions: [SLAPolicy.BreachAction] = []
            for action in spec.onBreach ?? [] {
                switch action {
                case .raisePriority: actions.append(.raisePriority)
                case .reassign: actions.append(.reassign)
                case .escalate(let tier):
                    guard (1...3).contains(tier) else { throw fail("on_breach escalate tier must be 1 to 3, got \(tier)") }
                    actions.append(.escalate(tier: tier))
                case .notify(let url):
                    guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                        throw fail("on_breach notify '\(url)' is not an http(s) URL")
                    }
                    actions.append(.notify(url: url))
                }
            }
            result.append(SLAPolicy(
                name: spec.name, priority: priority, categories: spec.when?.category.map(Set.init),
                channels: spec.when?.channel.map(Set.init), requesterDomains: spec.when?.requesterDomain,
                targets: targets, calendar: calendar, pausedStatuses: paused, warnAt: warnings, onBreach: actions))
        }
        if defaults ?? true { result += fallback.filter { !names.contains($0.name) } }
        return result
    }
}

/// The SLA policies in force, shared by the loop (which changes them) and the API (which shows them).
final class SLAPolicyBox: Sendable {
    private let lock = Mutex<[SLAPolicy]>([])
    init(_ policies: [SLAPolicy]) { lock.withLock { $0 = policies } }
    var policies: [SLAPolicy] {
        get { lock.withLock { $0 } }
    }
    func set(_ policies: [SLAPolicy]) { lock.withLock { $0 = policies } }
}
