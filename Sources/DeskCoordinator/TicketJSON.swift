import DeskModel
import Foundation

/// The API's JSON shape of tickets and history events.
enum TicketJSON {
    static func ticket(_ ticket: Ticket) -> [String: Any] {
        [
            "id": ticket.id, "subject": ticket.subject, "body": ticket.body, "requester": ticket.requester,
            "priority": ticket.priority.label, "category": ticket.category, "channel": ticket.channel,
            "tags": ticket.tags, "status": ticket.status.rawValue, "tier": ticket.tier, "skill": ticket.skill,
            "assignee": ticket.assignee ?? NSNull(), "lease_epoch": ticket.leaseEpoch,
            "idempotency_key": ticket.idempotencyKey ?? NSNull(),
            "created_at": ticket.createdAt, "updated_at": ticket.updatedAt,
        ]
    }

    static func event(_ event: TicketEvent) -> [String: Any] {
        let detail = event.detail.isEmpty ? [:]
            : (try? JSONSerialization.jsonObject(with: Data(event.detail.utf8))) ?? event.detail
        return ["at": event.at, "actor": event.actor, "kind": event.kind.rawValue, "detail": detail]
    }
}
