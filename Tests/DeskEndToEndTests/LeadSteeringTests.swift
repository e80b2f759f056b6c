import DeskProtocol
import Foundation
import Testing

/// A lead steering a real coordinator: reassigning a held ticket to a named agent, the fencing that
/// follows, the agents list and reopening. Raw peers never heartbeat, so the cluster's liveness (6 s) is
/// longer than the test.
@Suite("A lead steering a real coordinator", .serialized)
struct LeadSteeringTests {
    func assign(_ cluster: TestCluster, _ id: Int64, _ body: String) async throws -> (status: Int, json: [String: Any]) {
        try await cluster.request("POST", "/api/v1/tickets/\(id)/assign", body: Data(body.utf8))
    }

    @Test("reassign: the holder gets REVOKE and its later report is stale_lease, the new holder gets ASSIGN with the next epoch; the history shows one release and one assignment; refusals name the problem")
    func reassign() async throws {
        let cluster = try await TestCluster(heartbeatMs: 10_000)  // raw peers send no heartbeats: a loaded machine must not expire them
        defer { cluster.shutdown() }
        let ana = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { ana.close() }
        _ = try #require(try ana.hello("ana", skills: ["billing"], session: "a1"))
        let created = await cluster.create(["subject": "refund", "body": "b", "requester": "a@example.com", "category": "billing"])
        #expect(created.status == 201)
        let id = try #require((created.json["id"] as? NSNumber)?.int64Value)
        guard case .assign(let first) = try #require(try ana.receive()) else { throw E2EError("no ASSIGN for ana") }
        #expect(first.lease == WireLeaseRef(ticket: id, epoch: 1))
        let ben = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { ben.close() }
        _ = try #require(try ben.hello("ben", skills: ["billing"], session: "b1"))
        let cal = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { cal.close() }
        _ = try #require(try cal.hello("cal", skills: ["network"], session: "c1"))

        let nobody = try await assign(cluster, id, #"{"agent":"nobody"}"#)
        #expect(nobody.status == 409)
        #expect((nobody.json["error"] as? String)?.contains("not connected") == true)
        let unskilled = try await assign(cluster, id, #"{"agent":"cal"}"#)
        #expect(unskilled.status == 409)
        #expect((unskilled.json["error"] as? String)?.contains("lacks skill 'billing'") == true)
        #expect(try await assign(cluster, 999, #"{"agent":"ben"}"#).status == 404)
        let typo = try await assign(cluster, id, #"{"agent":"ben","forse":true}"#)
        #expect(typo.status == 400)
        #expect(typo.json["field"] as? String == "forse")

        let moved = try await assign(cluster, id, #"{"agent":"ben"}"#)
        #expect(moved.status == 200)
        #expect((moved.json["epoch"] as? NSNumber)?.int64Value == 2)
        #expect((moved.json["previous"] as? [String: Any])?["agent"] as? String == "ana")
        guard case .revoke(let revoke) = try #require(try ana.receive()) else { throw E2EError("no REVOKE for ana") }
        #expect(revoke.lease == first.lease)
        #expect(revoke.reason.contains("reassigned by lead"))
        guard case .assign(let second) = try #require(try ben.receive()) else { throw E2EError("no ASSIGN for ben") }
        #expect(second.lease == WireLeaseRef(ticket: id, epoch: 2))

        // The old holder's report on its old epoch is fenced.
        var zombie = WireResolve(); zombie.seq = 1; zombie.lease = first.lease; zombie.resolution = "done anyway"
        try ana.send(.resolve(zombie))
        guard case .error(let stale) = try #require(try ana.receive()) else { throw E2EError("no ERROR for the stale report") }
        #expect(stale.code == .staleLease)
        #expect(try await cluster.status(of: id) == "in_progress")

        let history = try await cluster.history(id)
        let released = history.filter { $0.kind == "released" }
        #expect(released.count == 1)
        #expect(released.first?.detail["agent"] as? String == "ana")
        #expect((released.first?.detail["reason"] as? String)?.contains("reassigned by lead") == true)
        let assigned = history.filter { $0.kind == "assigned" }
        #expect(assigned.map { $0.detail["agent"] as? String } == ["ana", "ben"])
        #expect(assigned.last?.actor == "user:test-admin", "the lead who assigned it, by name")

        // The agents list: state, load and capacity from the loop.
        let (status, json) = try await cluster.request("GET", "/api/v1/agents")
        #expect(status == 200)
        let agents = json["agents"] as? [[String: Any]] ?? []
        #expect(agents.map { $0["name"] as? String } == ["ana", "ben", "cal"])
        #expect(agents.map { ($0["load"] as? NSNumber)?.intValue } == [0, 1, 0])
        #expect(agents.allSatisfy { $0["state"] as? String == "connected" && ($0["capacity"] as? NSNumber)?.intValue == 1 })

        // Ben resolves; a lead reopens it and it is assigned again, with the next epoch.
        var done = WireResolve(); done.seq = 1; done.lease = second.lease; done.resolution = "refunded"
        try ben.send(.resolve(done))
        guard case .ack = try #require(try ben.receive()) else { throw E2EError("no ACK for ben's RESOLVE") }
        #expect(try await assign(cluster, id, #"{"agent":"ana"}"#).status == 409, "a resolved ticket is not assigned")
        let reopened = try await cluster.request("POST", "/api/v1/tickets/\(id)/reopen", body: Data(#"{"reason":"customer says no"}"#.utf8))
        #expect(reopened.status == 200)
        #expect(reopened.json["status"] as? String == "pending_assignment")
        try await eventually(10, "the reopened ticket assigned again") {
            let (_, ticket) = try await cluster.request("GET", "/api/v1/tickets/\(id)")
            return ticket["status"] as? String == "in_progress" && (ticket["lease_epoch"] as? NSNumber)?.int64Value == 3
        }
        let again = try await cluster.request("POST", "/api/v1/tickets/\(id)/reopen", body: Data(#"{"reason":"twice"}"#.utf8))
        #expect(again.status == 409)
        let reopenedEvents = try await cluster.history(id).filter { $0.kind == "reopened" }
        #expect(reopenedEvents.count == 1)
        #expect(reopenedEvents.first?.detail["reason"] as? String == "customer says no")
    }

    /// Runs `desk ARGS --server HTTP` to its end, waiting for a line containing `expecting`; its exit status
    /// and output.
    func desk(_ cluster: TestCluster, _ arguments: [String], expecting: String) async throws -> (status: Int32, output: String) {
        let process = try DeskProcess(arguments + ["--server", cluster.http, "--token", cluster.adminToken], errorsToOutput: true)
        let status = try await process.exitStatus(within: 20)
        _ = try await process.line(containing: expecting, within: 10)
        return (status, process.output.joined(separator: "\n"))
    }

    @Test("through the CLI: only a forced assignment goes over capacity; a new category moves a queued ticket to an agent of its new skill; the agents table shows load over capacity")
    func forceAndReroute() async throws {
        let cluster = try await TestCluster(heartbeatMs: 10_000)  // raw peers send no heartbeats: a loaded machine must not expire them
        defer { cluster.shutdown() }
        let ana = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { ana.close() }
        _ = try #require(try ana.hello("ana", skills: ["billing"], session: "a1"))
        let billing: [String: Any] = ["subject": "refund", "body": "b", "requester": "a@example.com", "category": "billing"]
        #expect(await cluster.create(billing).status == 201)
        guard case .assign = try #require(try ana.receive()) else { throw E2EError("no ASSIGN for ana") }
        let second = try #require((await cluster.create(billing).json["id"] as? NSNumber)?.int64Value)
        #expect(try await cluster.status(of: second) == "pending_assignment", "ana is full")

        let refused = try await desk(cluster, ["ticket", "assign", "\(second)", "ana"], expecting: "at capacity")
        #expect(refused.status != 0)
        #expect(refused.output.contains("at capacity: 1 of 1"), "\(refused.output)")
        let forced = try await desk(cluster, ["ticket", "assign", "\(second)", "ana", "--force"], expecting: "epoch 1")
        #expect(forced.status == 0, "\(forced.output)")
        guard case .assign(let over) = try #require(try ana.receive()) else { throw E2EError("no forced ASSIGN for ana") }
        #expect(over.lease == WireLeaseRef(ticket: second, epoch: 1))
        let table = try await desk(cluster, ["agents"], expecting: "ana")
        #expect(table.status == 0)
        #expect(table.output.contains("ana") && table.output.contains("2/1"), "\(table.output)")

        // A queued billing ticket nobody can take; its category becomes network and cal takes it.
        let third = try #require((await cluster.create(billing).json["id"] as? NSNumber)?.int64Value)
        let cal = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { cal.close() }
        _ = try #require(try cal.hello("cal", skills: ["network"], session: "c1"))
        let updated = try await desk(cluster, ["ticket", "update", "\(third)", "--category", "network", "--priority", "P1", "--add-tag", "moved"], expecting: "skill: network")
        #expect(updated.status == 0, "\(updated.output)")
        guard case .assign(let moved) = try #require(try cal.receive()) else { throw E2EError("no ASSIGN for cal after the new category") }
        #expect(moved.lease.ticketID == third)
        #expect(moved.ticket.skill == "network")
        let listed = try await desk(cluster, ["ticket", "list", "--sort", "newest", "--tag", "moved", "--json"], expecting: "tickets")
        #expect(listed.status == 0)
        #expect(listed.output.contains("\"id\":\(third)"), "\(listed.output)")
    }

    @Test("a reopened ticket's resolution clock goes on from where the resolution stopped it: the time resolved does not count")
    func reopenedClock() async throws {
        let config = """
            sla:
              policies:
                - name: slow-p3
                  when: { priority: P3 }
                  first_response: 30s
                  resolution: 60s
            """
        let cluster = try await TestCluster(heartbeatMs: 10_000, config: config)
        defer { cluster.shutdown() }
        let ana = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { ana.close() }
        _ = try #require(try ana.hello("ana", skills: ["billing"], session: "a1"))
        let created = await cluster.create(["subject": "refund", "body": "b", "requester": "a@example.com", "category": "billing"])
        let id = try #require((created.json["id"] as? NSNumber)?.int64Value)
        guard case .assign(let assign) = try #require(try ana.receive()) else { throw E2EError("no ASSIGN") }
        var done = WireResolve(); done.seq = 1; done.lease = assign.lease; done.resolution = "refunded"
        try ana.send(.resolve(done))
        guard case .ack = try #require(try ana.receive()) else { throw E2EError("no ACK") }
        // Ana leaves, so the reopened ticket stays queued and no assignment restarts its clock.
        try ana.send(.bye(WireBye()))
        try await eventually(10, "ana disconnected") {
            let (_, json) = try await cluster.request("GET", "/api/v1/agents")
            return (json["agents"] as? [[String: Any]])?.first?["state"] as? String == "disconnected"
        }
        let reopened = try await cluster.request("POST", "/api/v1/tickets/\(id)/reopen", body: Data(#"{"reason":"still charged"}"#.utf8))
        #expect(reopened.status == 200)
        let history = try await cluster.history(id)
        let createdAt = try #require(history.first { $0.kind == "created" }).at
        let resolvedAt = try #require(history.first { $0.kind == "resolved" }).at
        let reopenedAt = try #require(history.first { $0.kind == "reopened" }).at
        var due: Int64?
        try await eventually(10, "the reopened ticket's resolution due time stored") {
            let (_, ticket) = try await cluster.request("GET", "/api/v1/tickets/\(id)")
            due = ((ticket["sla"] as? [String: Any])?["resolution_due"] as? NSNumber)?.int64Value
            return due != nil
        }
        #expect(due == createdAt + 60_000 + (reopenedAt - resolvedAt))
        #expect(try await cluster.status(of: id) == "pending_assignment")
    }

    @Test("after a restart, an agent holding a lease that has not said HELLO again is listed as disconnected with its load, and its ticket can be reassigned")
    func disconnectedHolder() async throws {
        let cluster = try await TestCluster(heartbeatMs: 10_000)  // raw peers send no heartbeats: a loaded machine must not expire them
        defer { cluster.shutdown() }
        let ana = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { ana.close() }
        _ = try #require(try ana.hello("ana", skills: ["billing"], session: "a1"))
        let created = await cluster.create(["subject": "refund", "body": "b", "requester": "a@example.com", "category": "billing"])
        let id = try #require((created.json["id"] as? NSNumber)?.int64Value)
        guard case .assign = try #require(try ana.receive()) else { throw E2EError("no ASSIGN") }
        var note = WireNote(); note.seq = 1; note.lease = WireLeaseRef(ticket: id, epoch: 1); note.body = "looking"
        try ana.send(.note(note))
        guard case .ack = try #require(try ana.receive()) else { throw E2EError("no ACK") }

        try await cluster.restartCoordinatorAfterKill9()
        let (status, json) = try await cluster.request("GET", "/api/v1/agents")
        #expect(status == 200)
        let listed = (json["agents"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "ana" }
        #expect(listed?["state"] as? String == "disconnected")
        #expect((listed?["load"] as? NSNumber)?.intValue == 1)
        #expect((listed?["capacity"] as? NSNumber)?.intValue == 1)
        #expect(listed?["skills"] as? [String] == ["billing"])

        let ben = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { ben.close() }
        _ = try #require(try ben.hello("ben", skills: ["billing"], session: "b1"))
        #expect(try await assign(cluster, id, #"{"agent":"ben"}"#).status == 200)
        guard case .assign(let moved) = try #require(try ben.receive()) else { throw E2EError("no ASSIGN for ben") }
        #expect(moved.lease == WireLeaseRef(ticket: id, epoch: 2))
        // Ana comes back claiming her old lease: it is dropped.
        let back = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { back.close() }
        let welcome = try #require(try back.hello("ana", skills: ["billing"], session: "a1", leases: [WireLeaseRef(ticket: id, epoch: 1)]))
        #expect(welcome.droppedLeases == [WireLeaseRef(ticket: id, epoch: 1)])
    }
}

