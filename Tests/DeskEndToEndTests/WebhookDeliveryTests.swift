import Foundation
import GRDB
import Testing

/// Webhook delivery across restarts: pending deliveries are stored, resumed at the next start with their
/// attempt counts, and a graceful stop cancels the attempts in flight instead of waiting for them.
@Suite(.serialized) struct WebhookDeliveryTests {
    static func config(hook: Int) -> String {
        """
        sla:
          policies:
            - name: fast-p1
              when: { priority: P1 }
              first_response: 1s
              on_breach: [{ notify: "http://127.0.0.1:\(hook)/hook" }]
        """
    }

    /// Each attempt of the ticket's deliveries: (delivery, attempt, status or 0, error or "").
    func attempts(_ cluster: TestCluster, _ ticket: Int64) throws -> [(delivery: String, attempt: Int, status: Int, error: String)] {
        try cluster.read { db in
            try Row.fetchAll(db, sql: "SELECT delivery, attempt, status, error FROM webhook_attempts WHERE ticket_id = ? ORDER BY id",
                             arguments: [ticket]).map { ($0["delivery"], $0["attempt"], $0["status"] ?? 0, $0["error"] ?? "") }
        }
    }

    func breachTicket(_ cluster: TestCluster) async throws -> Int64 {
        let (status, ticket) = await cluster.create(["subject": "VPN dead", "body": "the vpn drops", "requester": "a@b.co",
                                                     "priority": "P1", "category": "network"])
        #expect(status == 201)
        return (ticket["id"] as? NSNumber)?.int64Value ?? 0
    }

    @Test func aDeliveryWhoseReceiverIsDownWhenTheCoordinatorIsKilledIsResumedAndArrivesOnceTheReceiverIsUp() async throws {
        let port = try freeLocalPort()  // nothing listens there yet: every attempt is refused
        let cluster = try await TestCluster(config: Self.config(hook: port))
        defer { cluster.shutdown() }
        let id = try await breachTicket(cluster)
        try await eventually(15, "two refused attempts") { try attempts(cluster, id).count >= 2 }

        try await cluster.restartCoordinatorAfterKill9()
        let hooks = HookReceiver()
        _ = try await hooks.start(port: port)
        defer { hooks.stop() }
        try await eventually(30, "the breach notification after the restart") { hooks.received.count >= 1 }
        try await eventually(5, "the delivered attempt recorded") { try attempts(cluster, id).last?.status == 200 }

        let tried = try attempts(cluster, id)
        #expect(Set(tried.map(\.delivery)).count == 1, "one delivery, resumed: \(tried)")
        #expect(tried.map(\.attempt) == Array(1...tried.count), "the count goes on across the restart: \(tried)")
        #expect(tried.last?.status == 200)
        #expect(tried.dropLast().allSatisfy { $0.status == 0 && !$0.error.isEmpty }, "\(tried)")
        #expect(hooks.deliveryIDs == [tried.first?.delivery ?? ""], "the receiver can tell a repeat by its id")
        #expect(hooks.received.first?["target"] as? String == "first_response")
        let state = try cluster.read { db in
            try Row.fetchOne(db, sql: "SELECT state, attempts FROM webhook_deliveries WHERE ticket_id = ?", arguments: [id])
        }
        #expect(state?["state"] as String? == "delivered")
        #expect(state?["attempts"] as Int? == tried.count)
        #expect(hooks.received.count == 1, "delivered once")
    }

    @Test func sigtermDuringRetriesEndsTheCoordinatorPromptlyAndTheDeliveryResumesAtTheNextStart() async throws {
        // The first attempt gets a 500; the retry hangs: SIGTERM comes while it is in flight.
        let hooks = HookReceiver(script: [.fail, .hang])
        let port = try await hooks.start()
        defer { hooks.stop() }
        let cluster = try await TestCluster(config: Self.config(hook: port))
        defer { cluster.shutdown() }
        let id = try await breachTicket(cluster)
        try await eventually(15, "the retry in flight") { hooks.requests >= 2 }

        let stopping = ContinuousClock.now
        cluster.coordinator.terminate()
        let status = try await cluster.coordinator.exitStatus(within: 10)
        let took = ContinuousClock.now - stopping
        #expect(status == 0)
        #expect(took < .seconds(3), "the attempt in flight (5 s timeout) is cancelled, not waited for: \(took)")
        // The interrupted attempt is not counted; the delivery is still pending.
        #expect(try attempts(cluster, id).map { "\($0.attempt) \($0.status)" } == ["1 500"])
        // (Read without throwing, so that on a store without the table the test goes on to the restart.)
        let pending = try? cluster.read { db in
            try Row.fetchOne(db, sql: "SELECT state || ' ' || attempts FROM webhook_deliveries WHERE ticket_id = ?", arguments: [id])
                .map { $0[0] as String }
        }
        #expect(pending == "pending 1")

        try await cluster.startCoordinatorAgain()
        try await eventually(15, "the delivery resumed after the restart") { hooks.received.count >= 1 }
        try await eventually(5, "its attempt recorded") { try attempts(cluster, id).count == 2 }
        #expect(try attempts(cluster, id).map { "\($0.attempt) \($0.status)" } == ["1 500", "2 200"])
    }
}
