import Foundation

/// Business hours in a named time zone, with holidays: the time an SLA clock counts.
///
/// All arithmetic converts local wall-clock opening hours of each day into absolute instants through
/// Foundation's calendar for the zone, so a daylight-saving change makes that day an hour shorter or
/// longer, never shifts the opening hours. Work is proportional to the number of days spanned, never to
/// the length of the target in milliseconds.
public final class BusinessCalendar: Sendable {
    /// One opening interval of a day, in minutes from local midnight (`end` may be 1440).
    public struct Interval: Sendable, Equatable {
        public var start: Int
        public var end: Int
        public init(start: Int, end: Int) {
            self.start = start
            self.end = end
        }
    }

    public let name: String
    public let timeZone: TimeZone
    /// Opening intervals by weekday: 1 Sunday … 7 Saturday (Foundation's numbering). Missing = closed.
    public let hours: [Int: [Interval]]
    /// Closed days, as local `YYYY-MM-DD`.
    public let holidays: Set<String>
    /// Open every minute of every day: no calendar arithmetic at all.
    public let alwaysOpen: Bool
    let calendar: Calendar
    /// Day boundaries and opening intervals already worked out: Foundation's calendar arithmetic costs
    /// microseconds, and an SLA clock asks about the same few days again and again.
    let cache = DayCache()

    /// Around the clock, in UTC.
    public static let alwaysOpen = BusinessCalendar(alwaysOpenNamed: "24x7")

    private init(alwaysOpenNamed name: String) {
        self.name = name
        timeZone = TimeZone(identifier: "UTC")!
        hours = [:]
        holidays = []
        alwaysOpen = true
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    static let weekdays = ["sun": 1, "mon": 2, "tue": 3, "wed": 4, "thu": 5, "fri": 6, "sat": 7]

    /// A calendar from its configuration: `hours` maps weekdays (`mon` … `sun`, or `mon-fri`) to
    /// intervals like `09:00-17:00` (several separated by commas); `holidays` are `YYYY-MM-DD`.
    /// Throws naming the field and the problem.
    public init(name: String, timeZone identifier: String, hours spec: [String: String], holidays: [String] = []) throws(RuleError) {
        guard let zone = TimeZone(identifier: identifier) else {
            throw RuleError("calendar \(name): unknown time zone '\(identifier)' (use an IANA name like Europe/Berlin)")
        }
        var hours: [Int: [Interval]] = [:]
        for (days, text) in spec {
            let numbers = try Self.weekdayNumbers(days, calendar: name)
            var intervals: [Interval] = []
            for part in text.split(separator: ",") {
                intervals.append(try Self.interval(part.trimmingCharacters(in: .whitespaces), calendar: name, days: days))
            }
            intervals.sort { $0.start < $1.start }
            for (a, b) in zip(intervals, intervals.dropFirst()) where b.start < a.end {
                throw RuleError("calendar \(name): hours of \(days) overlap")
            }
            for day in numbers {
                guard hours[day] == nil else { throw RuleError("calendar \(name): \(days) names a weekday twice") }
                hours[day] = intervals
            }
        }
        guard hours.values.contains(where: { !$0.isEmpty }) else { throw RuleError("calendar \(name) has no opening hours") }
        for day in holidays {
            let parts = day.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else {
                throw RuleError("calendar \(name): holiday '\(day)' is not a date like 2026-12-25")
            }
        }
        self.name = name
        self.timeZone = zone
        self.hours = hours
        self.holidays = Set(holidays)
        self.alwaysOpen = false
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.calendar = calendar
    }

    static func weekdayNumbers(_ text: String, calendar: String) throws(RuleError) -> [Int] {
        let lowered = text.lowercased()
        let ends = lowered.split(separator: "-").map { String($0.prefix(3)) }
        guard (1...2).contains(ends.count), let first = weekdays[ends[0]], let last = weekdays[ends.last!] else {
            throw RuleError("calendar \(calendar): '\(text)' is not a weekday or a range like mon-fri")
        }
        // Monday-first order, so mon-fri and sat-sun read naturally.
        func mondayFirst(_ n: Int) -> Int { (n + 5) % 7 }
        guard mondayFirst(first) <= mondayFirst(last) else { throw RuleError("calendar \(calendar): range '\(text)' runs backwards") }
        return (mondayFirst(first)...mondayFirst(last)).map { ($0 + 1) % 7 + 1 }
    }

    static func interval(_ text: String, calendar: String, days: String) throws(RuleError) -> Interval {
        let ends = text.split(separator: "-").map { String($0) }
        func minutes(_ clock: String) -> Int? {
            let parts = clock.split(separator: ":").compactMap { Int($0) }
            guard parts.count == 2, (0...24).contains(parts[0]), (0...59).contains(parts[1]) else { return nil }
            let value = parts[0] * 60 + parts[1]
            return value <= 1440 ? value : nil
        }
        guard ends.count == 2, let start = minutes(ends[0]), let end = minutes(ends[1]), start < end else {
            throw RuleError("calendar \(calendar): hours '\(text)' of \(days) are not like 09:00-17:00")
        }
        return Interval(start: start, end: end)
    }

    // MARK: - Arithmetic

    /// Business time between two instants, in milliseconds (0 when `to` is not after `from`).
    public func businessMillis(from: Millis, to: Millis) -> Int64 {
        guard to > from else { return 0 }
        if alwaysOpen { return to - from }
        var total: Int64 = 0
        var day = startOfDay(containing: from)
        while day < to {
            let next = startOfNextDay(day)
            for (open, close) in openIntervals(dayStart: day, nextDayStart: next) {
                let start = max(open, from), end = min(close, to)
                if end > start { total += end - start }
            }
            day = next
        }
        return total
    }

    /// The instant at which `business` milliseconds of business time have passed since `start`.
    /// Bounded: gives up (returns `Millis.max`) after ten years of calendar without opening hours.
    public func adding(_ business: Int64, to start: Millis) -> Millis {
        if alwaysOpen { return start + business }
        var left = business
        var day = startOfDay(containing: start)
        for _ in 0..<3660 {
            let next = startOfNextDay(day)
            for (open, close) in openIntervals(dayStart: day, nextDayStart: next) {
                let from = max(open, start)
                guard close > from else { continue }
                if close - from >= left { return from + left }
                left -= close - from
            }
            day = next
        }
        return Millis.max
    }

    func startOfDay(containing instant: Millis) -> Millis {
        // Every zone's offset is a multiple of 15 minutes, so a 15-minute bucket lies within one local day.
        let bucket = instant >= 0 ? instant / 900_000 : (instant - 899_999) / 900_000
        if let start = cache.dayStart(bucket: bucket) { return start }
        let date = Date(timeIntervalSince1970: Double(instant) / 1000)
        let start = Millis((calendar.startOfDay(for: date).timeIntervalSince1970 * 1000).rounded())
        cache.setDayStart(start, bucket: bucket)
        return start
    }

    func startOfNextDay(_ dayStart: Millis) -> Millis {
        cache.day(dayStart)?.next ?? computeStartOfNextDay(dayStart)
    }

    func computeStartOfNextDay(_ dayStart: Millis) -> Millis {
        // Noon of this day plus one day, then its start: robust where a day has 23 or 25 hours.
        let noon = Date(timeIntervalSince1970: Double(dayStart) / 1000 + 12 * 3600)
        let next = calendar.date(byAdding: .day, value: 1, to: noon)!
        return Millis((calendar.startOfDay(for: next).timeIntervalSince1970 * 1000).rounded())
    }

    /// The open intervals of the local day starting at `dayStart`, as absolute instants.
    func openIntervals(dayStart: Millis, nextDayStart: Millis) -> [(Millis, Millis)] {
        if let day = cache.day(dayStart) { return day.open }
        let open = computeOpenIntervals(dayStart: dayStart, nextDayStart: nextDayStart)
        cache.setDay(dayStart, next: nextDayStart, open: open)
        return open
    }

    func computeOpenIntervals(dayStart: Millis, nextDayStart: Millis) -> [(Millis, Millis)] {
        let date = Date(timeIntervalSince1970: Double(dayStart) / 1000 + 12 * 3600)
        let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
        guard let weekday = parts.weekday, let intervals = hours[weekday], !intervals.isEmpty,
              let year = parts.year, let month = parts.month, let dayOfMonth = parts.day else { return [] }
        let key = String(format: "%04d-%02d-%02d", year, month, dayOfMonth)
        if holidays.contains(key) { return [] }
        func instant(_ minutes: Int) -> Millis {
            if minutes >= 1440 { return nextDayStart }
            let components = DateComponents(year: year, month: month, day: dayOfMonth, hour: minutes / 60, minute: minutes % 60)
            guard let date = calendar.date(from: components) else { return dayStart }
            return Millis((date.timeIntervalSince1970 * 1000).rounded())
        }
        return intervals.map { (instant($0.start), instant($0.end)) }
    }
}

/// A bounded memo of a calendar's days, shared by copies of the calendar; thread-safe.
final class DayCache: @unchecked Sendable {
    private let lock = NSLock()
    private var starts: [Int64: Millis] = [:]
    private var days: [Millis: (next: Millis, open: [(Millis, Millis)])] = [:]
    /// Entries kept before the memo is cleared (a few years of days, and their 15-minute buckets).
    static let limit = 100_000

    func dayStart(bucket: Int64) -> Millis? { lock.withLock { starts[bucket] } }
    func setDayStart(_ start: Millis, bucket: Int64) {
        lock.withLock {
            if starts.count >= Self.limit { starts.removeAll(keepingCapacity: true) }
            starts[bucket] = start
        }
    }
    func day(_ start: Millis) -> (next: Millis, open: [(Millis, Millis)])? { lock.withLock { days[start] } }
    func setDay(_ start: Millis, next: Millis, open: [(Millis, Millis)]) {
        lock.withLock {
            if days.count >= Self.limit { days.removeAll(keepingCapacity: true) }
            days[start] = (next, open)
        }
    }
}
