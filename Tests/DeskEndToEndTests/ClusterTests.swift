import DeskProtocol
import Foundation
import GRDB
import Testing

/// End-to-end: real `desk coordinator` and `desk agent` processes over loopback on free ports.
@Suite("Cluster end to end (real processes)", .serialized)
struct ClusterTests {
    static let skillOfCategory = ["billing": "billing", "network": "network", "account": "account", "hardware": "hardware"]

    /// Per ticket: how many `resolved` events, and the resolving agent.
    func resolutions(_ cluster: TestCluster) throws -> [Int64: (count: Int, agent: String)] {
        try cluster.read { db in
            var result: [Int64: (Int, String)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT ticket_id, actor FROM ticket_events WHERE kind = 'resolved'") {
                let id: Int64 = row["ticket_id"]
                let actor: String = row["actor"]
                result[id] = ((result[id]?.0 ?? 0) + 1, String(actor.dropFirst("agent:".count)))
            }
            return result
        }
    }

    @Test("1,000 tickets with 4 sim agents of mixed skills: each resolved once, by a skilled agent, P1 before P4")
    func thousandTickets() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let categories = ["billing", "network", "account", "hardware"]
        let priorities = ["P1", "P2", "P3", "P4"]
        // Created before any agent connects, so every ticket is queued when dispatch starts.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for n in stride(from: worker, to: 1000, by: 8) {
                        let reply = await cluster.create([
                            "subject": "ticket \(n)", "body": "needs help", "requester": "c\(n)@example.com",
                            "category": categories[n % 4], "priority": priorities[(n / 4) % 4]])
                        guard reply.status == 201 else { throw E2EError("create \(n) got \(reply.status) \(reply.json)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        let skills: [String: [String]] = [
            "ana": ["billing", "account"], "bo": ["network"], "cy": ["hardware", "network"],
            "dee": ["billing", "account", "hardware", "network"],
        ]
        try cluster.startAgent("ana", skills: skills["ana"]!, capacity: 2)
        try cluster.startAgent("bo", skills: skills["bo"]!, capacity: 2)
        try cluster.startAgent("cy", skills: skills["cy"]!, capacity: 1)
        try cluster.startAgent("dee", skills: skills["dee"]!, capacity: 3)
        try await eventually(120, "1,000 tickets resolved") { try cluster.resolvedCount() == 1000 }

        let resolved = try resolutions(cluster)
        let tickets = try cluster.read { db in
            try Row.fetchAll(db, sql: "SELECT id, skill, priority FROM tickets").map {
                (id: $0["id"] as Int64, skill: $0["skill"] as String, priority: $0["priority"] as Int)
            }
        }
        #expect(tickets.count == 1000)
        for ticket in tickets {
            let resolution = try #require(resolved[ticket.id], "ticket \(ticket.id) not resolved")
            #expect(resolution.count == 1, "ticket \(ticket.id) resolved \(resolution.count) times")
            #expect(skills[resolution.agent]?.contains(ticket.skill) == true,
                    "ticket \(ticket.id) needs \(ticket.skill) but \(resolution.agent) resolved it")
        }
        // Within each skill's queue, every P1 was assigned before any P4.
        let assignedOrder = try cluster.read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.id AS event, t.skill AS skill, t.priority AS priority FROM ticket_events e
                JOIN tickets t ON t.id = e.ticket_id WHERE e.kind = 'assigned'
                """).map { (event: $0["event"] as Int64, skill: $0["skill"] as String, priority: $0["priority"] as Int) }
        }
        #expect(assignedOrder.count == 1000, "no ticket assigned twice")
        for skill in Set(tickets.map(\.skill)) {
            let lastP1 = assignedOrder.filter { $0.skill == skill && $0.priority == 1 }.map(\.event).max() ?? 0
            let firstP4 = assignedOrder.filter { $0.skill == skill && $0.priority == 4 }.map(\.event).min() ?? .max
            #expect(lastP1 < firstP4, "skill \(skill): a P4 was assigned before the last P1")
        }
    }

    @Test("kill -9 of an agent holding leases: its tickets expire, go to another agent; the old epoch is refused as stale")
    func agentKilled() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        try cluster.startAgent("slow", skills: ["network"], capacity: 3, serviceTime: "600s")
        var ids: [Int64] = []
        for n in 0..<3 {
            let reply = await cluster.create(["subject": "VPN \(n)", "body": "down", "requester": "v@example.com", "category": "network"])
            ids.append(try #require(reply.json["id"] as? Int64 ?? (reply.json["id"] as? Int).map(Int64.init)))
        }
        try await eventually(20, "three leases on slow") {
            try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM leases WHERE agent = 'slow'") } == 3
        }
        cluster.agents["slow"]?.kill9()
        try cluster.startAgent("backup", skills: ["network"], capacity: 3)
        try await eventually(30, "the three tickets resolved by backup") { try cluster.resolvedCount() == 3 }
        let resolved = try resolutions(cluster)
        for id in ids {
            #expect(resolved[id]?.agent == "backup")
            #expect(resolved[id]?.count == 1)
            let kinds = try cluster.read { try String.fetchAll($0, sql: "SELECT kind FROM ticket_events WHERE ticket_id = ? ORDER BY id", arguments: [id]) }
            #expect(kinds == ["assigned", "progress", "lease_expired", "assigned", "resolved"] || kinds == ["assigned", "lease_expired", "assigned", "resolved"],
                    "history of \(id): \(kinds)")
        }

        // A zombie: takes a lease, goes silent past its liveness, comes back and reports on the old epoch.
        let peer = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { peer.close() }
        _ = try #require(try peer.hello("zombie", skills: ["printing"], session: "z1"))
        cluster.agents["backup"]?.stop()
        let created = await cluster.create(["subject": "printer on fire", "body": "b", "requester": "p@example.com", "category": "printing"])
        #expect(created.status == 201)
        guard case .assign(let assign) = try #require(try peer.receive()) else { throw E2EError("zombie got no ASSIGN") }
        try await eventually(10, "the zombie's lease expired") {
            try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM ticket_events WHERE kind = 'lease_expired' AND ticket_id = ?", arguments: [assign.lease.ticketID]) } == 1
        }
        try cluster.startAgent("printer-pro", skills: ["printing"])
        try await eventually(20, "the printer ticket resolved by printer-pro") { try cluster.resolvedCount() == 4 }
        let welcome = try #require(try peer.hello("zombie", skills: ["printing"], session: "z1", leases: [assign.lease]))
        #expect(welcome.droppedLeases == [assign.lease], "WELCOME tells the zombie its lease is gone")
        var resolve = WireResolve()
        resolve.seq = 1
        resolve.lease = assign.lease
        resolve.resolution = "late"
        try peer.send(.resolve(resolve))
        guard case .error(let error) = try #require(try peer.receive()) else { throw E2EError("no ERROR for the stale resolve") }
        #expect(error.code == .staleLease)
        #expect(error.seq == 1)
        #expect(error.message.contains("stale"))
        #expect(try resolutions(cluster)[assign.lease.ticketID]?.agent == "printer-pro")
    }

    @Test("kill -9 of the coordinator mid-burst: every 201 ticket exists and is resolved once; agents reconnect alone")
    func coordinatorKilled() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        try cluster.startAgent("a1", skills: ["billing"], capacity: 4)
        try cluster.startAgent("a2", skills: ["billing"], capacity: 4)
        let accepted = AcceptedSet()
        let total = 400
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for n in stride(from: worker, to: total, by: 4) {
                        // Retry with the same idempotency key until the coordinator answers.
                        try await eventually(60, every: .milliseconds(100), "ticket \(n) accepted") {
                            let reply = await cluster.create([
                                "subject": "burst \(n)", "body": "b", "requester": "b\(n)@example.com",
                                "category": "billing", "idempotency_key": "burst-\(n)"])
                            if reply.status == 201 || reply.status == 200, let id = reply.json["id"] as? Int {
                                accepted.add(n, Int64(id))
                                return true
                            }
                            accepted.failedAttempt()
                            return false
                        }
                    }
                }
            }
            group.addTask {
                try await eventually(30, "a hundred tickets in") { accepted.count >= 100 }
                try await cluster.restartCoordinatorAfterKill9()
            }
            try await group.waitForAll()
        }
        #expect(accepted.count == total)
        #expect(accepted.failures > 0, "the kill landed while creates were in flight (some had to be retried)")
        let ids = accepted.ids
        #expect(Set(ids.values).count == total, "one ticket per idempotency key")
        try await eventually(60, "all accepted tickets resolved") { try cluster.resolvedCount() == total }
        let resolved = try resolutions(cluster)
        for id in ids.values { #expect(resolved[id]?.count == 1, "ticket \(id) resolved \(resolved[id]?.count ?? 0) times") }
        #expect(try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tickets") } == total)
        #expect(cluster.agents.values.allSatisfy { $0.isRunning }, "agents survived the coordinator's death")
    }

    @Test("garbage frames, a wrong version, an oversized body and a hello flood do not disturb the other agents")
    func badPeer() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        try cluster.startAgent("good-1", skills: ["account"], capacity: 2)
        try cluster.startAgent("good-2", skills: ["account"], capacity: 2)
        let bad = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { bad.close() }

        try bad.sendRaw([[0xde, 0xad, 0xbe, 0xef]])
        guard case .error(let e1) = try #require(try bad.receive()) else { throw E2EError("no error for garbage") }
        #expect(e1.code == .malformedFrame)
        try bad.sendRaw([Array("DESK".utf8) + [9], [Command.heartbeat.rawValue], []])
        guard case .error(let e2) = try #require(try bad.receive()) else { throw E2EError("no error for version 9") }
        #expect(e2.code == .unsupportedVersion)
        try bad.sendRaw([FrameCodec.header, [0x66], []])
        guard case .error(let e3) = try #require(try bad.receive()) else { throw E2EError("no error for command 0x66") }
        #expect(e3.code == .unknownCommand)
        try bad.sendRaw([FrameCodec.header, [Command.note.rawValue], [UInt8](repeating: 1, count: FrameCodec.maxBodySize + 10)])
        guard case .error(let e4) = try #require(try bad.receive()) else { throw E2EError("no error for the big body") }
        #expect(e4.code == .bodyTooLarge)
        try bad.send(.heartbeat)
        guard case .error(let e5) = try #require(try bad.receive()) else { throw E2EError("no error before HELLO") }
        #expect(e5.code == .notWelcomed)

        // Tickets flow while the bad peer floods HELLOs (invalid ones, then one name over and over).
        let tickets = 200
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for n in 0..<tickets {
                    let reply = await cluster.create(["subject": "locked out \(n)", "body": "b", "requester": "l\(n)@example.com", "category": "account"])
                    guard reply.status == 201 else { throw E2EError("create got \(reply.status)") }
                }
            }
            for n in 0..<500 {
                var hello = WireHello()
                hello.agent = n % 2 == 0 ? "" : "flooder"
                hello.capacity = n % 2 == 0 ? 0 : 1
                hello.skills = ["printing"]  // a skill no ticket here needs
                hello.session = "flood-\(n)"
                try bad.send(.hello(hello))
            }
            try await group.waitForAll()
        }
        try await eventually(60, "all tickets resolved") { try cluster.resolvedCount() == tickets }
        #expect(cluster.coordinator.isRunning)
        let resolved = try resolutions(cluster)
        #expect(resolved.count == tickets)
        #expect(resolved.values.allSatisfy { $0.count == 1 && $0.agent.hasPrefix("good-") })
    }
}

/// Tickets accepted by the coordinator in the burst test, by request number.
final class AcceptedSet: @unchecked Sendable {
    private let lock = NSLock()
    private var accepted: [Int: Int64] = [:]
    func add(_ n: Int, _ id: Int64) { lock.withLock { accepted[n] = id } }
    var count: Int { lock.withLock { accepted.count } }
    var ids: [Int: Int64] { lock.withLock { accepted } }
    private var failed = 0
    func failedAttempt() { lock.withLock { failed += 1 } }
    var failures: Int { lock.withLock { failed } }
}

@Suite("Coordinator graceful shutdown (real processes)", .serialized)
struct ShutdownTests {
    @Test("SIGTERM: the coordinator exits 0 promptly; its agent reconnects to the next coordinator and works on")
    func sigtermAndReconnect() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        try cluster.startAgent("steady", skills: ["account"], capacity: 2)
        #expect(await cluster.create(["subject": "a", "body": "b", "requester": "a@example.com", "category": "account"]).status == 201)
        try await eventually(20, "first ticket resolved") { try cluster.resolvedCount() == 1 }

        let started = ContinuousClock.now
        try await cluster.restartCoordinatorAfterSigterm { process in
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 0)
        }
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(await cluster.create(["subject": "b", "body": "b", "requester": "a@example.com", "category": "account"]).status == 201)
        try await eventually(30, "second ticket resolved by the reconnected agent") { try cluster.resolvedCount() == 2 }
        #expect(cluster.agents["steady"]?.isRunning == true)
    }
}

@Suite("Agent reports against a real coordinator", .serialized)
struct ReportTests {
    @Test("bad reports are refused with their code and change nothing; a retried sequence takes effect once")
    func reportsValidationAndDedupe() async throws {
        let cluster = try await TestCluster(heartbeatMs: 1000)
        defer { cluster.shutdown() }
        let peer = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { peer.close() }
        _ = try #require(try peer.hello("raw", skills: ["billing"], session: "r1"))
        #expect(await cluster.create(["subject": "refund", "body": "b", "requester": "a@example.com", "category": "billing"]).status == 201)
        guard case .assign(let assign) = try #require(try peer.receive()) else { throw E2EError("no ASSIGN") }
        let lease = assign.lease

        func reply(_ seq: UInt64, _ body: String) -> WireMessage {
            var m = WireReply(); m.seq = seq; m.lease = lease; m.body = body; return .reply(m)
        }
        func expectError(_ code: WireErrorCode, seq: UInt64) throws {
            guard case .error(let error) = try #require(try peer.receive()) else { throw E2EError("expected ERROR \(code)") }
            #expect(error.code == code)
            #expect(error.seq == seq)
        }
        func expectAck(_ seq: UInt64) throws {
            guard case .ack(let ack) = try #require(try peer.receive()) else { throw E2EError("expected ACK \(seq)") }
            #expect(ack.seq == seq)
        }

        try peer.send(reply(1, ""))
        try expectError(.invalidArgument, seq: 1)
        try peer.send(reply(0, "hello"))
        try expectError(.invalidArgument, seq: 0)
        var status = WireStatusChange(); status.seq = 2; status.lease = lease; status.status = .resolved
        try peer.send(.statusChange(status))
        try expectError(.invalidTransition, seq: 2)
        var wrongEpoch = WireNote(); wrongEpoch.seq = 3; wrongEpoch.lease = WireLeaseRef(ticket: lease.ticketID, epoch: lease.epoch + 5); wrongEpoch.body = "x"
        try peer.send(.note(wrongEpoch))
        try expectError(.staleLease, seq: 3)
        var unknown = WireNote(); unknown.seq = 4; unknown.lease = WireLeaseRef(ticket: 9_999, epoch: 1); unknown.body = "x"
        try peer.send(.note(unknown))
        try expectError(.unknownTicket, seq: 4)

        try peer.send(reply(5, "We refunded you."))
        try expectAck(5)
        try peer.send(reply(5, "We refunded you."))  // a retry: acknowledged again, no second effect
        try expectAck(5)
        var waiting = WireStatusChange(); waiting.seq = 6; waiting.lease = lease; waiting.status = .waitingOnCustomer
        try peer.send(.statusChange(waiting))
        try expectAck(6)

        let kinds = try cluster.read { try String.fetchAll($0, sql: "SELECT kind FROM ticket_events WHERE ticket_id = ? ORDER BY id", arguments: [lease.ticketID]) }
        #expect(kinds == ["assigned", "replied", "status_changed"])
        let ticket = try cluster.read { try Row.fetchOne($0, sql: "SELECT status, first_response_at FROM tickets WHERE id = ?", arguments: [lease.ticketID]) }
        #expect(ticket?["status"] as String? == "waiting_on_customer")
        #expect(ticket?["first_response_at"] as Int64? != nil)
    }
}
