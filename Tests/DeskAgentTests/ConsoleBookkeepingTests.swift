@testable import DeskAgent
import DeskModel
import DeskProtocol
import Foundation
import Logging
import Synchronization
import Testing

/// The staff console on a hand-driven runtime: what `wait` returns after tickets leave, where the `*`
/// marker goes, and what is printed (once) when the coordinator refuses or a customer answers.
@Suite struct ConsoleBookkeepingTests {
    /// A console attached to a probe runtime whose events reach it; its printed lines are collected.
    final class Rig: Sendable {
        /// Set once, before any event: the runtime's observer reaches the console through it.
        final class Box: @unchecked Sendable { var console: StaffConsole? }
        final class Printed: Sendable { let lines = Mutex<[String]>([]) }

        let probe: RuntimeProbe
        let console: StaffConsole
        let printed = Printed()

        init(logger: Logger = Logger(label: "test.agent")) throws {
            let box = Box()
            probe = try RuntimeProbe(logger: logger, observer: { event in box.console?.observe(event) })
            let printed = self.printed
            console = StaffConsole(name: "alice", api: nil, interactive: false, answerTimeout: .seconds(20),
                                   output: { line in printed.lines.withLock { $0.append(line) } })
            box.console = console
            console.attach(probe.runtime)
        }

        var lines: [String] { printed.lines.withLock { $0 } }

        /// Runs a command line, answering its report with ACK (or `refusal`) as the coordinator would.
        func run(_ line: String, refusal: (WireErrorCode, String)? = nil) async {
            let sequence = probe.runtime.lock.withLock { probe.runtime.nextSequence }
            let command = Task { await console.execute(line) }
            if await eventually(20, { probe.unacked[sequence] != nil }) {
                if let refusal { probe.refuse(sequence, code: refusal.0, message: refusal.1) } else { probe.ack(sequence) }
            }
            _ = await command.value
        }
    }

    @Test func waitSkipsTicketsThatLeftAndTheMarkerMovesToATicketStillHeld() async throws {
        let rig = try Rig()
        rig.probe.assign(7)
        rig.probe.assign(8)
        rig.probe.assign(9)
        #expect(rig.console.lock.withLock { rig.console.book.current } == 7)

        await rig.run("resolve #7 fixed")       // 7 left before `wait` ever returned it
        rig.probe.revoke(8, reason: "lease expired")  // and 8 was taken away
        #expect(await rig.console.nextArrival(timeout: 5) == 9)
        #expect(await rig.console.nextArrival(timeout: 0.2) == nil, "no ticket arrived since")

        rig.probe.assign(10)
        await rig.run("escalate #9 2 needs L2")
        #expect(rig.lines.contains("current ticket: #10"), "\(rig.lines)")
        let marked = StaffConsole.ticketRows(rig.probe.runtime.heldTickets(), current: rig.console.lock.withLock { rig.console.book.current },
                                             sla: [:]).filter { $0.hasPrefix(" * ") }
        #expect(marked.count == 1 && marked[0].contains("#10"), "\(marked)")
        await rig.run("release done here")     // acts on the current ticket, 10
        #expect(rig.probe.runtime.heldTickets().isEmpty)
        #expect(rig.lines.last == "no open tickets left")
        #expect(await rig.console.nextArrival(timeout: 0.2) == nil, "10 was handed out as current, never by wait, and left")
    }

    @Test func aRefusalIsPrintedOnceAndNotAlsoLoggedAsAWarning() async throws {
        let records = LogRecords()
        let logger = Logger(label: "test.agent") { _ in records }
        let rig = try Rig(logger: logger)
        rig.probe.assign(7)
        await rig.run("macro no-such", refusal: (.invalidArgument, "unknown macro 'no-such'"))
        #expect(rig.lines.filter { $0.contains("unknown macro") } == ["error: refused: unknown macro 'no-such'"])
        #expect(records.messages(atLeast: .notice).isEmpty, "\(records.messages(atLeast: .trace))")
        rig.probe.refuse(99, code: .staleLease, message: "nobody waits for this one")
        #expect(records.messages(atLeast: .warning) == ["coordinator refused"], "a refusal nobody reports is still logged")
    }

    @Test func aCustomerAnswerIsAnnouncedOnlyForMyTickets() throws {
        let rig = try Rig()
        rig.probe.assign(7)
        rig.console.customerAnswered(7)
        rig.console.customerAnswered(8)
        #expect(rig.lines.filter { $0.contains("customer answered") } == ["* the customer answered on #7 ('show #7' reads it)"])
    }
}
