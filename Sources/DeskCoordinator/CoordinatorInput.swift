import DeskAutomation
import DeskModel
import DeskProtocol
import ZeroMQ

/// Everything the coordinator's loop reacts to, in one stream so that one task owns all state.
enum CoordinatorInput: Sendable {
    /// A multipart message from an agent: routing id, then the three Desk frames, stamped when the socket
    /// thread read it (liveness is measured from arrival, not from when the loop got to it).
    /// Frames from the ROUTER (routing id first); `peer` is the agent account the connection's CURVE key
    /// is registered to (nil on a plain agent port).
    case agentMessage([Frame], peer: String?, arrivedAt: Millis)
    /// New tickets from the API (one, or a batch). The loop gives them ids, queues them, and commits them
    /// (with the leases of those an idle agent takes at once) in one transaction; `reply` gets the stored
    /// tickets after the commit, with `created` false where an idempotency key named an existing ticket.
    case intake([NewTicket], reply: @Sendable (Result<[(ticket: Ticket, created: Bool)], any Error>) -> Void)
    /// A change the loop submitted has committed (or failed).
    case committed(CommitOutcome)
    /// The customer wrote on an open ticket (`POST /api/v1/tickets/{id}/messages`): it resumes a ticket
    /// waiting on them and starts the next-response clock. `reply` gets the ticket's status after it.
    case customerMessage(TicketID, String, reply: @Sendable (Result<TicketStatus, APIError>) -> Void)
    /// The customer confirmed a ticket pending their confirmation is solved: it is resolved.
    case customerConfirmed(TicketID, reply: @Sendable (Result<TicketStatus, APIError>) -> Void)
    /// The knowledge bot found articles strong enough to answer a new ticket: if it is still waiting in a
    /// queue, the reply goes to the customer and the ticket waits for their confirmation, parked (`reply`
    /// gets whether it was answered). `articles` are the ids offered.
    case knowledgeAnswer(TicketID, body: String, articles: [Int64], reply: @Sendable (Bool) -> Void)
    /// New SLA policies from the API (nil: back to the config's), stored as `document`; the loop rebuilds
    /// every open ticket's clock under them before it takes the next input.
    case slaPolicies([SLAPolicy]?, document: String?, reply: @Sendable (Result<Int, any Error>) -> Void)
    /// A macro was saved (or removed, when only the name is given) through the API; the store has it.
    case macroSaved(CheckedMacro)
    case macroRemoved(String)
    /// A lead's request from the API (agents list, assign, update, reopen) or its commit: see `SteeringRequest`.
    case steering(SteeringRequest)
    /// The timer, raised at `at`: check heartbeat deadlines and SLA timers. At most one is queued.
    case tick(at: Millis)
    /// The agent socket's thread died: the coordinator can no longer hear its agents and must stop.
    case socketFailed(String)
    /// Say BYE to the agents and stop.
    case shutdown
}

/// What to do once a submitted change is durable.
enum CommitOutcome: Sendable {
    /// An intake is committed: publish the new tickets, queue the keyed ones, send the joined leases.
    /// `issued` are the ids the loop gave the tickets, in order (a replay's differs from its stored ticket's).
    case intake([(ticket: Ticket, created: Bool)], issued: [TicketID], leases: [Lease], at: Millis, escalations: [TicketEvent])
    /// A lease is committed: send ASSIGN (if it is still current) and publish.
    case assigned(Lease, Ticket, [TicketEvent])
    /// A report is committed: ACK it, publish its events, and REVOKE `ended` when a macro ended the lease.
    case report(agent: String, session: String, sequence: UInt64, events: [TicketEvent], ended: (Lease, String)? = nil)
    /// A report's refusal is committed (the ledger holds its text): send the ERROR.
    case refused(agent: String, session: String, sequence: UInt64)
    /// SLA firings and their breach actions are committed: publish, and REVOKE the leases they ended.
    case slaFired([TicketEvent], revokes: [(Lease, String)])
    /// Only publish (lease expiries, releases on BYE).
    case publish([TicketEvent])
    /// The store refused a change the loop had already applied in memory. See `CoordinatorLoop`.
    case failed(String)
}
