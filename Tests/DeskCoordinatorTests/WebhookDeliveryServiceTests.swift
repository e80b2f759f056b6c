import DeskStore
import Foundation
import GRDB
import Logging
import Testing
@testable import DeskCoordinator

@Suite("Webhook delivery service: the bounded queue")
struct WebhookDeliveryServiceTests {
    @Test("past its capacity a delivery is stored as dropped and counted, and the loop's send never waits")
    func droppedPastCapacity() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-hooks-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try TicketStore(directory: directory)
        let metrics = CoordinatorMetrics()
        let service = WebhookDeliveryService(store: store, policy: .init(capacity: 1), metrics: metrics,
                                             logger: Logger(label: "desk-test"))
        service.send("{\"n\":1}", to: "http://127.0.0.1:1/hook", ticket: 1)
        service.send("{\"n\":2}", to: "http://127.0.0.1:1/hook", ticket: 2)
        try await store.writer.write { _ in }  // the writer runs changes in order: both are stored by now
        let rows = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT ticket_id, state FROM webhook_deliveries ORDER BY ticket_id")
                .map { "\($0["ticket_id"] as Int64) \($0["state"] as String)" }
        }
        #expect(rows == ["1 pending", "2 dropped"])
        #expect(metrics.webhooksDropped.current == 1)
        #expect(metrics.queuedWebhooks == 1)
        let text = metrics.render()
        #expect(text.contains("desk_webhook_deliveries_dropped_total 1\n"))
        #expect(text.contains("desk_webhook_deliveries_queued 1\n"))
        await store.close()
    }
}
