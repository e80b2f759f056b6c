import DeskModel
import Foundation
import GRDB
import Testing
@testable import DeskStore

/// Issue 13, item 1: the history never rewrites its own past.
@Suite("History as it happened")
struct HistoryTests {
    @Test("the created record keeps the priority and skill the ticket was created with; updates name from and to")
    func createdKeepsTheOriginalAndUpdatesNameBothValues() throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        var new = sampleTicket(1)
        new.skill = "hardware"
        let id = try store.pool.write { db in try db.insertTicket(new, at: 1_000, actor: "api").ticket.id }
        let history = try store.pool.write { db -> [TicketEvent] in
            _ = try db.applyUpdate(id, priority: .p1, category: "billing", addTags: ["vip"], removeTags: ["printer"], at: 2_000, actor: "lead")
            try db.execute(sql: "UPDATE tickets SET skill = 'billing' WHERE id = ?", arguments: [id])
            return try db.history(of: id)
        }
        #expect(history.map(\.kind) == [.created, .updated])
        let created = try #require(history.first?.detailObject)
        #expect(created["priority"] as? String == "P2", "as created, not the P1 it is now")
        #expect(created["skill"] as? String == "hardware")
        let updated = try #require(history.last?.detailObject)
        #expect(updated["priority"] as? [String: String] == ["from": "P2", "to": "P1"])
        #expect(updated["category"] as? [String: String] == ["from": "hardware", "to": "billing"])
        #expect(updated["tags"] as? [String: [String]] == ["from": ["printer"], "to": ["vip"]])
    }
}

extension TicketEvent {
    var detailObject: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(detail.utf8))) as? [String: Any]
    }
}
