import DeskModel
import Foundation
import GRDB
import Testing
@testable import DeskStore

/// A lead's writes are fenced like the loop's: a reassignment decided on an epoch or holder the row no
/// longer has, or a reopening of a ticket that is not resolved, writes nothing.
@Suite("Steering in the store")
struct SteeringStoreTests {
    @Test("a reassignment ends the holder's lease and grants the next epoch; on a stale epoch or holder it is fenced")
    func reassignIsFenced() async throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        let id = try await store.writer.write { db in
            let id = try db.insertTicket(sampleTicket(1), at: 1_000, actor: "api").ticket.id
            try db.recordLease(Lease(ticket: id, agent: "alice", epoch: 1), at: 1_001)
            return id
        }
        let stale = Lease(ticket: id, agent: "bob", epoch: 3)
        await #expect(throws: StoreError.self) {
            try await store.writer.write { db in
                _ = try db.reassign(stale, previous: Lease(ticket: id, agent: "alice", epoch: 2), status: .inProgress, events: [], at: 2_000)
            }
        }
        await #expect(throws: StoreError.self) {
            try await store.writer.write { db in
                _ = try db.reassign(Lease(ticket: id, agent: "bob", epoch: 2), previous: nil, status: .inProgress, events: [], at: 2_000)
            }
        }
        let lease = Lease(ticket: id, agent: "bob", epoch: 2), previous = Lease(ticket: id, agent: "alice", epoch: 1)
        let ticket = try await store.writer.write { db in
            try db.reassign(lease, previous: previous, status: .inProgress,
                            events: [TicketEvent.released(previous, at: 2_000, actor: "api", reason: "reassigned by lead to bob"),
                                     TicketEvent.assigned(lease, at: 2_000, actor: "api")], at: 2_000)
        }
        #expect(ticket.assignee == "bob")
        #expect(ticket.leaseEpoch == 2)
        let (leaseRows, kinds) = try await store.pool.read { db in
            (try Row.fetchAll(db, sql: "SELECT agent, epoch FROM leases WHERE ticket_id = ?", arguments: [id]).map { "\($0["agent"] as String)/\($0["epoch"] as Int64)" },
             try db.history(of: id).map(\.kind))
        }
        #expect(leaseRows == ["bob/2"])
        #expect(kinds == [.created, .assigned, .released, .assigned])
        // A restart recovers the new holder's lease.
        let recovered = try await store.pool.read { db in try db.openTickets(targets: ResponseTargets(firstResponse: [:])) }
        #expect(recovered.map(\.assignee) == ["bob"])
        #expect(recovered.map(\.epoch) == [2])
    }

    @Test("reopening needs a resolved ticket; it clears the holder and appends one reopened event")
    func reopen() async throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        let lease = try await store.writer.write { db in
            let id = try db.insertTicket(sampleTicket(1), at: 1_000, actor: "api").ticket.id
            let lease = Lease(ticket: id, agent: "alice", epoch: 1)
            try db.recordLease(lease, at: 1_001)
            return lease
        }
        await #expect(throws: StoreError.self) {
            try await store.writer.write { db in _ = try db.reopenTicket(lease.ticket, reason: "early", at: 1_500, actor: "api") }
        }
        try await store.writer.write { db in
            try db.resolveTicket(lease, event: TicketEvent.resolved(lease, at: 2_000, actor: "agent:alice", resolution: "done"))
        }
        let (ticket, recovery) = try await store.writer.write { db in try db.reopenTicket(lease.ticket, reason: "not done", at: 3_000, actor: "api") }
        #expect(ticket.status == .pendingAssignment)
        #expect(ticket.assignee == nil)
        #expect(recovery.history.last?.kind == .reopened)
        let stored = try await store.pool.read { db in try db.ticket(lease.ticket) }
        #expect(stored?.status == .pendingAssignment)
        #expect(stored?.assignee == nil)
        #expect(stored?.leaseEpoch == 1, "the next lease gets epoch 2")
        try await store.writer.write { db in try db.recordLease(Lease(ticket: lease.ticket, agent: "bob", epoch: 2), at: 3_500) }
    }
}
