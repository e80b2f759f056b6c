import DeskModel
import Foundation

/// SLA policies as the API takes and gives them: the config file's `sla:` section, as JSON. What `GET`
/// answers is a complete document (`"defaults": false`, every calendar in use) that `PUT` takes back
/// unchanged.
enum SLAPolicyDocument {
    static func policies(_ json: String, targets: ResponseTargets) throws -> [SLAPolicy] {
        let file = try JSONDecoder().decode(Strict<SLAConfigFile>.self, from: Data(json.utf8)).value
        return try file.policies(defaults: SLAPolicy.defaults(firstResponse: targets))
    }

    /// The policies in force as the document that describes exactly them.
    static func render(_ policies: [SLAPolicy]) -> String {
        var calendars: [String: SLAConfigFile.CalendarSpec] = [:]
        let specs = policies.map { policy -> SLAConfigFile.PolicySpec in
            let calendar = policy.calendar
            if !calendar.alwaysOpen { calendars[calendar.name] = spec(of: calendar) }
            let when = SLAConfigFile.When(priority: policy.priority?.label, category: policy.categories?.sorted(),
                                          channel: policy.channels?.sorted(), requesterDomain: policy.requesterDomains)
            let hasWhen = when.priority != nil || when.category != nil || when.channel != nil || when.requesterDomain != nil
            return SLAConfigFile.PolicySpec(
                name: policy.name, when: hasWhen ? when : nil,
                firstResponse: policy.targets.firstResponse.map(duration), nextResponse: policy.targets.nextResponse.map(duration),
                resolution: policy.targets.resolution.map(duration), calendar: calendar.alwaysOpen ? nil : calendar.name,
                pauseIn: policy.pausedStatuses.map(\.rawValue).sorted(), warnAt: policy.warnAt,
                onBreach: policy.onBreach.map { action in
                    switch action {
                    case .raisePriority: .raisePriority
                    case .reassign: .reassign
                    case .escalate(let tier): .escalate(tier)
                    case .notify(let url): .notify(url)
                    }
                })
        }
        let file = SLAConfigFile(calendars: calendars.isEmpty ? nil : calendars, policies: specs, defaults: false)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(file)).map { String(decoding: $0, as: UTF8.self) } ?? "{\"policies\":[]}"
    }

    /// `15m`, `4h`, `90s` or `1500ms`: the largest unit that states the target exactly.
    static func duration(_ millis: Millis) -> String {
        if millis % 3_600_000 == 0 { return "\(millis / 3_600_000)h" }
        if millis % 60_000 == 0 { return "\(millis / 60_000)m" }
        if millis % 1000 == 0 { return "\(millis / 1000)s" }
        return "\(millis)ms"
    }

    static func spec(of calendar: BusinessCalendar) -> SLAConfigFile.CalendarSpec {
        let names = [1: "sun", 2: "mon", 3: "tue", 4: "wed", 5: "thu", 6: "fri", 7: "sat"]
        func clock(_ minutes: Int) -> String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }
        var hours: [String: String] = [:]
        for (day, intervals) in calendar.hours where !intervals.isEmpty {
            hours[names[day] ?? "mon"] = intervals.map { "\(clock($0.start))-\(clock($0.end))" }.joined(separator: ",")
        }
        return .init(timezone: calendar.timeZone.identifier, hours: hours,
                     holidays: calendar.holidays.isEmpty ? nil : calendar.holidays.sorted())
    }
}
