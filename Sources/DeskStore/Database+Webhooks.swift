import DeskModel
import GRDB

/// Webhook deliveries and their attempts: written by the coordinator's delivery service through the
/// group-commit writer, read back at its start to resume what was still pending.
extension Database {
    /// Where a delivery stands: `pending` until it is delivered, failed after its last attempt, or dropped
    /// (refused because the delivery queue was full).
    public enum WebhookDeliveryState: String, Sendable {
        case pending, delivered, failed, dropped
    }

    /// Stores a new delivery in `state` (pending, or dropped when the queue refused it).
    public func insertWebhookDelivery(_ delivery: WebhookDelivery, state: WebhookDeliveryState = .pending) throws {
        try execute(sql: """
            INSERT INTO webhook_deliveries (id, ticket_id, url, payload, state, attempts, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [delivery.id, delivery.ticket, delivery.url, delivery.payload, state.rawValue,
                             delivery.attempts, delivery.createdAt, delivery.createdAt])
    }

    /// Records attempt number `attempt` of `delivery` (its HTTP status, or the error that stopped it) and
    /// moves the delivery to `state` with that many attempts made.
    public func recordWebhookAttempt(_ delivery: WebhookDelivery, attempt: Int, at now: Millis, status: Int?,
                                     error: String?, state: WebhookDeliveryState) throws {
        try execute(sql: """
            INSERT INTO webhook_attempts (delivery, ticket_id, url, attempt, at, status, error, payload)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [delivery.id, delivery.ticket, delivery.url, attempt, now, status, error, delivery.payload])
        try execute(sql: "UPDATE webhook_deliveries SET state = ?, attempts = ?, updated_at = ? WHERE id = ?",
                    arguments: [state.rawValue, attempt, now, delivery.id])
    }

    /// The pending deliveries, oldest first, with the attempts each has made.
    public func pendingWebhookDeliveries() throws -> [WebhookDelivery] {
        try Row.fetchAll(self, sql: """
            SELECT id, ticket_id, url, payload, attempts, created_at FROM webhook_deliveries
            WHERE state = 'pending' ORDER BY created_at, id
            """).map {
            WebhookDelivery(id: $0["id"], ticket: $0["ticket_id"], url: $0["url"], payload: $0["payload"],
                            attempts: $0["attempts"], createdAt: $0["created_at"])
        }
    }

    /// Marks pending deliveries dropped (more were pending at a start than the queue holds).
    public func dropWebhookDeliveries(_ ids: [String], at now: Millis) throws {
        for id in ids {
            try execute(sql: "UPDATE webhook_deliveries SET state = 'dropped', updated_at = ? WHERE id = ? AND state = 'pending'",
                        arguments: [now, id])
        }
    }
}
