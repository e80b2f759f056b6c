import DeskModel
import Foundation
import Testing

/// Milliseconds of a local wall-clock time in `zone`.
func local(_ text: String, _ zone: String) -> Millis {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: zone)
    formatter.dateFormat = "yyyy-MM-dd HH:mm"
    return Millis(formatter.date(from: text)!.timeIntervalSince1970 * 1000)
}

let hour: Int64 = 3_600_000
let minute: Int64 = 60_000

@Suite struct BusinessCalendarTests {
    let berlin = try! BusinessCalendar(name: "office", timeZone: "Europe/Berlin", hours: ["mon-fri": "09:00-17:00"],
                                       holidays: ["2026-12-25"])

    @Test func countsOnlyOpeningHoursAcrossNightsAndWeekends() {
        // Friday 16:00 to Monday 10:00: one hour on Friday, one on Monday.
        let z = "Europe/Berlin"
        #expect(berlin.businessMillis(from: local("2026-06-05 16:00", z), to: local("2026-06-08 10:00", z)) == 2 * hour)
        #expect(berlin.adding(2 * hour, to: local("2026-06-05 16:00", z)) == local("2026-06-08 10:00", z))
        // Starting at night, the clock starts at opening time.
        #expect(berlin.adding(30 * minute, to: local("2026-06-09 03:00", z)) == local("2026-06-09 09:30", z))
        // An 8-hour target opened Tuesday 13:00 falls due Wednesday 13:00.
        #expect(berlin.adding(8 * hour, to: local("2026-06-09 13:00", z)) == local("2026-06-10 13:00", z))
    }

    @Test func skipsHolidays() {
        let z = "Europe/Berlin"
        // Thursday 24 Dec 16:00 + 2h: 1h on Thursday, Friday 25th is a holiday, then Monday 28th 10:00.
        #expect(berlin.adding(2 * hour, to: local("2026-12-24 16:00", z)) == local("2026-12-28 10:00", z))
    }

    @Test func daylightSavingChangesShortenOrLengthenTheDayNotShiftTheHours() throws {
        let z = "Europe/Berlin"
        // Friday 16:00 before the spring change (Sunday 29 March 2026) + 2h: Monday 10:00 local,
        // which is 65 hours of wall time later, not 66.
        let start = local("2026-03-27 16:00", z)
        let due = berlin.adding(2 * hour, to: start)
        #expect(due == local("2026-03-30 10:00", z))
        #expect(due - start == 65 * hour)
        // Around the clock in Berlin: the spring Sunday has 23 hours, the autumn one 25.
        let allDay = try BusinessCalendar(name: "24h", timeZone: z, hours: ["mon-sun": "00:00-24:00"])
        #expect(allDay.businessMillis(from: local("2026-03-28 12:00", z), to: local("2026-03-30 12:00", z)) == 47 * hour)
        #expect(allDay.businessMillis(from: local("2026-10-24 12:00", z), to: local("2026-10-26 12:00", z)) == 49 * hour)
        // New York changes on another date (8 March 2026): 09:00-17:00 is still 8 hours that Monday.
        let ny = try BusinessCalendar(name: "ny", timeZone: "America/New_York", hours: ["mon-fri": "09:00-17:00"])
        #expect(ny.adding(8 * hour, to: local("2026-03-09 09:00", "America/New_York")) == local("2026-03-09 17:00", "America/New_York"))
    }

    @Test func badConfigurationIsNamed() {
        #expect(throws: RuleError.self) { try BusinessCalendar(name: "x", timeZone: "Mars/Olympus", hours: ["mon": "09:00-17:00"]) }
        #expect(throws: RuleError.self) { try BusinessCalendar(name: "x", timeZone: "UTC", hours: ["funday": "09:00-17:00"]) }
        #expect(throws: RuleError.self) { try BusinessCalendar(name: "x", timeZone: "UTC", hours: ["mon": "17:00-09:00"]) }
        #expect(throws: RuleError.self) { try BusinessCalendar(name: "x", timeZone: "UTC", hours: ["mon": "09:00-12:00,11:00-13:00"]) }
        #expect(throws: RuleError.self) { try BusinessCalendar(name: "x", timeZone: "UTC", hours: ["mon": "9-5"]) }
        #expect(throws: RuleError.self) { try BusinessCalendar(name: "x", timeZone: "UTC", hours: ["mon": "09:00-17:00"], holidays: ["25.12."]) }
    }
}

@Suite struct SLAClockTests {
    let always = BusinessCalendar.alwaysOpen
    let paused: Set<TicketStatus> = [.waitingOnCustomer]

    @Test func pauseAndResumeStopTheResolutionClock() {
        var clock = SLAClock(createdAt: 0)
        clock.record(.inProgress, at: 1 * hour)
        clock.record(.waitingOnCustomer, at: 2 * hour)  // paused for 3 hours
        #expect(clock.resolutionDue(target: 4 * hour, calendar: always, paused: paused) == nil, "paused: no due time")
        #expect(clock.resolutionElapsed(at: 4 * hour, calendar: always, paused: paused) == 2 * hour)
        clock.record(.inProgress, at: 5 * hour)
        #expect(clock.resolutionElapsed(at: 6 * hour, calendar: always, paused: paused) == 3 * hour)
        #expect(clock.resolutionDue(target: 4 * hour, calendar: always, paused: paused) == 7 * hour)
        // Without the pause rule the same history is due at 4h: the policy decides, the history stays.
        #expect(clock.resolutionDue(target: 4 * hour, calendar: always, paused: []) == 4 * hour)
        clock.record(.resolved, at: 6 * hour)
        #expect(clock.resolutionDue(target: 4 * hour, calendar: always, paused: paused) == nil, "resolved in time")
        #expect(clock.resolutionElapsed(at: 100 * hour, calendar: always, paused: paused) == 3 * hour, "stopped at resolution")
    }

    @Test func breachInstantStaysInThePast() {
        var clock = SLAClock(createdAt: 0)
        clock.record(.inProgress, at: 1 * hour)
        clock.record(.waitingOnCustomer, at: 5 * hour)  // target 4h was reached at 4h, before the pause
        #expect(clock.resolutionDue(target: 4 * hour, calendar: always, paused: paused) == 4 * hour)
    }

    @Test func firstResponseIsSatisfiedByTheFirstPublicReplyOnly() {
        var clock = SLAClock(createdAt: 0)
        clock.record(.inProgress, at: 1 * minute)
        // A note is not a response: nothing recorded, the clock still runs.
        #expect(clock.firstResponseDue(target: 15 * minute, calendar: always, paused: paused) == 15 * minute)
        clock.recordPublicReply(at: 10 * minute)
        #expect(clock.firstResponseDue(target: 15 * minute, calendar: always, paused: paused) == nil, "answered in time")
        clock.recordPublicReply(at: 20 * minute)
        #expect(clock.firstResponseAt == 10 * minute, "only the first reply counts")

        var late = SLAClock(createdAt: 0)
        late.recordPublicReply(at: 20 * minute)
        #expect(late.firstResponseDue(target: 15 * minute, calendar: always, paused: paused) == 15 * minute, "breached at 15")
    }

    @Test func clockOnBusinessHoursCountsOnlyOpenTime() throws {
        let z = "Europe/Berlin"
        let office = try BusinessCalendar(name: "office", timeZone: z, hours: ["mon-fri": "09:00-17:00"])
        var clock = SLAClock(createdAt: local("2026-06-05 16:30", z))  // Friday
        clock.record(.inProgress, at: local("2026-06-05 16:45", z))
        #expect(clock.resolutionDue(target: 1 * hour, calendar: office, paused: paused) == local("2026-06-08 09:30", z))
        #expect(clock.resolutionElapsed(at: local("2026-06-08 09:00", z), calendar: office, paused: paused) == 30 * minute)
    }
}

@Suite struct SLATimersTests {
    /// P1 only: first response 15 min, resolution 60 min, warnings at 50% and 75%.
    let policy = SLAPolicy(name: "p1", priority: .p1, targets: .init(firstResponse: 15 * minute, resolution: 60 * minute),
                           warnAt: [0.5, 0.75])

    func kinds(_ firings: [SLAFiring]) -> [String] {
        firings.map { "\($0.ticket) \($0.target.rawValue) \($0.fraction)" }
    }

    @Test func warningsAndBreachFireOnceEach() {
        var timers = SLATimers(policies: [policy])
        timers.track(1, clock: SLAClock(createdAt: 0), policy: 0)
        #expect(timers.fire(at: 7 * minute).isEmpty)
        #expect(kinds(timers.fire(at: 8 * minute)) == ["1 first_response 0.5"])
        #expect(timers.fire(at: 8 * minute).isEmpty, "fired once")
        #expect(kinds(timers.fire(at: 16 * minute)) == ["1 first_response 0.75", "1 first_response 1.0"])
        #expect(kinds(timers.fire(at: 45 * minute)) == ["1 resolution 0.5", "1 resolution 0.75"])
        let breach = timers.fire(at: 61 * minute)
        #expect(kinds(breach) == ["1 resolution 1.0"])
        #expect(breach.first?.dueAt == 60 * minute, "the breach is stamped when the clock reached it")
        #expect(timers.fire(at: 1_000 * minute).isEmpty)
        #expect(timers.scheduledCount == 0)
    }

    @Test func publicReplyInTimeMeansNoFirstResponseBreach() {
        var timers = SLATimers(policies: [policy])
        timers.track(1, clock: SLAClock(createdAt: 0), policy: 0)
        timers.update(1) { $0.recordPublicReply(at: 5 * minute) }
        #expect(timers.dueTimes(of: 1)?.firstResponse == nil)
        #expect(kinds(timers.fire(at: 20 * minute)).isEmpty, "no first-response warning or breach after the reply")
        timers.update(1) { $0.record(.resolved, at: 25 * minute) }
        #expect(timers.fire(at: 500 * minute).isEmpty, "resolved in time: nothing ever fires")
    }

    @Test func pauseHoldsTimersAndResumeMovesThem() {
        var timers = SLATimers(policies: [SLAPolicy(name: "r", targets: .init(firstResponse: nil, resolution: 60 * minute), warnAt: [])])
        timers.track(1, clock: SLAClock(createdAt: 0), policy: 0)
        timers.update(1) { $0.record(.waitingOnCustomer, at: 30 * minute) }
        #expect(timers.scheduledCount == 0, "a paused clock has no timer")
        #expect(timers.fire(at: 120 * minute).isEmpty)
        timers.update(1) { $0.record(.inProgress, at: 120 * minute) }
        #expect(timers.nextFiring == 150 * minute)
        #expect(kinds(timers.fire(at: 150 * minute)) == ["1 resolution 1.0"])
    }

    @Test func restartGivesBackWhatFiredAndFiresWhatFellDueWhileDown() {
        var clock = SLAClock(createdAt: 0)
        clock.record(.inProgress, at: 1 * minute)
        // Before the restart the 50% and 75% first-response warnings fired; the coordinator was down at 15 min.
        var timers = SLATimers(policies: [policy])
        timers.track(1, clock: clock, policy: 0, fired: [(.firstResponse, 0.5), (.firstResponse, 0.75)])
        #expect(kinds(timers.fire(at: 20 * minute)) == ["1 first_response 1.0"], "the breach fires once on start")
        #expect(timers.fire(at: 20 * minute).isEmpty)
    }

    @Test func policiesMatchFirstWins() {
        let vip = SLAPolicy(name: "vip", requesterDomains: ["@BigCorp.com"], targets: .init(firstResponse: minute, resolution: hour))
        #expect(vip.covers(priority: .p3, category: "", channel: "api", requester: "ceo@BIGCORP.com"))
        #expect(!vip.covers(priority: .p3, category: "", channel: "api", requester: "x@notbigcorp.com"))
        #expect(!vip.covers(priority: .p3, category: "", channel: "api", requester: "bigcorp.com"), "no @: no domain")
        let policies = [vip] + SLAPolicy.defaults
        #expect(SLAPolicy.first(in: policies, priority: .p3, category: "", channel: "api", requester: "a@eu.bigcorp.com") == 0)
        let p3 = SLAPolicy.first(in: policies, priority: .p3, category: "", channel: "api", requester: "a@x.com")
        #expect(p3.map { policies[$0].name } == "default-P3")
        #expect(policies[p3!].targets == .init(firstResponse: 4 * hour, resolution: 24 * hour))
    }
}

@Suite struct NextResponseTests {
    let policy = SLAPolicy(name: "n", targets: .init(firstResponse: nil, nextResponse: 10 * minute, resolution: nil), warnAt: [0.5])

    @Test func customerMessageStartsTheClockAndAReplyStopsIt() {
        var timers = SLATimers(policies: [policy])
        timers.track(1, clock: SLAClock(createdAt: 0), policy: 0)
        #expect(timers.scheduledCount == 0, "no customer message waits yet")
        timers.update(1) { $0.recordCustomerMessage(at: 20 * minute) }
        #expect(timers.due(of: 1)?.nextResponseDue == 30 * minute)
        #expect(timers.fire(at: 25 * minute).map(\.fraction) == [0.5])
        timers.update(1) { $0.recordPublicReply(at: 26 * minute) }
        #expect(timers.due(of: 1)?.nextResponseDue == nil)
        #expect(timers.fire(at: 60 * minute).isEmpty, "answered in time")
        // A new message starts a new cycle whose warning and breach fire again, once each.
        timers.update(1) { $0.recordCustomerMessage(at: 70 * minute) }
        #expect(timers.fire(at: 90 * minute).map(\.fraction) == [0.5, 1])
        #expect(timers.fire(at: 90 * minute).isEmpty)
    }

    @Test func derivingFromHistoryKeepsOnlyTheCurrentCyclesFirings() {
        let history = [
            TicketEvent(ticketID: 1, at: 1 * minute, actor: "system", kind: .assigned, detail: "{}"),
            TicketEvent(ticketID: 1, at: 2 * minute, actor: "customer", kind: .customerReplied, detail: "{\"body\":\"x\"}"),
            TicketEvent(ticketID: 1, at: 8 * minute, actor: "system", kind: .slaWarning,
                        detail: "{\"target\":\"next_response\",\"fraction\":0.5}"),
            TicketEvent(ticketID: 1, at: 9 * minute, actor: "agent:a", kind: .replied, detail: "{}"),
            TicketEvent(ticketID: 1, at: 10 * minute, actor: "customer", kind: .customerReplied, detail: "{\"body\":\"y\"}"),
            TicketEvent(ticketID: 1, at: 16 * minute, actor: "system", kind: .slaWarning,
                        detail: "{\"target\":\"next_response\",\"fraction\":0.5}"),
            TicketEvent(ticketID: 1, at: 17 * minute, actor: "agent:a", kind: .statusChanged,
                        detail: "{\"from\":\"in_progress\",\"to\":\"waiting_on_customer\"}"),
        ]
        let (clock, fired) = SLAClock.derive(createdAt: 0, history: history)
        #expect(clock.awaitingReplySince == 10 * minute)
        #expect(clock.firstResponseAt == 9 * minute)
        #expect(clock.steps.last?.status == .waitingOnCustomer)
        #expect(fired.count == 1, "the first cycle's warning was answered; only the current one's counts")
        var timers = SLATimers(policies: [policy])
        timers.track(1, clock: clock, policy: 0, fired: fired)
        // Paused (waiting on the customer) with 7 of 10 minutes used: no timer until the clock runs again.
        #expect(timers.fire(at: 100 * minute).isEmpty)
    }
}
