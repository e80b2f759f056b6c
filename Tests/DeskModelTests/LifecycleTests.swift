import Foundation
import Testing
@testable import DeskModel

@Suite("Ticket lifecycle and priorities")
struct LifecycleTests {
    @Test("the main path from new to archived is allowed step by step")
    func mainPath() throws {
        let path: [TicketStatus] = [
            .new, .pendingAssignment, .inProgress, .waitingOnCustomer, .pendingConfirmation, .resolved,
            .closed, .archived,
        ]
        for (from, to) in zip(path, path.dropFirst()) { try from.checkTransition(to: to) }
    }

    @Test("skipping ahead or leaving archived is refused with both ends named")
    func refused() {
        #expect(throws: LifecycleError(from: .new, to: .resolved)) { try TicketStatus.new.checkTransition(to: .resolved) }
        #expect(!TicketStatus.archived.canTransition(to: .pendingAssignment))
        #expect(!TicketStatus.closed.canTransition(to: .inProgress))
        #expect(!TicketStatus.pendingAssignment.canTransition(to: .resolved), "only a lease holder resolves")
        #expect(LifecycleError(from: .closed, to: .new).description == "a ticket cannot go from closed to new")
    }

    @Test("no status may transition to itself, and every status is reachable from new")
    func graphShape() {
        for status in TicketStatus.allCases { #expect(!status.canTransition(to: status)) }
        var reached: Set<TicketStatus> = [.new]
        var frontier: [TicketStatus] = [.new]
        while let next = frontier.popLast() {
            for successor in next.successors where reached.insert(successor).inserted { frontier.append(successor) }
        }
        #expect(reached == Set(TicketStatus.allCases))
    }

    @Test("priorities parse P1-P4 in any case, order P1 first, and raise stops at P1")
    func priorities() throws {
        #expect(Priority(label: "p2") == .p2)
        #expect(Priority(label: "P5") == nil)
        #expect(Priority(label: "") == nil)
        #expect(Priority.p1 < Priority.p4)
        #expect(Priority.p3.raised == .p2)
        #expect(Priority.p1.raised == .p1)
    }
}

@Suite("JSONText")
struct JSONTextTests {
    @Test("strings are escaped exactly as JSON requires, and Foundation reads them back")
    func escaping() throws {
        let tricky = ["plain", "quote \" and \\ backslash", "line\nbreak\ttab", "\u{01}ctl", "ünïcødé 🎫", ""]
        let text = JSONText.array(tricky)
        #expect(text.hasPrefix("[\"plain\""))
        #expect(text.contains("\\u0001ctl"))
        let decoded = try JSONDecoder().decode([String].self, from: Data(text.utf8))
        #expect(decoded == tricky)
        #expect(JSONText.object(["a": "1", "b": "x\"y"]) == "{\"a\":\"1\",\"b\":\"x\\\"y\"}")
    }
}
