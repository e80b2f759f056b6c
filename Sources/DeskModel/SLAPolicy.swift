/// An SLA policy: which tickets it covers, its targets, its calendar, when its clocks pause, when it
/// warns and what it does on a breach. Policies are tried in order; the first that matches a ticket wins.
public struct SLAPolicy: Sendable {
    /// The targets, in business milliseconds of the policy's calendar; nil = not tracked.
    public struct Targets: Sendable, Equatable {
        public var firstResponse: Int64?
        /// From each customer message to the next public reply.
        public var nextResponse: Int64?
        public var resolution: Int64?
        public init(firstResponse: Int64?, nextResponse: Int64? = nil, resolution: Int64?) {
            self.firstResponse = firstResponse
            self.nextResponse = nextResponse
            self.resolution = resolution
        }
    }

    /// What a breach does (besides its history event and the event stream).
    public enum BreachAction: Sendable, Equatable {
        case raisePriority
        case escalate(tier: Int)
        case reassign
        case notify(url: String)
    }

    public var name: String
    public var priority: Priority?
    public var categories: Set<String>?
    public var channels: Set<String>?
    public var requesterDomains: [String]?
    public var targets: Targets
    public var calendar: BusinessCalendar
    public var pausedStatuses: Set<TicketStatus>
    /// Fractions of a target at which a warning fires, each below 1 (the breach is at 1).
    public var warnAt: [Double]
    public var onBreach: [BreachAction]

    public init(name: String, priority: Priority? = nil, categories: Set<String>? = nil, channels: Set<String>? = nil,
                requesterDomains: [String]? = nil, targets: Targets, calendar: BusinessCalendar = .alwaysOpen,
                pausedStatuses: Set<TicketStatus> = [.waitingOnCustomer], warnAt: [Double] = [0.75],
                onBreach: [BreachAction] = []) {
        self.name = name
        self.priority = priority
        self.categories = categories.map { Set($0.map { $0.lowercased() }) }
        self.channels = channels.map { Set($0.map { $0.lowercased() }) }
        self.requesterDomains = requesterDomains?.map(RequesterDomain.normalised)
        self.targets = targets
        self.calendar = calendar
        self.pausedStatuses = pausedStatuses
        self.warnAt = warnAt.sorted()
        self.onBreach = onBreach
    }

    /// Whether the policy covers a ticket with these fields.
    public func covers(priority: Priority, category: String, channel: String, requester: String) -> Bool {
        if let wanted = self.priority, wanted != priority { return false }
        if let categories, !categories.contains(category.lowercased()) { return false }
        if let channels, !channels.contains(channel.lowercased()) { return false }
        if let requesterDomains, !RequesterDomain.matches(RequesterDomain.of(requester), any: requesterDomains) { return false }
        return true
    }

    /// The shipped defaults: first response / resolution of P1 15 min / 4 h, P2 1 h / 8 h, P3 4 h / 24 h,
    /// P4 8 h / 72 h, around the clock, paused while waiting on the customer, warning at 75%.
    public static let defaults: [SLAPolicy] = {
        let minutes: [(Priority, Int64, Int64)] = [(.p1, 15, 240), (.p2, 60, 480), (.p3, 240, 1440), (.p4, 480, 4320)]
        return minutes.map { priority, first, resolution in
            SLAPolicy(name: "default-\(priority.label)", priority: priority,
                      targets: Targets(firstResponse: first * 60_000, resolution: resolution * 60_000))
        }
    }()

    /// The defaults with the first-response targets of `targets` (the config's `first_response`).
    public static func defaults(firstResponse targets: ResponseTargets) -> [SLAPolicy] {
        defaults.map { policy in
            var copy = policy
            if let priority = policy.priority, let target = targets.firstResponse[priority] { copy.targets.firstResponse = target }
            return copy
        }
    }

    /// The first policy in `policies` covering the ticket.
    public static func first(in policies: [SLAPolicy], priority: Priority, category: String, channel: String,
                             requester: String) -> Int? {
        policies.firstIndex { $0.covers(priority: priority, category: category, channel: channel, requester: requester) }
    }
}

/// Which SLA target a timer is about.
public enum SLATarget: String, Sendable, CaseIterable {
    case firstResponse = "first_response"
    case nextResponse = "next_response"
    case resolution
}

/// One timer firing: a warning (fraction below 1) or the breach (fraction 1) of a target.
public struct SLAFiring: Sendable, Equatable {
    public var ticket: TicketID
    public var target: SLATarget
    /// 1 for a breach, the warning's fraction otherwise.
    public var fraction: Double
    /// When the clock reached that fraction (may be before the tick that noticed it, after a restart).
    public var dueAt: Millis
    public var isBreach: Bool { fraction >= 1 }

    public init(ticket: TicketID, target: SLATarget, fraction: Double, dueAt: Millis) {
        self.ticket = ticket
        self.target = target
        self.fraction = fraction
        self.dueAt = dueAt
    }
}

/// A ticket's SLA policy and due times: what the API, the CLI and the console show.
public struct SLADue: Sendable, Equatable, Codable {
    public var policy: String
    /// When the first response is (or was) due; nil once answered in time, or while paused.
    public var firstResponseDue: Millis?
    /// When the next response is due, while a customer message waits for a reply.
    public var nextResponseDue: Millis?
    /// When the resolution is (or was) due; nil once resolved in time, or while paused.
    public var resolutionDue: Millis?
    public init(policy: String, firstResponseDue: Millis?, nextResponseDue: Millis? = nil, resolutionDue: Millis?) {
        self.policy = policy
        self.firstResponseDue = firstResponseDue
        self.nextResponseDue = nextResponseDue
        self.resolutionDue = resolutionDue
    }
}
