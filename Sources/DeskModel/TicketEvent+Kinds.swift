/// One constructor per event kind, each with the one JSON shape of its `detail`: the loop, the store and
/// the event stream all build events here, so a kind never has two shapes. `docs/PROTOCOL.md` (Event
/// stream) lists every kind with its fields.
extension TicketEvent {
    /// A ticket was created: its priority and skill as created (the history never rewrites them).
    public static func created(_ ticket: TicketID, at: Millis, actor: String, priority: Priority, skill: String) -> TicketEvent {
        TicketEvent(ticketID: ticket, at: at, actor: actor, kind: .created,
                    detail: JSONText.object(["priority": priority.label, "skill": skill]))
    }

    /// A lease was granted: `{"agent","epoch"}`. The actor is `system` for the dispatcher's own choice,
    /// `api` for a lead's assignment.
    public static func assigned(_ lease: Lease, at: Millis, actor: String = "system") -> TicketEvent {
        TicketEvent(ticketID: lease.ticket, at: at, actor: actor, kind: .assigned,
                    detail: "{\"agent\":\(JSONText.string(lease.agent)),\"epoch\":\(lease.epoch)}")
    }

    /// The agent accepted its lease: `{"epoch"}`.
    public static func accepted(_ lease: Lease, at: Millis, actor: String) -> TicketEvent {
        TicketEvent(ticketID: lease.ticket, at: at, actor: actor, kind: .accepted, detail: "{\"epoch\":\(lease.epoch)}")
    }

    /// Progress: `{"note","percent"?}`.
    public static func progress(_ ticket: TicketID, at: Millis, actor: String, note: String, percent: Int?) -> TicketEvent {
        TicketEvent(ticketID: ticket, at: at, actor: actor, kind: .progress,
                    detail: "{\"note\":\(JSONText.string(note))" + (percent.map { ",\"percent\":\($0)" } ?? "") + "}")
    }

    /// A public reply: `{"body","public":true,"macro"?}`.
    public static func replied(_ ticket: TicketID, at: Millis, actor: String, body: String, macro: String?) -> TicketEvent {
        TicketEvent(ticketID: ticket, at: at, actor: actor, kind: .replied,
                    detail: "{\"body\":\(JSONText.string(body)),\"public\":true"
                        + (macro.map { ",\"macro\":\(JSONText.string($0))" } ?? "") + "}")
    }

    /// An internal note, never shown to the customer: `{"body","public":false}`.
    public static func noted(_ ticket: TicketID, at: Millis, actor: String, body: String) -> TicketEvent {
        TicketEvent(ticketID: ticket, at: at, actor: actor, kind: .noted, detail: "{\"body\":\(JSONText.string(body)),\"public\":false}")
    }

    /// The customer wrote: `{"body","public":true}`.
    public static func customerReplied(_ ticket: TicketID, at: Millis, body: String) -> TicketEvent {
        TicketEvent(ticketID: ticket, at: at, actor: "customer", kind: .customerReplied,
                    detail: "{\"body\":\(JSONText.string(body)),\"public\":true}")
    }

    /// A status change: `{"from","to"}`.
    public static func statusChanged(_ ticket: TicketID, at: Millis, actor: String, from: TicketStatus, to: TicketStatus) -> TicketEvent {
        TicketEvent(ticketID: ticket, at: at, actor: actor, kind: .statusChanged,
                    detail: JSONText.object(["from": from.rawValue, "to": to.rawValue]))
    }

    /// A lease ended and the ticket was queued or parked (release, BYE, reassignment):
    /// `{"agent","epoch","reason","parked"?}`.
    public static func released(_ lease: Lease, at: Millis, actor: String = "system", reason: String, parked: Bool = false) -> TicketEvent {
        leaseEnded(.released, lease, at: at, actor: actor, reason: reason, parked: parked)
    }

    /// A silent agent's lease ended: `{"agent","epoch","reason","parked"?}`.
    public static func leaseExpired(_ lease: Lease, at: Millis, reason: String, parked: Bool = false) -> TicketEvent {
        leaseEnded(.leaseExpired, lease, at: at, actor: "system", reason: reason, parked: parked)
    }

    private static func leaseEnded(_ kind: TicketEventKind, _ lease: Lease, at: Millis, actor: String, reason: String,
                                   parked: Bool) -> TicketEvent {
        TicketEvent(ticketID: lease.ticket, at: at, actor: actor, kind: kind,
                    detail: "{\"agent\":\(JSONText.string(lease.agent)),\"epoch\":\(lease.epoch),\"reason\":\(JSONText.string(reason))"
                        + (parked ? ",\"parked\":true}" : "}"))
    }

    /// A resolution: `{"epoch","resolution","macro"?}`.
    public static func resolved(_ lease: Lease, at: Millis, actor: String, resolution: String, macro: String? = nil) -> TicketEvent {
        TicketEvent(ticketID: lease.ticket, at: at, actor: actor, kind: .resolved,
                    detail: "{\"epoch\":\(lease.epoch),\"resolution\":\(JSONText.string(resolution))"
                        + (macro.map { ",\"macro\":\(JSONText.string($0))" } ?? "") + "}")
    }

    /// A resolved ticket was reopened and queued again: `{"reason","epoch"}` (the last lease's epoch; the
    /// next assignment gets a higher one).
    public static func reopened(_ ticket: TicketID, at: Millis, actor: String, reason: String, epoch: Int64) -> TicketEvent {
        TicketEvent(ticketID: ticket, at: at, actor: actor, kind: .reopened,
                    detail: "{\"reason\":\(JSONText.string(reason)),\"epoch\":\(epoch)}")
    }

    /// An escalation: `{"from_tier","to_tier","to_tier_name"?,"reason","rule"?,"priority"?,"macro"?}`. `rule` is
    /// `intake` or `handoff` for the system's own rules.
    public static func escalated(_ ticket: TicketID, at: Millis, actor: String, fromTier: Int, toTier: Int, toTierName: String?,
                                 reason: String, rule: String? = nil, priority: Priority? = nil, macro: String? = nil) -> TicketEvent {
        var detail = "{\"from_tier\":\(fromTier),\"to_tier\":\(toTier)"
        if let toTierName { detail += ",\"to_tier_name\":\(JSONText.string(toTierName))" }
        detail += ",\"reason\":\(JSONText.string(reason))"
        if let rule { detail += ",\"rule\":\(JSONText.string(rule))" }
        if let priority { detail += ",\"priority\":\"\(priority.label)\"" }
        if let macro { detail += ",\"macro\":\(JSONText.string(macro))" }
        return TicketEvent(ticketID: ticket, at: at, actor: actor, kind: .escalated, detail: detail + "}")
    }

    /// A macro was applied: `{"macro"}`.
    public static func macroApplied(_ ticket: TicketID, at: Millis, actor: String, macro: String) -> TicketEvent {
        TicketEvent(ticketID: ticket, at: at, actor: actor, kind: .macroApplied, detail: JSONText.object(["macro": macro]))
    }

    /// An SLA warning or breach: `{"target","fraction","due_at","policy"}`.
    public static func sla(_ ticket: TicketID, at: Millis, breach: Bool, target: String, fraction: Double, dueAt: Millis,
                           policy: String) -> TicketEvent {
        TicketEvent(ticketID: ticket, at: at, actor: "system", kind: breach ? .slaBreached : .slaWarning,
                    detail: "{\"target\":\"\(target)\",\"fraction\":\(fraction),\"due_at\":\(dueAt),\"policy\":\(JSONText.string(policy))}")
    }

    /// No connected agent can take the ticket: `{"skill","tier","waiting_since"}` (the queue's, in ms).
    public static func stranded(_ ticket: TicketID, at: Millis, skill: String, tier: Int, since: Millis) -> TicketEvent {
        TicketEvent(ticketID: ticket, at: at, actor: "system", kind: .stranded,
                    detail: "{\"skill\":\(JSONText.string(skill)),\"tier\":\(tier),\"waiting_since\":\(since)}")
    }

    /// A stranded ticket moved to its fallback queue: `{"skill":{"from","to"},"tier":{"from","to"},"reason"}`.
    public static func rerouted(_ ticket: TicketID, at: Millis, skill: (from: String, to: String), tier: (from: Int, to: Int),
                                reason: String) -> TicketEvent {
        TicketEvent(ticketID: ticket, at: at, actor: "system", kind: .rerouted,
                    detail: "{\"skill\":{\"from\":\(JSONText.string(skill.from)),\"to\":\(JSONText.string(skill.to))},"
                        + "\"tier\":{\"from\":\(tier.from),\"to\":\(tier.to)},\"reason\":\(JSONText.string(reason))}")
    }
}
