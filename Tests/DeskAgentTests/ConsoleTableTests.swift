@testable import DeskAgent
import DeskModel
import DeskProtocol
import Foundation
import Testing

/// The console's tables: columns keep their place whatever the cell, and subjects stay on one line.
@Suite struct ConsoleTableTests {
    @Test func cellsArePaddedOrCutWithAnEllipsisToTheirWidth() {
        #expect(TableText.cell("P2", 4) == "P2  ")
        #expect(TableText.cell("customer-success", 8) == "custome…")
        #expect(TableText.cell("two\nlines", 9) == "two lines")
        #expect(TableText.cut("a subject that goes on", 10) == "a subject…")
    }

    @Test func ticketColumnsStartUnderTheirHeadersWhateverTheirContent() {
        var long = WireTicketView()
        long.priority = Priority.p1.wire
        long.tier = 2
        long.category = "a-very-long-category-name"
        long.subject = "Subject\nwith a line break"
        var short = WireTicketView()
        short.priority = Priority.p4.wire
        let rows = StaffConsole.ticketRows([(7, long), (1234567890, short)], current: 7,
                                           sla: [7: "first reply overdue by 1d 3h", 1234567890: "-"])
        let header = rows[0]
        let starts = ["PRI", "TIER", "CATEGORY", "SLA", "SUBJECT"].map { header.range(of: $0)!.lowerBound.utf16Offset(in: header) }
        for row in rows.dropFirst() {
            for start in starts {
                let before = row[row.index(row.startIndex, offsetBy: start - 1)]
                #expect(before == " ", "column at \(start) runs into the one before it in '\(row)'")
            }
            #expect(!row.contains("\n"))
        }
        #expect(rows[1].hasPrefix(" * #7 "))
        #expect(rows[1].contains("a-very-long…"))
        #expect(rows[2].hasPrefix("   #12345…"))
    }

    @Test func queueRowsSayHowLongEachTicketHasWaited() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let tickets: [[String: Any]] = [
            ["id": 3, "priority": "P2", "tier": 1, "skill": "billing", "pool": "", "subject": "Charged twice",
             "created_at": NSNumber(value: 1_000_000_000 - 125_000)],
            ["id": 4, "priority": "P3", "tier": 0, "skill": "", "pool": "helpdesk", "subject": "Reset", "created_at": NSNumber(value: 1_000_000_000)],
        ]
        let rows = StaffConsole.queueRows(tickets, now: now)
        #expect(rows.count == 3)
        #expect(rows[1] == "   #3      P2  1    billing        2m 5s    Charged twice")
        #expect(rows[2].contains("bots:helpdesk"))
    }

    @Test func ticketListKeepsALongAssigneeInItsColumn() {
        let page: [String: Any] = ["tickets": [["id": 12, "status": "in_progress", "priority": "P2",
                                                "assignee": "a-staff-member-with-a-long-name", "subject": "Refund"]]]
        let lines = TicketTable.list(page).split(separator: "\n").map(String.init)
        #expect(lines[1] == "12       in_progress           P2   a-staff-membe… Refund", "\(lines)")
        #expect(lines[0].range(of: "SUBJECT")?.lowerBound.utf16Offset(in: lines[0]) == lines[1].range(of: "Refund")?.lowerBound.utf16Offset(in: lines[1]))
    }

    @Test func helpSummariesStartInOneColumnEvenAfterAUsageWiderThanIt() {
        let lines = LockedLines()
        let console = StaffConsole(name: "alice", api: nil, interactive: false, output: { lines.append($0) })
        console.help(nil)
        let text = lines.all.joined(separator: "\n").split(separator: "\n").dropFirst()
        #expect(text.count >= StaffConsole.commands.count)
        for (_, help) in StaffConsole.commands {
            let line = text.first { $0.hasSuffix(" " + help.summary) }
            #expect(line.map { $0.count - help.summary.count } == 47, "\(help.usage): '\(line ?? "")'")
        }
    }

    @Test func theBannerIsSaidOnceWhetherGreetCameBeforeRunOrNot() async {
        let lines = LockedLines()
        let console = StaffConsole(name: "alice", api: nil, interactive: false, output: { lines.append($0) })
        console.greet()
        #expect(lines.all == ["Desk staff console for alice. Type 'help' for the commands."])
        await console.run(AsyncStream { $0.finish() })
        #expect(lines.all.filter { $0.hasPrefix("Desk staff console") }.count == 1, "\(lines.all)")
    }

    @Test func aNoticeAtThePromptReplacesItAndThePromptComesBackBelow() {
        #expect(StaffConsole.terminalText("* new ticket #3 [P3] Export", atPrompt: true) == "\r\u{1B}[K* new ticket #3 [P3] Export\ndesk> ")
        #expect(StaffConsole.terminalText("replied on #3 (public)", atPrompt: false) == "replied on #3 (public)\n")
    }

    @Test func anAPIErrorSaysTheMessageThenTheStatusAndFieldWithoutSayingErrorTwice() {
        let data = Data(#"{"error":"unknown priority 'P9': expected P1, P2, P3 or P4","field":"priority"}"#.utf8)
        let badInput = #expect(throws: APIClientError.self) { try APIClient.Reply(status: 400, data: data).object() }
        #expect(badInput?.description == "unknown priority 'P9': expected P1, P2, P3 or P4 (HTTP 400, field priority)")
        let notFound = #expect(throws: APIClientError.self) {
            try APIClient.Reply(status: 404, data: Data(#"{"error":"ticket 99 not found"}"#.utf8)).object()
        }
        #expect(notFound?.description == "ticket 99 not found (HTTP 404)")
    }
}

/// Lines a console printed, collected from its output closure.
final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
