/// What a lead sees of an agent the dispatcher knows: its profile, its load and whether it takes work.
public struct AgentSummary: Sendable, Equatable {
    public var profile: AgentProfile
    /// Leases held now.
    public var load: Int
    /// Connected (said HELLO and heartbeats); false for an agent known only by the leases it held before a
    /// coordinator restart.
    public var connected: Bool
    /// Connected but taking no new assignments (CREDIT with `away`).
    public var away: Bool

    public init(profile: AgentProfile, load: Int, connected: Bool, away: Bool) {
        self.profile = profile
        self.load = load
        self.connected = connected
        self.away = away
    }
}

/// A lead's steering: naming who works a ticket, and moving a ticket between queues. Pure, like the rest
/// of the dispatcher: the coordinator's loop commits what these decide before telling anyone.
extension Dispatcher {
    /// Every agent the dispatcher knows, by name. O(agents): for the lead's list, not for dispatch.
    public func agentSummaries() -> [AgentSummary] {
        agents.values.map { slot in
            AgentSummary(profile: slot.profile, load: slot.open.count, connected: slot.connected, away: slot.away)
        }.sorted { $0.profile.name < $1.profile.name }
    }

    /// The summary of one agent, or nil if the dispatcher does not know it.
    public func agentSummary(_ name: String) -> AgentSummary? {
        agents[name].map { AgentSummary(profile: $0.profile, load: $0.open.count, connected: $0.connected, away: $0.away) }
    }

    /// Gives `ticket` to `agent` with the next epoch, whoever held it: a queued ticket leaves its queue, a
    /// held one leaves its holder (returned as `previous`, whose slot frees). The ticket goes in progress,
    /// whatever it was (also one waiting on the customer: the new holder is to work it now), and a
    /// release's cooldown on it ends. The caller has checked that the ticket is open and the agent known.
    /// O(log n).
    public mutating func assign(_ ticket: TicketID, to agent: String, now: Millis) -> (lease: Lease, previous: Lease?)? {
        guard let open = tickets[ticket], agents[agent] != nil else { return nil }
        let previous = lease(of: ticket)
        if previous != nil {
            park(ticket)  // the holder's slot frees; the ticket is in no queue
        } else {
            queueRemove(open.key, ticket)
        }
        guard let granted = grant(ticket, to: agent, now: now) else { return nil }
        return (granted.lease, previous)
    }

    /// Changes the skill and tier an open ticket needs (a lead's new category or tier). A queued ticket
    /// moves to the queue of its new key; a held or parked one keeps its holder and state, and goes to the
    /// new queue when it is next queued.
    public mutating func changeRoute(_ ticket: TicketID, skill: String, tier: Int) {
        guard let open = tickets[ticket] else { return }
        if open.assignee == nil && open.status == .pendingAssignment {
            reroute(ticket, skill: skill, tier: tier)
        } else {
            tickets[ticket]?.skill = skill
            tickets[ticket]?.tier = tier
        }
    }
}
