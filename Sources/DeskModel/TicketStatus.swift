/// Where a ticket stands in its lifecycle.
///
/// ```
/// new → pending_assignment → in_progress → waiting_on_customer → pending_confirmation
///     → resolved → closed → archived
/// ```
/// with the back-edges a support desk needs (a released or expired lease re-queues; a customer's answer
/// resumes work; a resolved ticket can be reopened). `canTransition(to:)` is the whole rule.
public enum TicketStatus: String, Sendable, Codable, CaseIterable {
    case new
    case pendingAssignment = "pending_assignment"
    case inProgress = "in_progress"
    case waitingOnCustomer = "waiting_on_customer"
    case pendingConfirmation = "pending_confirmation"
    case resolved
    case closed
    case archived

    /// The statuses this one may move to.
    public var successors: Set<TicketStatus> {
        switch self {
        case .new: [.pendingAssignment, .closed]
        case .pendingAssignment: [.inProgress, .closed]
        case .inProgress: [.pendingAssignment, .waitingOnCustomer, .pendingConfirmation, .resolved]
        case .waitingOnCustomer: [.inProgress, .pendingAssignment, .pendingConfirmation, .resolved, .closed]
        case .pendingConfirmation: [.inProgress, .pendingAssignment, .resolved, .closed]
        case .resolved: [.closed, .pendingAssignment]
        case .closed: [.archived]
        case .archived: []
        }
    }

    /// Whether moving from this status to `next` is allowed.
    public func canTransition(to next: TicketStatus) -> Bool { successors.contains(next) }

    /// Checks a transition, throwing a `LifecycleError` that names both ends when it is not allowed.
    public func checkTransition(to next: TicketStatus) throws(LifecycleError) {
        guard canTransition(to: next) else { throw LifecycleError(from: self, to: next) }
    }

    /// Open tickets still need work: everything before `resolved`.
    public var isOpen: Bool {
        switch self {
        case .resolved, .closed, .archived: false
        default: true
        }
    }

    /// Whether an agent holds a lease in this status (it is working or waiting on the customer for it).
    /// Waiting on the customer's answer or confirmation: the clock is paused by default, and a ticket left
    /// by its agent in this state is parked rather than queued.
    public var waitsOnCustomer: Bool { self == .waitingOnCustomer || self == .pendingConfirmation }

    public var isLeased: Bool {
        self == .inProgress || self == .waitingOnCustomer || self == .pendingConfirmation
    }
}

/// A status change the lifecycle does not allow.
public struct LifecycleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The status the ticket has.
    public let from: TicketStatus
    /// The status that was asked for.
    public let to: TicketStatus
    public init(from: TicketStatus, to: TicketStatus) {
        self.from = from
        self.to = to
    }
    public var description: String {
        "a ticket cannot go from \(from.rawValue) to \(to.rawValue)"
    }
}
