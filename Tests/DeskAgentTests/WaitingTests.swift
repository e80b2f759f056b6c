@testable import DeskAgent
import DeskModel
import DeskProtocol
import Testing

/// Waiting for the coordinator's answer can be given up: a cancelled `perform` returns at once, and the
/// staff console's timeout fires and says so. The report itself is kept and sent again.
@Suite struct WaitingTests {
    @Test func cancelledPerformReturnsAndKeepsTheReportForResending() async throws {
        let probe = try RuntimeProbe()
        probe.hold(7)
        let runtime = probe.runtime
        let answer = Task { await runtime.perform(.resolve(resolution: "no coordinator hears this yet"), on: 7) }
        #expect(await eventually(30) { probe.unacked[1] != nil })

        answer.cancel()

        let result = await finishes(within: 30) { await answer.value }
        guard case .failure(let refusal)? = result else {
            Issue.record("a cancelled perform did not return a failure: \(String(describing: result))")
            return
        }
        #expect(refusal.message.contains("cancelled"))
        #expect(probe.unacked[1] != nil, "the report is still sent again when the connection returns")
        #expect(runtime.heldTickets().map(\.id) == [7])
        probe.ack(1)  // the late ACK resumes nobody a second time, and still ends the lease
        #expect(probe.unacked.isEmpty)
        #expect(probe.waiterCount == 0)
        #expect(runtime.heldTickets().isEmpty, "the resolve ended the lease")
    }

    @Test func performCancelledBeforeItStartsReturnsAtOnce() async throws {
        let probe = try RuntimeProbe()
        probe.hold(7)
        let runtime = probe.runtime
        let result = await finishes(within: 30) {
            await withTaskGroup(of: Result<Void, AgentRefusal>.self) { group in
                group.cancelAll()
                group.addTask { await runtime.perform(.note("too late"), on: 7) }
                return await group.next() ?? .success(())
            }
        }
        guard case .failure(let refusal)? = result else {
            Issue.record("got \(String(describing: result))")
            return
        }
        #expect(refusal.message.contains("cancelled"))
        #expect(probe.waiterCount == 0)
    }

    @Test func consoleSaysSoWhenTheCoordinatorDoesNotAnswerInTime() async throws {
        let probe = try RuntimeProbe()
        probe.hold(7)
        let console = StaffConsole(name: "alice", api: nil, interactive: false, answerTimeout: .milliseconds(200))
        console.attach(probe.runtime)

        let outcome = await finishes(within: 30) { () -> String in
            do {
                try await console.report(.note("anyone there?"), on: 7, done: "noted")
                return "answered"
            } catch {
                return "\(error)"
            }
        }

        #expect(outcome?.contains("no answer from the coordinator within 0.2 s") == true, "\(outcome ?? "the command never returned")")
        #expect(probe.unacked[1] != nil, "the note is sent again when the connection returns")
    }
}
