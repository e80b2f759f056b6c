import DeskModel
import GRDB
import Testing
@testable import DeskStore

@Suite("Webhook deliveries in the store")
struct WebhookDeliveryStoreTests {
    @Test("a pending delivery reads back with its attempts until it is delivered, failed or dropped")
    func pendingUntilSettled() async throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        let first = WebhookDelivery(id: "a", ticket: 7, url: "http://127.0.0.1:1/hook", payload: "{}", createdAt: 100)
        let second = WebhookDelivery(id: "b", ticket: 8, url: "http://127.0.0.1:1/hook", payload: "{}", createdAt: 200)
        let third = WebhookDelivery(id: "c", ticket: 9, url: "http://127.0.0.1:1/hook", payload: "{}", createdAt: 300)
        try await store.writer.write { db in
            for delivery in [first, second, third] { try db.insertWebhookDelivery(delivery) }
            try db.recordWebhookAttempt(first, attempt: 1, at: 150, status: 500, error: nil, state: .pending)
            try db.recordWebhookAttempt(first, attempt: 2, at: 160, status: nil, error: "refused", state: .pending)
            try db.recordWebhookAttempt(second, attempt: 1, at: 250, status: 204, error: nil, state: .delivered)
        }
        var pending = try await store.pool.read { try $0.pendingWebhookDeliveries() }
        #expect(pending.map(\.id) == ["a", "c"])
        #expect(pending.first?.attempts == 2)
        #expect(pending.first?.payload == "{}")

        try await store.writer.write { db in
            try db.recordWebhookAttempt(first, attempt: 3, at: 170, status: 503, error: nil, state: .failed)
            try db.dropWebhookDeliveries(["c", "b"], at: 400)
        }
        pending = try await store.pool.read { try $0.pendingWebhookDeliveries() }
        #expect(pending.isEmpty)
        let states = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, state, attempts FROM webhook_deliveries ORDER BY id")
                .map { "\($0["id"] as String) \($0["state"] as String) \($0["attempts"] as Int)" }
        }
        #expect(states == ["a failed 3", "b delivered 1", "c dropped 0"], "dropping leaves a settled delivery as it was")
        let attempts = try await store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhook_attempts WHERE delivery = 'a'") ?? 0
        }
        #expect(attempts == 3)
        await store.close()
    }
}
