import DeskModel
import Foundation
import GRDB
import Testing
@testable import DeskStore

/// Every lease-guarded statement checks its row count: a change decided on an epoch the row no longer
/// has is refused as `fenced` and writes nothing (no history contradicting the row).
@Suite("Lease fencing in SQL")
struct FencingTests {
    /// A store with one ticket leased to `alice` at epoch 2.
    func leasedTicket() async throws -> (TemporaryDirectory, TicketStore, TicketID) {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        let id = try await store.writer.write { db in
            let id = try db.insertTicket(sampleTicket(1), at: 1_000, actor: "api").ticket.id
            try db.recordLease(Lease(ticket: id, agent: "alice", epoch: 2), at: 1_001)
            return id
        }
        return (dir, store, id)
    }

    func historyCount(_ store: TicketStore, _ id: TicketID) async throws -> Int {
        try await store.pool.read { try $0.history(of: id).count }
    }

    func expectFenced(_ store: TicketStore, _ change: @escaping @Sendable (Database) throws -> Void) async {
        await #expect(throws: StoreError.self) { try await store.writer.write(change) }
        do {
            try await store.writer.write(change)
        } catch let error as StoreError {
            #expect(error.isFenced, "\(error)")
        } catch {
            Issue.record("not a store error: \(error)")
        }
    }

    @Test("ending, resolving, replying or changing status under a stale epoch is refused and writes no history")
    func staleEpochChangesAreRefused() async throws {
        let (dir, store, id) = try await leasedTicket()
        _ = dir
        let before = try await historyCount(store, id)
        let stale = Lease(ticket: id, agent: "alice", epoch: 1)
        let event = TicketEvent(ticketID: id, at: 2_000, actor: "agent:alice", kind: .resolved, detail: "{}")
        await expectFenced(store) { try $0.resolveTicket(stale, event: event) }
        await expectFenced(store) { try $0.endLease(stale, event: event) }
        await expectFenced(store) { try $0.changeStatus(id, epoch: 1, to: .waitingOnCustomer, event: event) }
        await expectFenced(store) { try $0.recordReply(event, epoch: 1, body: "hello") }
        #expect(try await historyCount(store, id) == before)
        let (status, epoch, outbox, leases) = try await store.pool.read { db in
            (try String.fetchOne(db, sql: "SELECT status FROM tickets WHERE id = ?", arguments: [id]),
             try Int64.fetchOne(db, sql: "SELECT lease_epoch FROM tickets WHERE id = ?", arguments: [id]),
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox"),
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM leases WHERE ticket_id = ? AND epoch = 2", arguments: [id]))
        }
        #expect(status == "in_progress")
        #expect(epoch == 2)
        #expect(outbox == 0)
        #expect(leases == 1, "the current lease row is untouched")
        await store.close()
    }

    @Test("a lease is granted only on a queued ticket and only at a higher epoch")
    func epochsOnlyRise() async throws {
        let (dir, store, id) = try await leasedTicket()
        _ = dir
        // Leased already: a second grant (even at a higher epoch) is refused.
        await expectFenced(store) { try $0.recordLease(Lease(ticket: id, agent: "bob", epoch: 3), at: 2_000) }
        try await store.writer.write { db in
            try db.endLease(Lease(ticket: id, agent: "alice", epoch: 2),
                            event: TicketEvent(ticketID: id, at: 2_000, actor: "system", kind: .released, detail: "{}"))
        }
        // Queued now: the same or a lower epoch is refused, a higher one granted.
        await expectFenced(store) { try $0.recordLease(Lease(ticket: id, agent: "bob", epoch: 2), at: 2_001) }
        await expectFenced(store) { try $0.recordLease(Lease(ticket: id, agent: "bob", epoch: 1), at: 2_001) }
        try await store.writer.write { try $0.recordLease(Lease(ticket: id, agent: "bob", epoch: 3), at: 2_002) }
        let assignee = try await store.pool.read { try String.fetchOne($0, sql: "SELECT assignee FROM tickets WHERE id = ?", arguments: [id]) }
        #expect(assignee == "bob")
        await store.close()
    }

    @Test("a resolved ticket cannot be resolved again: one resolved event, its lease row gone")
    func resolveIsFenced() async throws {
        let (dir, store, id) = try await leasedTicket()
        _ = dir
        let lease = Lease(ticket: id, agent: "alice", epoch: 2)
        let event = TicketEvent(ticketID: id, at: 2_000, actor: "agent:alice", kind: .resolved, detail: "{}")
        try await store.writer.write { try $0.resolveTicket(lease, event: event) }
        await expectFenced(store) { try $0.resolveTicket(lease, event: event) }
        let (resolvedEvents, leases) = try await store.pool.read { db in
            (try db.history(of: id).filter { $0.kind == .resolved }.count,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM leases WHERE ticket_id = ?", arguments: [id]))
        }
        #expect(resolvedEvents == 1)
        #expect(leases == 0)
        await store.close()
    }
}
