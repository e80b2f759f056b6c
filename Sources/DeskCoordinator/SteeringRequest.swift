import DeskModel
import DeskStore

/// A lead's request to the loop (`/api/v1/agents`, `…/assign`, `PATCH …`, `…/reopen`), or the commit of
/// one. Each carries the reply closure the HTTP handler waits on; it is called once, after the commit
/// (and after REVOKE and ASSIGN are posted), or at once with the refusal.
enum SteeringRequest: Sendable {
    /// The agents the loop knows (connected, away, or holding leases from before a restart).
    case agents(reply: @Sendable ([AgentSummary]) -> Void)
    /// The lead dashboard's view of the loop: queues, open tickets, agents (costs queues + agents).
    case dashboard(reply: @Sendable (DashboardSnapshot) -> Void)
    /// Give a ticket to a named agent. `force` accepts an agent that lacks the ticket's skill or tier, is
    /// away, or is at capacity.
    /// `actor` is who asked, as the history names them (`user:NAME`).
    case assign(TicketID, agent: String, force: Bool, actor: String, reply: @Sendable (Result<AssignOutcome, APIError>) -> Void)
    /// Change fields of an open ticket. `skill` is the routing of a new category, worked out by the handler.
    case update(TicketUpdate, reply: @Sendable (Result<Ticket, APIError>) -> Void)
    /// Reopen a resolved ticket.
    case reopen(TicketID, reason: String, actor: String, reply: @Sendable (Result<Ticket, APIError>) -> Void)
    /// A reassignment committed: revoke the old lease, send the new one, answer.
    case assignCommitted(Lease, previous: Lease?, Ticket, [TicketEvent], reply: @Sendable (Result<AssignOutcome, APIError>) -> Void)
    /// A reopening committed: queue the ticket, rebuild its SLA clock from its history, answer.
    case reopenCommitted(Ticket, SLARecoveryTicket, reply: @Sendable (Result<Ticket, APIError>) -> Void)
}

/// What an assignment did: the new lease, and the lease it ended (nil if the ticket was not held).
/// `unchanged` when the agent already held the ticket (a repeated request changes nothing).
struct AssignOutcome: Sendable {
    var lease: Lease
    var previous: Lease?
    var unchanged = false
}

/// A lead's change to a ticket, checked by the handler (sizes, known priority, tier 0 to 3).
struct TicketUpdate: Sendable {
    var id: TicketID
    var priority: Priority?
    var category: String?
    /// The skill the routing rules give the new category (with the ticket's text); nil when the category
    /// does not change.
    var skill: String?
    var tier: Int?
    var addTags: [String] = []
    var removeTags: [String] = []
    /// Who asked, as the history names them (`user:NAME`).
    var actor = "api"
}

/// What the loop knows for the lead dashboard.
struct DashboardSnapshot: Sendable {
    /// Waiting tickets by priority (index 1 … 4).
    var byPriority: [Int]
    var byQueue: [(skill: String, tier: Int, count: Int)]
    var open: Int
    var agents: [AgentSummary]
    /// The tickets nearest to an SLA due time, nearest first.
    var nextDue: [(ticket: TicketID, due: Millis)]
}
