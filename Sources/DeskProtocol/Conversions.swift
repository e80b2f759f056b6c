import DeskModel

extension Priority {
    /// The wire form of this priority.
    public var wire: WirePriority {
        switch self {
        case .p1: .p1
        case .p2: .p2
        case .p3: .p3
        case .p4: .p4
        }
    }

    /// The model priority for a wire value; nil for unspecified or unknown.
    public init?(wire: WirePriority) {
        switch wire {
        case .p1: self = .p1
        case .p2: self = .p2
        case .p3: self = .p3
        case .p4: self = .p4
        default: return nil
        }
    }
}

extension TicketStatus {
    /// The wire form of this status.
    public var wire: WireTicketStatus {
        switch self {
        case .new: .new
        case .pendingAssignment: .pendingAssignment
        case .inProgress: .inProgress
        case .waitingOnCustomer: .waitingOnCustomer
        case .pendingConfirmation: .pendingConfirmation
        case .resolved: .resolved
        case .closed: .closed
        case .archived: .archived
        }
    }

    /// The model status for a wire value; nil for unspecified or unknown.
    public init?(wire: WireTicketStatus) {
        switch wire {
        case .new: self = .new
        case .pendingAssignment: self = .pendingAssignment
        case .inProgress: self = .inProgress
        case .waitingOnCustomer: self = .waitingOnCustomer
        case .pendingConfirmation: self = .pendingConfirmation
        case .resolved: self = .resolved
        case .closed: self = .closed
        case .archived: self = .archived
        default: return nil
        }
    }
}

extension WireTicketView {
    /// The view of `ticket` an agent receives with an assignment.
    public init(_ ticket: Ticket) {
        self.init()
        id = ticket.id
        subject = ticket.subject
        body = ticket.body
        requester = ticket.requester
        priority = ticket.priority.wire
        category = ticket.category
        channel = ticket.channel
        tags = ticket.tags
        tier = UInt32(clamping: ticket.tier)
        skill = ticket.skill
        createdAtMs = ticket.createdAt
        status = ticket.status.wire
    }
}
