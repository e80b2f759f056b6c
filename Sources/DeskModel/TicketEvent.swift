/// What happened to a ticket: one entry of its append-only history.
public enum TicketEventKind: String, Sendable, Codable, CaseIterable {
    case created
    case queued
    case assigned
    case accepted
    case progress
    case replied
    case noted
    case statusChanged = "status_changed"
    case escalated
    case updated
    case macroApplied = "macro_applied"
    case customerReplied = "customer_replied"
    case slaWarning = "sla_warning"
    case slaBreached = "sla_breached"
    case released
    case leaseExpired = "lease_expired"
    case resolved
    case stranded
    case rerouted
    case reopened
}

/// One history entry: who did what to which ticket, and when.
///
/// `detail` is a small JSON object (or empty) whose keys depend on `kind`; it never holds more than the
/// event needs, and logs carry only ids and kinds, never ticket text.
public struct TicketEvent: Sendable, Equatable, Codable {
    /// The store's sequence number, increasing across all tickets; 0 before it is stored.
    public var id: Int64
    public var ticketID: TicketID
    public var at: Millis
    /// `system`, `api`, `agent:NAME`.
    public var actor: String
    public var kind: TicketEventKind
    public var detail: String

    public init(
        id: Int64 = 0, ticketID: TicketID, at: Millis, actor: String, kind: TicketEventKind,
        detail: String = ""
    ) {
        self.id = id
        self.ticketID = ticketID
        self.at = at
        self.actor = actor
        self.kind = kind
        self.detail = detail
    }
}
