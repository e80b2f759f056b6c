import DeskModel
import DeskProtocol
import Foundation
import GRDB
import Testing

/// Issue 13 on real processes: escalation only upwards, one process per agent name, `desk --version`.
@Suite("The first hour on real processes", .serialized)
struct FirstHourTests {
    let core = CoordinatorCoreTests()

    func hello(_ peer: RawPeer, _ name: String, session: String) throws -> WireMessage? {
        var hello = WireHello()
        hello.agent = name
        hello.skills = ["billing"]
        hello.capacity = 1
        hello.tier = 1
        hello.mode = "raw"
        hello.session = session
        try peer.send(.hello(hello))
        return try peer.receive()
    }

    @Test("escalating to the ticket's own tier is refused and changes nothing; a higher tier is taken")
    func escalationGoesUp() async throws {
        let cluster = try await TestCluster(heartbeatMs: 1000)
        defer { cluster.shutdown() }
        let (peer, lease) = try await core.leasedPeer(cluster)
        defer { peer.close() }
        var same = WireEscalate(); same.seq = 1; same.lease = lease; same.tier = 1; same.reason = "stuck"
        try peer.send(.escalate(same))
        try core.expectError(peer, .invalidArgument, seq: 1, containing: "higher tier")
        #expect(try await cluster.history(lease.ticketID).contains { $0.kind == "escalated" } == false)
        var up = WireEscalate(); up.seq = 2; up.lease = lease; up.tier = 2; up.reason = "needs L2"
        try peer.send(.escalate(up))
        try core.expectAck(peer, 2)
        let tier = try cluster.read { try Int.fetchOne($0, sql: "SELECT tier FROM tickets WHERE id = ?", arguments: [lease.ticketID]) }
        #expect(tier == 2)
    }

    @Test("a second process under a connected agent's name is refused with a clear message; the first keeps its lease")
    func oneProcessPerName() async throws {
        let cluster = try await TestCluster(heartbeatMs: 1000)
        defer { cluster.shutdown() }
        let (first, lease) = try await core.leasedPeer(cluster, name: "alice", session: "console-1")
        defer { first.close() }
        let second = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { second.close() }
        guard case .error(let error) = try #require(try hello(second, "alice", session: "console-2")) else {
            Issue.record("the second alice was welcomed")
            return
        }
        #expect(error.message.contains("agent name 'alice' is in use by another connected process"), "\(error.message)")
        // The first still holds its lease: a note on it is taken.
        var note = WireNote(); note.seq = 1; note.lease = lease; note.body = "still mine"
        try first.send(.note(note))
        try core.expectAck(first, 1)
        // The same session on a new connection is the first process reconnecting: it takes over.
        let reconnect = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { reconnect.close() }
        guard case .welcome(let welcome) = try #require(try hello(reconnect, "alice", session: "console-1")) else {
            Issue.record("the reconnecting session was refused")
            return
        }
        #expect(welcome.lastSequence == 1)
        let refused = try await cluster.metric("desk_hello_refused_name_in_use_total")
        #expect(refused == 1)
    }

    @Test("desk --version prints the version")
    func version() async throws {
        let (status, output) = try await runDesk(["--version"])
        #expect(status == 0)
        #expect(output.first == DeskVersion.current)
    }

    @Test("a released ticket goes to the other agent who can take it, not back to its releaser")
    func releaseGoesToSomeoneElse() async throws {
        let cluster = try await TestCluster(heartbeatMs: 1000)
        defer { cluster.shutdown() }
        let (first, lease) = try await core.leasedPeer(cluster, name: "ann", session: "s-ann")
        defer { first.close() }
        let second = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { second.close() }
        _ = try #require(try second.hello("bob", skills: ["billing"], session: "s-bob"))
        var release = WireRelease(); release.seq = 1; release.lease = lease; release.reason = "not mine"
        try first.send(.release(release))
        try core.expectAck(first, 1)
        guard case .assign(let assign) = try #require(try second.receive()) else { throw E2EError("bob got no ASSIGN") }
        #expect(assign.lease.ticketID == lease.ticketID)
        #expect(assign.lease.epoch == lease.epoch + 1)
        // The first lease's dispatch was observed; the commits too; nothing waits now.
        #expect(try await cluster.metric("desk_dispatch_latency_seconds_count") == 1)
        #expect(try await cluster.metric("desk_store_commit_latency_seconds_count") ?? 0 >= 3)
        #expect(try await cluster.metric("desk_queue_depth") == 0)
    }

    @Test("a ticket no connected agent can take is reported (event, metric) and falls back to the next lower staffed tier")
    func strandedTicketFallsBack() async throws {
        let cluster = try await TestCluster(config: """
            stranded:
              notice_after: 300ms
              fallback_after: 1500ms
              fallback: lower_tier
            """)
        defer { cluster.shutdown() }
        try cluster.startAgent("l2", skills: ["billing"], capacity: 1, tier: 2, serviceTime: "600s")
        try await eventually(10, "l2 connected") { try await cluster.metric("desk_agents_connected") == 1 }
        // The shipped intake rule sends legal wording to tier 3; no tier-3 agent is connected.
        let (status, json) = await cluster.create(["subject": "Letter from our lawyer", "body": "about the contract",
                                                   "requester": "a@example.com", "category": "billing"])
        #expect(status == 201)
        let id = (json["id"] as? NSNumber)?.int64Value ?? 0
        try await eventually(10, "the stranded event") { try await cluster.history(id).contains { $0.kind == "stranded" } }
        let stranded = try await cluster.history(id).first { $0.kind == "stranded" }
        #expect(stranded?.detail["tier"] as? Int == 3)
        #expect(stranded?.detail["skill"] as? String == "billing")
        #expect(try await cluster.metric("desk_tickets_stranded") == 1)
        try await eventually(10, "the fall-back and the assignment to l2") {
            let kinds = try await cluster.history(id).map(\.kind)
            return kinds.contains("rerouted") && kinds.contains("assigned")
        }
        let history = try await cluster.history(id)
        let rerouted = history.first { $0.kind == "rerouted" }
        #expect(rerouted?.detail["tier"] as? [String: Int] == ["from": 3, "to": 2])
        #expect(history.first { $0.kind == "assigned" }?.detail["agent"] as? String == "l2")
        #expect(history.filter { $0.kind == "stranded" }.count == 1, "reported once")
        try await eventually(5, "the gauge back at 0") { try await cluster.metric("desk_tickets_stranded") == 0 }
    }
}
