import Foundation

/// An SLA clock derived from a ticket's history alone: creation, status changes, the first public reply
/// and the resolution. Because it is recomputed from the history, a restart, a pause or a policy change
/// can never make it run backwards or count a stretch twice.
public struct SLAClock: Sendable, Equatable {
    /// One stretch of the ticket's life: from `at`, the ticket had `status`.
    public struct Step: Sendable, Equatable {
        public var at: Millis
        public var status: TicketStatus
        public init(at: Millis, status: TicketStatus) {
            self.at = at
            self.status = status
        }
    }

    /// The history's status steps, oldest first; the first is the creation.
    public var steps: [Step]
    /// The first public reply, which satisfies the first-response target (a note does not).
    public var firstResponseAt: Millis?
    /// The customer's message still waiting for a public reply: the next-response clock runs from here.
    public var awaitingReplySince: Millis?

    public init(createdAt: Millis) {
        steps = [Step(at: createdAt, status: .pendingAssignment)]
    }

    public var createdAt: Millis { steps[0].at }

    /// Records a status change (in history order; an earlier time than the last step is clamped to it).
    public mutating func record(_ status: TicketStatus, at time: Millis) {
        let at = max(time, steps[steps.count - 1].at)
        if steps[steps.count - 1].status == status { return }
        steps.append(Step(at: at, status: status))
    }

    /// Records a public reply: the first one is the first response; any one answers the customer's
    /// waiting message (the next response).
    public mutating func recordPublicReply(at time: Millis) {
        if firstResponseAt == nil { firstResponseAt = max(time, createdAt) }
        awaitingReplySince = nil
    }

    /// Records a message from the customer: the next-response clock starts unless one already waits.
    public mutating func recordCustomerMessage(at time: Millis) {
        if awaitingReplySince == nil { awaitingReplySince = max(time, steps[steps.count - 1].at) }
    }

    /// When the next response is (or was) due, while a customer message waits for one.
    public func nextResponseDue(target: Int64, calendar: BusinessCalendar, paused: Set<TicketStatus>) -> Millis? {
        guard let since = awaitingReplySince else { return nil }
        return instant(reaching: target, stopAt: nil, from: since, calendar: calendar, paused: paused)
    }

    public var resolvedAt: Millis? {
        guard let last = steps.last, !last.status.isOpen else { return nil }
        return last.at
    }

    /// Business time the resolution clock has run by `now`: open stretches outside `paused` statuses.
    public func resolutionElapsed(at now: Millis, calendar: BusinessCalendar, paused: Set<TicketStatus>) -> Int64 {
        var total: Int64 = 0
        for (index, step) in steps.enumerated() where step.status.isOpen && !paused.contains(step.status) {
            let end = index + 1 < steps.count ? steps[index + 1].at : now
            total += calendar.businessMillis(from: step.at, to: min(end, now))
        }
        return total
    }

    /// The instant the resolution clock reaches `target`: in the past if it already did (the breach
    /// time), in the future if it runs now, nil if it is paused (or the ticket was resolved) short of it.
    public func resolutionDue(target: Int64, calendar: BusinessCalendar, paused: Set<TicketStatus>) -> Millis? {
        instant(reaching: target, stopAt: nil, calendar: calendar, paused: paused)
    }

    /// The instant the first-response clock reaches `target`; nil once a public reply came in time, or
    /// while the clock is paused short of it.
    public func firstResponseDue(target: Int64, calendar: BusinessCalendar, paused: Set<TicketStatus>) -> Millis? {
        instant(reaching: target, stopAt: firstResponseAt, calendar: calendar, paused: paused)
    }

    /// Walks the running stretches (open, not paused, before `stopAt`) until `target` business time is used.
    /// Walks the running stretches (open, not paused, from `from`, before `stopAt`) until `target` business
    /// time is used.
    func instant(reaching target: Int64, stopAt: Millis?, from: Millis? = nil, calendar: BusinessCalendar,
                 paused: Set<TicketStatus>) -> Millis? {
        var left = target
        for (index, step) in steps.enumerated() where step.status.isOpen && !paused.contains(step.status) {
            if let stopAt, step.at >= stopAt { return nil }
            var end = index + 1 < steps.count ? steps[index + 1].at : nil
            if let stopAt { end = min(end ?? stopAt, stopAt) }
            let start = max(step.at, from ?? step.at)
            if let end, end <= start { continue }
            guard let end else { return calendar.adding(left, to: start) }
            let available = calendar.businessMillis(from: start, to: end)
            if available >= left { return calendar.adding(left, to: start) }
            left -= available
        }
        return nil
    }
}

extension SLAClock {
    /// Rebuilds a clock, and what already fired, from a ticket's stored history (oldest first). The one
    /// source of truth: a restart derives exactly what the running coordinator had.
    public static func derive(createdAt: Millis, history: [TicketEvent]) -> (clock: SLAClock, fired: [(target: SLATarget, fraction: Double)]) {
        var clock = SLAClock(createdAt: createdAt)
        var fired: [(target: SLATarget, fraction: Double)] = []
        for event in history {
            switch event.kind {
            case .assigned: clock.record(.inProgress, at: event.at)
            case .released, .leaseExpired: clock.record(.pendingAssignment, at: event.at)
            case .escalated where clock.steps.last?.status.isLeased == true: clock.record(.pendingAssignment, at: event.at)
            case .statusChanged:
                if let to = JSONField.string("to", in: event.detail), let status = TicketStatus(rawValue: to) {
                    clock.record(status, at: event.at)
                }
            case .replied:
                clock.recordPublicReply(at: event.at)
                fired.removeAll { $0.target == .nextResponse }  // that wait is answered; the next one starts afresh
            case .customerReplied:
                if clock.awaitingReplySince == nil { fired.removeAll { $0.target == .nextResponse } }
                clock.recordCustomerMessage(at: event.at)
            case .resolved: clock.record(.resolved, at: event.at)
            case .reopened: clock.record(.pendingAssignment, at: event.at)
            case .slaWarning, .slaBreached:
                if let name = JSONField.string("target", in: event.detail), let target = SLATarget(rawValue: name),
                   let fraction = JSONField.number("fraction", in: event.detail) {
                    fired.append((target, fraction))
                }
            default: break
            }
        }
        return (clock, fired)
    }
}

/// Reading one top-level field of the small JSON objects Desk writes as event details.
public enum JSONField {
    static func object(_ detail: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(detail.utf8))) as? [String: Any]
    }
    public static func string(_ key: String, in detail: String) -> String? { object(detail)?[key] as? String }
    public static func number(_ key: String, in detail: String) -> Double? { (object(detail)?[key] as? NSNumber)?.doubleValue }
}
