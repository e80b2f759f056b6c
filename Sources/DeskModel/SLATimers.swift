/// SLA timers for every open ticket: one entry per ticket in a heap ordered by its next firing time, so a
/// tick costs O(firings × log n), never a look at tickets whose timers are not due.
///
/// Each ticket's clock is kept as derived from its history (`SLAClock`); every change (a status, the
/// first public reply) recomputes that ticket's next firing. Each warning and each breach fires once: the
/// fired set is part of the entry, and after a restart it is given back from the history's SLA events.
/// Timers that fell due while nothing ran (a coordinator down) fire on the first tick.
public struct SLATimers: Sendable {
    struct Entry: Sendable {
        var clock: SLAClock
        var policy: Int
        /// Bit `target * 16 + threshold`: fired.
        var fired: UInt64
    }

    public let policies: [SLAPolicy]
    /// What the timers read of each policy, behind one reference: copying an `SLAPolicy` retains every
    /// set and calendar inside it, and the timers look at a policy on every ticket change.
    let rules: [Rules]
    var entries: [TicketID: Entry] = [:]
    var heap = IndexedHeap<TicketID, Millis>()

    final class Rules: Sendable {
        let name: String
        let targets: SLAPolicy.Targets
        let calendar: BusinessCalendar
        let paused: Set<TicketStatus>
        /// The warnings, then the breach at 1.
        let levels: [Double]
        init(_ policy: SLAPolicy) {
            name = policy.name
            targets = policy.targets
            calendar = policy.calendar
            paused = policy.pausedStatuses
            levels = policy.warnAt + [1]
        }
    }

    public init(policies: [SLAPolicy]) {
        self.policies = policies
        self.rules = policies.map(Rules.init)
    }

    /// Tickets tracked, and those with a timer scheduled.
    public var count: Int { entries.count }
    public var scheduledCount: Int { heap.count }
    /// The earliest scheduled firing, if any.
    public var nextFiring: Millis? { heap.first?.order }

    /// The thresholds of a policy: its warnings, then the breach at 1.
    func thresholds(_ policy: Int) -> [Double] { rules[policy].levels }

    func target(_ target: SLATarget, of policy: Int) -> Int64? {
        switch target {
        case .firstResponse: rules[policy].targets.firstResponse
        case .nextResponse: rules[policy].targets.nextResponse
        case .resolution: rules[policy].targets.resolution
        }
    }

    static func bit(_ target: SLATarget, _ threshold: Int) -> UInt64 {
        let offset: UInt64 = switch target {
        case .firstResponse: 0
        case .nextResponse: 16
        case .resolution: 32
        }
        return 1 << (offset + UInt64(threshold))
    }

    /// Every threshold bit of `target`.
    static func bits(_ target: SLATarget) -> UInt64 { (0..<16).reduce(0) { $0 | bit(target, $1) } }

    /// Starts (or restarts) tracking a ticket under `policy` with its clock; `fired` lists what its
    /// history says already fired.
    public mutating func track(_ ticket: TicketID, clock: SLAClock, policy: Int, fired: [(target: SLATarget, fraction: Double)] = []) {
        var entry = Entry(clock: clock, policy: policy, fired: 0)
        let levels = thresholds(policy)
        for (target, fraction) in fired {
            if let index = levels.firstIndex(where: { abs($0 - fraction) < 1e-9 }) { entry.fired |= Self.bit(target, index) }
        }
        entries[ticket] = entry
        reschedule(ticket)
    }

    /// Applies a change to a ticket's clock (a status change, a public reply) and reschedules it.
    public mutating func update(_ ticket: TicketID, _ change: (inout SLAClock) -> Void) {
        guard entries[ticket] != nil else { return }
        let waiting = entries[ticket]!.clock.awaitingReplySince
        change(&entries[ticket]!.clock)
        // A customer message answered, or a new one waiting: the next-response timers start afresh.
        if entries[ticket]!.clock.awaitingReplySince != waiting { entries[ticket]!.fired &= ~Self.bits(.nextResponse) }
        reschedule(ticket)
    }

    /// Whether moving the ticket to `status` changes its clock: not when the clock runs both before and
    /// after (say pending → in progress), which keeps assignments cheap.
    public func statusMatters(_ ticket: TicketID, _ status: TicketStatus) -> Bool {
        guard let entry = entries[ticket], let last = entry.clock.steps.last else { return false }
        let paused = rules[entry.policy].paused
        func runs(_ s: TicketStatus) -> Bool { s.isOpen && !paused.contains(s) }
        return !(runs(last.status) && runs(status))
    }

    /// Stops tracking a ticket (closed, archived, or no policy).
    public mutating func forget(_ ticket: TicketID) {
        entries.removeValue(forKey: ticket)
        heap.remove(ticket)
    }

    /// The policy a ticket is tracked under.
    public func policy(of ticket: TicketID) -> SLAPolicy? { entries[ticket].map { policies[$0.policy] } }

    /// The name of the policy a ticket is tracked under (no copy of the policy).
    public func policyName(of ticket: TicketID) -> String? { entries[ticket].map { rules[$0.policy].name } }

    /// The tickets whose next SLA threshold (a warning or a breach) comes first, with their nearest due
    /// time (first response, next response or resolution): what is about to breach. Reads the `scan` next
    /// firings of the timer heap (O(scan log scan)), never every ticket; sorted by due time.
    public func nextDue(_ k: Int, scan: Int = 64) -> [(ticket: TicketID, due: Millis)] {
        heap.smallest(max(k, scan)).compactMap { entry -> (ticket: TicketID, due: Millis)? in
            guard let due = due(of: entry.key) else { return nil }
            return [due.firstResponseDue, due.nextResponseDue, due.resolutionDue].compactMap { $0 }.min().map { (entry.key, $0) }
        }.sorted { ($0.due, $0.ticket) < ($1.due, $1.ticket) }.prefix(k).map { $0 }
    }

    /// The ticket's policy name and due times, for storing and showing.
    public func due(of ticket: TicketID) -> SLADue? {
        guard let entry = entries[ticket], let times = dueTimes(of: ticket) else { return nil }
        let policy = rules[entry.policy]
        let next = policy.targets.nextResponse.flatMap {
            entry.clock.nextResponseDue(target: $0, calendar: policy.calendar, paused: policy.paused)
        }
        return SLADue(policy: policy.name, firstResponseDue: times.firstResponse, nextResponseDue: next, resolutionDue: times.resolution)
    }

    /// The due times of a ticket created at `createdAt` under policy `index`, before it is tracked.
    public func initialDue(policy index: Int, createdAt: Millis) -> SLADue {
        let policy = rules[index]
        let clock = SLAClock(createdAt: createdAt)
        return SLADue(
            policy: policy.name,
            firstResponseDue: policy.targets.firstResponse.flatMap { clock.firstResponseDue(target: $0, calendar: policy.calendar, paused: policy.paused) },
            resolutionDue: policy.targets.resolution.flatMap { clock.resolutionDue(target: $0, calendar: policy.calendar, paused: policy.paused) })
    }

    /// The ticket is resolved or closed: fires what its clock reached before `at` and was not yet fired
    /// (between two ticks), then stops tracking it.
    public mutating func finish(_ ticket: TicketID, at: Millis) -> [SLAFiring] {
        guard var entry = entries.removeValue(forKey: ticket) else { return [] }
        heap.remove(ticket)
        var firings: [SLAFiring] = []
        for target in SLATarget.allCases {
            for (index, fraction) in thresholds(entry.policy).enumerated() where entry.fired & Self.bit(target, index) == 0 {
                guard let reached = instant(entry, target, fraction), reached <= at else { break }
                entry.fired |= Self.bit(target, index)
                firings.append(SLAFiring(ticket: ticket, target: target, fraction: fraction, dueAt: reached))
            }
        }
        return firings
    }

    /// The ticket's due times now: nil where a target is met, paused short of it, or not tracked.
    public func dueTimes(of ticket: TicketID) -> (firstResponse: Millis?, resolution: Millis?)? {
        guard let entry = entries[ticket] else { return nil }
        let policy = rules[entry.policy]
        return (policy.targets.firstResponse.flatMap {
                    entry.clock.firstResponseDue(target: $0, calendar: policy.calendar, paused: policy.paused) },
                policy.targets.resolution.flatMap {
                    entry.clock.resolutionDue(target: $0, calendar: policy.calendar, paused: policy.paused) })
    }

    /// When the ticket's clock reaches `fraction` of `target` (nil: not tracked, met, or paused short of it).
    func instant(_ entry: Entry, _ target: SLATarget, _ fraction: Double) -> Millis? {
        guard let total = self.target(target, of: entry.policy) else { return nil }
        let policy = rules[entry.policy]
        let amount = Int64((Double(total) * fraction).rounded())
        switch target {
        case .firstResponse:
            return entry.clock.instant(reaching: amount, stopAt: entry.clock.firstResponseAt, calendar: policy.calendar,
                                       paused: policy.paused)
        case .nextResponse:
            guard let since = entry.clock.awaitingReplySince else { return nil }
            return entry.clock.instant(reaching: amount, stopAt: nil, from: since, calendar: policy.calendar, paused: policy.paused)
        case .resolution:
            return entry.clock.instant(reaching: amount, stopAt: nil, calendar: policy.calendar, paused: policy.paused)
        }
    }

    /// The next instant any unfired threshold of the ticket is reached, or nil (all fired, met or paused).
    func nextFiring(of entry: Entry) -> Millis? {
        var earliest: Millis?
        for target in SLATarget.allCases {
            // The first unfired threshold of each target: later ones are reached later.
            guard let index = thresholds(entry.policy).indices.first(where: { entry.fired & Self.bit(target, $0) == 0 }),
                  let at = instant(entry, target, thresholds(entry.policy)[index]) else { continue }
            if earliest.map({ at < $0 }) ?? true { earliest = at }
        }
        return earliest
    }

    mutating func reschedule(_ ticket: TicketID) {
        guard let entry = entries[ticket], let at = nextFiring(of: entry) else {
            heap.remove(ticket)
            return
        }
        heap.upsert(ticket, order: at)
    }

    /// Fires every warning and breach reached by `now`, each once, and reschedules those tickets.
    /// Costs O(firings × log n). At most `limit` tickets are handled per call, so a backlog (timers that
    /// fell due while the coordinator was down) is worked off over several ticks instead of one long one.
    public mutating func fire(at now: Millis, limit: Int = .max) -> [SLAFiring] {
        var firings: [SLAFiring] = []
        var handled = 0
        while handled < limit, let head = heap.first, head.order <= now {
            handled += 1
            let ticket = head.key
            guard var entry = entries[ticket] else {
                heap.remove(ticket)
                continue
            }
            let before = firings.count
            for target in SLATarget.allCases {
                for (index, fraction) in thresholds(entry.policy).enumerated() where entry.fired & Self.bit(target, index) == 0 {
                    guard let at = instant(entry, target, fraction), at <= now else { break }
                    entry.fired |= Self.bit(target, index)
                    firings.append(SLAFiring(ticket: ticket, target: target, fraction: fraction, dueAt: at))
                }
            }
            entries[ticket] = entry
            reschedule(ticket)
            // Never spin: a ticket scheduled at or before now that fired nothing is taken off the heap.
            if firings.count == before, let order = heap.order(of: ticket), order <= now { heap.remove(ticket) }
        }
        return firings
    }
}
