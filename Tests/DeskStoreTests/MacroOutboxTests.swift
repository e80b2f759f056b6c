import DeskModel
import Foundation
import GRDB
import Testing
@testable import DeskStore

@Suite("Macros and the outbox on a real SQLite file")
struct MacroOutboxTests {
    @Test("a macro is saved, replaced, read back and removed")
    func macros() async throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        let macro = MacroDefinition(name: "thanks", description: "d", reply: "Thanks {{requester.name}}",
                                    actions: MacroActions(status: .waitingOnCustomer, addTags: ["t"]))
        #expect(try await store.writer.write { try $0.saveMacro(macro, at: 1) })
        var changed = macro
        changed.actions.resolve = "done"
        changed.actions.status = nil
        let replacement = changed
        #expect(try await store.writer.write { try $0.saveMacro(replacement, at: 2) } == false, "replacing is not new")
        #expect(try await store.pool.read { try $0.macro(named: "thanks") } == replacement)
        #expect(try await store.writer.write { try $0.removeMacro(named: "thanks") })
        #expect(try await store.writer.write { try $0.removeMacro(named: "thanks") } == false)
        #expect(try await store.pool.read { try $0.macros() }.isEmpty)
        await store.close()
    }

    @Test("a public reply lands in the outbox addressed to the requester; delivery is recorded once")
    func outbox() async throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        let ticket = try await store.writer.write { db in
            let ticket = try db.insertTicket(sampleTicket(7), at: 1000, actor: "api").ticket
            try db.recordLease(Lease(ticket: ticket.id, agent: "a", epoch: 1), at: 1500)
            return ticket
        }
        let reply = TicketEvent(ticketID: ticket.id, at: 2000, actor: "agent:a", kind: .replied, detail: "{}")
        try await store.writer.write { try $0.recordReply(reply, epoch: 1, body: "We are on it.", macro: "m") }
        let note = TicketEvent(ticketID: ticket.id, at: 2100, actor: "agent:a", kind: .noted, detail: "{\"body\":\"secret\"}")
        try await store.writer.write { try $0.appendEvent(note) }
        let pending = try await store.pool.read { try $0.outbox(pending: true, ticket: nil, after: 0, limit: 10) }
        #expect(pending.count == 1, "notes never enter the outbox")
        #expect(pending.first?.recipient == "user7@example.com")
        #expect(pending.first?.subject == "Re: Printer 7 jammed [#\(ticket.id)]")
        #expect(pending.first?.body == "We are on it.")
        let id = try #require(pending.first?.id)
        #expect(try await store.writer.write { try $0.markDelivered(id, at: 3000) })
        #expect(try await store.writer.write { try $0.markDelivered(id, at: 4000) })
        #expect(try await store.writer.write { try $0.markDelivered(999, at: 4000) } == false)
        let all = try await store.pool.read { try $0.outbox(pending: false, ticket: ticket.id, after: 0, limit: 10) }
        #expect(all.first?.deliveredAt == 3000, "the first delivery time stays")
        #expect(try await store.pool.read { try $0.outbox(pending: true, ticket: nil, after: 0, limit: 10) }.isEmpty)
        let firstResponse = try await store.pool.read { try Int64.fetchOne($0, sql: "SELECT first_response_at FROM tickets") }
        #expect(firstResponse == 2000)
        await store.close()
    }
}
