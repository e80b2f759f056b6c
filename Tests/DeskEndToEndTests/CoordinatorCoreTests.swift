import DeskProtocol
import Foundation
import GRDB
import Testing

/// Issue 12's defects on a real coordinator: sequence numbers told only after commit, refusals repeated
/// exactly, stalls that expire no one, parked tickets, HELLO floods.
@Suite("Coordinator core on real processes", .serialized)
struct CoordinatorCoreTests {
    /// A raw peer holding the lease of one new `billing` ticket.
    func leasedPeer(_ cluster: TestCluster, name: String = "raw", session: String = "r1") async throws -> (RawPeer, WireLeaseRef) {
        let peer = try RawPeer(endpoint: cluster.agentsEndpoint)
        _ = try #require(try peer.hello(name, skills: ["billing"], session: session))
        #expect(await cluster.create(["subject": "refund", "body": "b", "requester": "a@example.com", "category": "billing"]).status == 201)
        guard case .assign(let assign) = try #require(try peer.receive()) else { throw E2EError("no ASSIGN") }
        return (peer, assign.lease)
    }

    func expectError(_ peer: RawPeer, _ code: WireErrorCode, seq: UInt64, containing text: String = "") throws {
        guard case .error(let error) = try #require(try peer.receive()) else { throw E2EError("expected ERROR \(code)") }
        #expect(error.code == code, "\(error.message)")
        #expect(error.seq == seq)
        if !text.isEmpty { #expect(error.message.contains(text), "\(error.message)") }
    }

    func expectAck(_ peer: RawPeer, _ seq: UInt64) throws {
        guard case .ack(let ack) = try #require(try peer.receive()) else { throw E2EError("expected ACK \(seq)") }
        #expect(ack.seq == seq)
    }

    @Test("a refused report's retry gets the same refusal, never an ACK, also after a kill -9 restart")
    func refusalIsRepeated() async throws {
        let cluster = try await TestCluster(heartbeatMs: 1000)
        defer { cluster.shutdown() }
        let (peer, lease) = try await leasedPeer(cluster)
        defer { peer.close() }
        var resolved = WireStatusChange(); resolved.seq = 1; resolved.lease = lease; resolved.status = .resolved
        try peer.send(.statusChange(resolved))
        try expectError(peer, .invalidTransition, seq: 1)
        try peer.send(.statusChange(resolved))
        try expectError(peer, .invalidTransition, seq: 1)
        var note = WireNote(); note.seq = 2; note.lease = lease; note.body = "looking"
        try peer.send(.note(note))
        try expectAck(peer, 2)

        try await cluster.restartCoordinatorAfterKill9()
        let again = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { again.close() }
        let welcome = try #require(try again.hello("raw", skills: ["billing"], session: "r1", leases: [lease]))
        #expect(welcome.lastSequence == 2)
        #expect(welcome.keptLeases == [lease])
        try again.send(.statusChange(resolved))
        try expectError(again, .invalidTransition, seq: 1)
        try again.send(.note(note))
        try expectAck(again, 2)
        let notes = try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM ticket_events WHERE kind = 'noted'") }
        #expect(notes == 1, "the retried note took effect once")
    }

    @Test("sequence numbers: a gap is refused and not taken; an empty session is refused; NOT_WELCOMED names the report's seq")
    func sequenceEdges() async throws {
        let cluster = try await TestCluster(heartbeatMs: 1000)
        defer { cluster.shutdown() }
        let stranger = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { stranger.close() }
        var early = WireNote(); early.seq = 7; early.lease = WireLeaseRef(ticket: 1, epoch: 1); early.body = "x"
        try stranger.send(.note(early))
        try expectError(stranger, .notWelcomed, seq: 7)
        var hello = WireHello(); hello.agent = "nosession"; hello.capacity = 1; hello.tier = 1; hello.session = ""
        try stranger.send(.hello(hello))
        try expectError(stranger, .invalidArgument, seq: 0, containing: "session")

        let (peer, lease) = try await leasedPeer(cluster)
        defer { peer.close() }
        var note = WireNote(); note.lease = lease; note.body = "one"
        note.seq = 1
        try peer.send(.note(note))
        try expectAck(peer, 1)
        note.seq = 5
        try peer.send(.note(note))
        try expectError(peer, .invalidArgument, seq: 5, containing: "must be 2")
        note.seq = 2
        try peer.send(.note(note))
        try expectAck(peer, 2)
        let notes = try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM ticket_events WHERE kind = 'noted'") }
        #expect(notes == 2)
    }

    @Test("an expired lease is revoked: a silent agent that is still listening hears REVOKE")
    func expiryRevokes() async throws {
        let cluster = try await TestCluster(heartbeatMs: 100)
        defer { cluster.shutdown() }
        let (peer, lease) = try await leasedPeer(cluster)
        defer { peer.close() }
        // The raw peer never heartbeats: its lease expires after 300 ms.
        guard case .revoke(let revoke) = try #require(try peer.receive()) else { throw E2EError("no REVOKE on expiry") }
        #expect(revoke.lease == lease)
        #expect(revoke.reason.contains("expired"))
    }

    @Test("the coordinator stopped (SIGSTOP) for longer than the liveness period expires no healthy agent")
    func stallExpiresNoOne() async throws {
        let cluster = try await TestCluster(heartbeatMs: 200)
        defer { cluster.shutdown() }
        try cluster.startAgent("steady", skills: ["billing"], capacity: 2, serviceTime: "30s")
        let (_, first) = await cluster.create(["subject": "long", "body": "b", "requester": "a@example.com", "category": "billing"])
        let id = try #require((first["id"] as? NSNumber)?.int64Value)
        try await eventually(10, "the long ticket assigned") { try await cluster.status(of: id) == "in_progress" }
        let pid = cluster.coordinator.process.processIdentifier
        kill(pid, SIGSTOP)
        // Stopped for 2 s, more than three times the 600 ms liveness. (The wait is the fault itself.)
        try await Task.sleep(for: .seconds(2))
        kill(pid, SIGCONT)
        // Work that needs the loop after the stall: a second ticket assigned to the same agent.
        let (_, second) = await cluster.create(["subject": "after", "body": "b", "requester": "a@example.com", "category": "billing"])
        let next = try #require((second["id"] as? NSNumber)?.int64Value)
        try await eventually(10, "the second ticket assigned") { try await cluster.status(of: next) == "in_progress" }
        let expired = try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM ticket_events WHERE kind = 'lease_expired'") }
        #expect(expired == 0)
        let assignments = try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM ticket_events WHERE kind = 'assigned' AND ticket_id = ?", arguments: [id]) }
        #expect(assignments == 1, "the lease never moved")
    }

    /// Slow (20,000 tickets, then a heavy loop step): it ran beside the second-scale SLA tests and starved
    /// them, so it runs only when `DESK_SLOW_TESTS` is set (`ExpiryHoldTests` cover the rule in every run).
    @Test("a loop step longer than the liveness period (new SLA policies over 20,000 open tickets) expires no healthy agent",
          .enabled(if: ProcessInfo.processInfo.environment["DESK_SLOW_TESTS"] != nil))
    func longLoopStepExpiresNoOne() async throws {
        // Liveness 300 ms: the PUT below rebuilds 20,001 clocks in one loop step of about 0.5-1 s in a debug
        // build (0.24 s in a release one, where heartbeat 50 ms showed the defect: the lease expired the
        // moment the step ended).
        let cluster = try await TestCluster(heartbeatMs: 100)
        defer { cluster.shutdown() }
        try cluster.startAgent("steady", skills: ["billing"], capacity: 1, serviceTime: "60s")
        let (_, first) = await cluster.create(["subject": "long", "body": "b", "requester": "a@example.com", "category": "billing"])
        let id = try #require((first["id"] as? NSNumber)?.int64Value)
        try await eventually(10, "the long ticket assigned") { try await cluster.status(of: id) == "in_progress" }
        // 20,000 queued tickets the busy agent cannot take: each one's clock is rebuilt by the PUT below.
        let item = #"{"subject":"backlog","body":"b","requester":"a@example.com","category":"billing"}"#
        let batch = Data(("{\"tickets\":[" + Array(repeating: item, count: 1000).joined(separator: ",") + "]}").utf8)
        for _ in 0..<20 {
            #expect(try await cluster.request("POST", "/api/v1/tickets/batch", body: batch).status == 200)
        }
        let policies = Data(#"{"policies":[{"name":"tight","first_response":"1h","resolution":"8h"}],"defaults":false}"#.utf8)
        let started = ContinuousClock.now
        #expect(try await cluster.request("PUT", "/api/v1/sla/policies", body: policies).status == 200)
        let took = ContinuousClock.now - started
        // Work that needs the loop after the step: a customer message on the long ticket.
        let answered = try await cluster.request("POST", "/api/v1/tickets/\(id)/messages", body: Data(#"{"body":"still there?"}"#.utf8))
        #expect(answered.status == 201)
        let expired = try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM ticket_events WHERE kind = 'lease_expired'") }
        #expect(expired == 0, "the PUT took \(took); the liveness period is 300 ms")
        if expired != 0 {
            let rows = try cluster.read { try Row.fetchAll($0, sql: "SELECT ticket_id, kind, at, detail FROM ticket_events WHERE kind IN ('lease_expired','assigned') ORDER BY id") }
            Issue.record("leases granted and expired: \(rows)")
        }
        let assignments = try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM ticket_events WHERE kind = 'assigned' AND ticket_id = ?", arguments: [id]) }
        #expect(assignments == 1, "the lease never moved")
        // Let one liveness period pass after the hold ends, by a customer message round trip each 100 ms.
        try await eventually(5, "the agent still holds the long ticket a second later") {
            _ = try await cluster.request("GET", "/healthz")
            return ContinuousClock.now - started > took + .seconds(1)
        }
        let expiredLater = try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM ticket_events WHERE kind = 'lease_expired'") }
        #expect(expiredLater == 0, "heard again after the hold: the agent is alive")
        // The 20,001 new due times are stored a slice per tick, behind nothing and ahead of nothing.
        do {
            try await eventually(30, "every open ticket's due times stored under the new policy") {
                try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tickets WHERE sla_policy = 'tight'") } == 20_001
            }
        } catch {
            let rows = try cluster.read { try Row.fetchAll($0, sql: "SELECT sla_policy, status, COUNT(*) AS n FROM tickets GROUP BY 1, 2") }
            Issue.record("policies stored: \(rows)")
            throw error
        }
    }

    @Test("an agent leaving parks its tickets waiting on the customer; the customer's answer queues them for someone else")
    func waitingTicketsAreParked() async throws {
        let cluster = try await TestCluster(heartbeatMs: 1000)
        defer { cluster.shutdown() }
        let (peer, lease) = try await leasedPeer(cluster, name: "leaver")
        var waiting = WireStatusChange(); waiting.seq = 1; waiting.lease = lease; waiting.status = .waitingOnCustomer
        try peer.send(.statusChange(waiting))
        try expectAck(peer, 1)
        try peer.send(.bye(WireBye()))
        peer.close()
        try cluster.startAgent("other", skills: ["billing"], serviceTime: "30s")
        try await eventually(10, "the release recorded") {
            try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM ticket_events WHERE kind = 'released'") } == 1
        }
        let parked = try cluster.read { try Row.fetchOne($0, sql: "SELECT status, assignee FROM tickets WHERE id = ?", arguments: [lease.ticketID]) }
        #expect(parked?["status"] as String? == "waiting_on_customer", "still paused")
        #expect(parked?["assignee"] as String? == nil)
        let answered = try await cluster.request("POST", "/api/v1/tickets/\(lease.ticketID)/messages", body: Data(#"{"body":"here it is"}"#.utf8))
        #expect(answered.status == 201)
        #expect(answered.json["status"] as? String == "pending_assignment")
        try await eventually(10, "the answered ticket assigned to the other agent") {
            try cluster.read { try String.fetchOne($0, sql: "SELECT assignee FROM tickets WHERE id = ?", arguments: [lease.ticketID]) } == "other"
        }
    }

    @Test("a flood of HELLOs under random names from one socket leaves no agent rows behind")
    func helloFloodLeavesNoLitter() async throws {
        let cluster = try await TestCluster(heartbeatMs: 1000)
        defer { cluster.shutdown() }
        let peer = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { peer.close() }
        for n in 0..<2_000 {
            var hello = WireHello(); hello.agent = "flood-\(n)-\(UUID().uuidString.prefix(8))"; hello.capacity = 1; hello.tier = 1
            hello.session = "s"
            try peer.send(.hello(hello))
        }
        var last = WireHello(); last.agent = "last"; last.capacity = 1; last.tier = 1; last.session = "s"
        try peer.send(.hello(last))
        var welcomed = false
        while !welcomed, let message = try peer.receive() {
            if case .welcome(let welcome) = message, welcome.agent == "last" { welcomed = true }
        }
        #expect(welcomed)
        // The last HELLO's row is the last change submitted: once it is there, every earlier one is too.
        try await eventually(10, "the last agent's row stored") {
            try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM agents WHERE name = 'last'") } == 1
        }
        let names = try cluster.read { try String.fetchAll($0, sql: "SELECT name FROM agents") }
        #expect(names == ["last"])
    }
}
