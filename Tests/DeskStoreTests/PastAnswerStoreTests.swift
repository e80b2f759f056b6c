import DeskModel
@testable import DeskStore
import Foundation
import GRDB
import Testing

/// Q&A over past answers on a real SQLite file: a resolved ticket's question and public replies are kept
/// by triggers (never its internal notes), reopening takes it out, and search sees only what it may.
@Suite("past answers") struct PastAnswerStoreTests {
    @Test("a resolved ticket's question and public replies are searchable, its notes never; reopened, it is gone; customers see their own")
    func resolvedTicketsBecomeAnswers() async throws {
        let (store, directory) = try KnowledgeSearchTests.store()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lease = Lease(ticket: 1, agent: "alice", epoch: 2)
        let id = try await store.writer.write { db -> TicketID in
            let id = try db.insertTicket(NewTicket(subject: "Printer jams on A3", body: "Every A3 sheet jams in tray 2.", requester: "pat@example.com",
                                                   priority: .p3, category: "hardware", tags: []), at: 1_000, actor: "api").ticket.id
            try db.recordLease(Lease(ticket: id, agent: "alice", epoch: 2), at: 1_001)
            try db.recordReply(TicketEvent.replied(id, at: 1_100, actor: "agent:alice", body: "Use the bypass tray for A3 paper.", macro: nil),
                               epoch: 2, body: "Use the bypass tray for A3 paper.")
            try db.appendEvent(TicketEvent.noted(id, at: 1_200, actor: "agent:alice", body: "secret escalation contact"))
            // Another ticket resolved without a public reply: no answer to keep.
            let silent = try db.insertTicket(NewTicket(subject: "Printer offline", body: "It is offline.", requester: "sam@example.com",
                                                       priority: .p3, category: "hardware", tags: []), at: 1_300, actor: "api").ticket.id
            try db.recordLease(Lease(ticket: silent, agent: "alice", epoch: 3), at: 1_301)
            try db.resolveTicket(Lease(ticket: silent, agent: "alice", epoch: 3),
                                 event: TicketEvent.resolved(Lease(ticket: silent, agent: "alice", epoch: 3), at: 1_400, actor: "agent:alice", resolution: "ok"))
            return id
        }
        #expect(id == lease.ticket)
        #expect(try await store.pool.read { db in try db.searchAnswers("printer", requester: nil) }.isEmpty, "open tickets are no answers yet")
        try await store.writer.write { db in
            try db.resolveTicket(lease, event: TicketEvent.resolved(lease, at: 2_000, actor: "agent:alice", resolution: "answered"))
        }
        let (staff, own, other, note, stored) = try await store.pool.read { db in
            (try db.searchAnswers("A3 paper jam", requester: nil), try db.searchAnswers("bypass tray", requester: "PAT@example.com"),
             try db.searchAnswers("bypass tray", requester: "sam@example.com"), try db.searchAnswers("secret escalation contact", requester: nil),
             try db.pastAnswer(id))
        }
        #expect(staff.map(\.ticketID) == [id])
        #expect(staff.first?.answer.contains("<mark>") == true && staff.first?.answeredBy == "agent:alice" && staff.first?.category == "hardware")
        #expect(own.map(\.ticketID) == [id], "a customer finds their own (the address without case)")
        #expect(other.isEmpty, "and never another's")
        #expect(note.isEmpty && stored?.answer == "Use the bypass tray for A3 paper.", "internal notes are never an answer")
        #expect(stored?.question == "Printer jams on A3\nEvery A3 sheet jams in tray 2.")
        #expect(try await store.pool.read { db in try db.searchAnswers("A3", requester: nil, excluding: id) }.isEmpty)
        // Reopened: out of the answers until resolved again.
        _ = try await store.writer.write { db in try db.reopenTicket(id, reason: "again", at: 3_000, actor: "lead") }
        #expect(try await store.pool.read { db in try db.searchAnswers("bypass", requester: nil) }.isEmpty)
        // Hostile text never errs.
        for text in ["\"", "NEAR(", "*", "a AND", "((", String(repeating: "x", count: 5_000)] {
            _ = try await store.pool.read { db in try db.searchAnswers(text, requester: nil) }
        }
        await store.close()
    }
}
