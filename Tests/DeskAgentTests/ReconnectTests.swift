@testable import DeskAgent
import DeskModel
import DeskProtocol
import Testing

/// What a WELCOME after a reconnect does to the reports still waiting for an answer. The coordinator's
/// `last_sequence` counts committed reports only, so a report at or below it is done: whoever waits for
/// it is told it succeeded. The rest go again and keep their waiters.
@Suite struct ReconnectTests {
    @Test func consoleCommandCommittedBeforeTheReconnectIsAnsweredOnWelcome() async throws {
        let probe = try RuntimeProbe()
        probe.hold(7)
        let runtime = probe.runtime
        let answer = Task { await runtime.perform(.note("checked the logs"), on: 7) }
        #expect(await eventually(5) { probe.unacked[1] != nil }, "the note is waiting for its answer")

        probe.welcome(lastSequence: 1)  // the coordinator committed it; its ACK was lost with the connection

        let result = await finishes(within: 5) { await answer.value }
        #expect(result.map { (try? $0.get()) != nil } == true, "the note's caller was told it succeeded: \(String(describing: result))")
        #expect(probe.unacked.isEmpty)
        #expect(probe.waiterCount == 0)
    }

    @Test func reportAboveLastSequenceIsSentAgainAndKeepsItsWaiter() async throws {
        let probe = try RuntimeProbe()
        probe.hold(7)
        let runtime = probe.runtime
        let first = Task { await runtime.perform(.note("first"), on: 7) }
        #expect(await eventually(5) { probe.unacked[1] != nil })
        let second = Task { await runtime.perform(.note("second"), on: 7) }
        #expect(await eventually(5) { probe.unacked[2] != nil })

        probe.welcome(lastSequence: 1)

        #expect(await finishes(within: 5) { await first.value }.map { (try? $0.get()) != nil } == true)
        #expect(probe.unacked.keys.sorted() == [2], "the uncommitted note is kept to be sent again")
        #expect(probe.waiterCount == 1, "and its caller still waits")
        probe.ack(2)
        #expect(await finishes(within: 5) { await second.value }.map { (try? $0.get()) != nil } == true)
    }

    @Test func notWelcomedAnswerKeepsTheReportAndItsWaiterForAfterWelcome() async throws {
        let probe = try RuntimeProbe()
        probe.hold(7)
        let runtime = probe.runtime
        let answer = Task { await runtime.perform(.note("sent while the coordinator forgot us"), on: 7) }
        #expect(await eventually(5) { probe.unacked[1] != nil })
        var refusal = WireError()
        refusal.seq = 1
        refusal.code = .notWelcomed
        refusal.message = "say HELLO first"
        probe.deliver(.error(refusal))
        #expect(probe.unacked[1] != nil, "the report is not forgotten")
        #expect(probe.waiterCount == 1)
        probe.welcome(lastSequence: 0)
        probe.ack(1)
        #expect(await finishes(within: 5) { await answer.value }.map { (try? $0.get()) != nil } == true)
    }

    @Test func botPlanMovesOnWhenWelcomeSaysItsStepWasCommitted() async throws {
        // A bot's plan: each step after ACCEPT waits for the ACK of the one before.
        let probe = try RuntimeProbe { _ in
            WorkPlan([(0, .accept), (0, .note("bot checked")), (0, .resolve(resolution: "answered"))],
                     fallback: .escalate(reason: "handed off", tier: 1, priority: nil))
        }
        probe.welcome(lastSequence: 0)
        probe.assign(9)
        #expect(probe.unacked.keys.sorted() == [1, 2], "ACCEPT and the note went out; the resolve waits for the note's ACK")

        probe.welcome(lastSequence: 2)  // reconnected: both were committed, their ACKs lost

        let resolve = probe.unacked[3]
        guard case .resolve(let message)? = resolve else {
            Issue.record("the plan did not move on to its resolve: \(probe.unacked)")
            return
        }
        #expect(message.lease.ticketID == 9)
    }
}
