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
}
