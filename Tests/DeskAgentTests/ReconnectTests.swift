@testable import DeskAgent
import DeskModel
import DeskProtocol
import Testing

/// What a WELCOME after a reconnect does to the reports still waiting for an answer: every one goes again
/// and keeps its waiter, and the coordinator's answer to the retry (ACK again for a committed effect, the
/// same ERROR for a committed refusal) completes it. Before, reports at or below `last_sequence` were
/// dropped with their waiters left waiting forever.
@Suite struct ReconnectTests {
    @Test func consoleCommandCommittedBeforeTheReconnectIsAnsweredOnWelcome() async throws {
        let probe = try RuntimeProbe()
        probe.hold(7)
        let runtime = probe.runtime
        let answer = Task { await runtime.perform(.note("checked the logs"), on: 7) }
        #expect(await eventually(30) { probe.unacked[1] != nil }, "the note is waiting for its answer")

        probe.welcome(lastSequence: 1)  // the coordinator committed it; its ACK was lost with the connection
        #expect(probe.unacked[1] != nil, "sent again, to be answered exactly")
        probe.ack(1)  // the coordinator's answer to the retry

        let result = await finishes(within: 30) { await answer.value }
        #expect(result.map { (try? $0.get()) != nil } == true, "the note's caller was told it succeeded: \(String(describing: result))")
        #expect(probe.unacked.isEmpty)
        #expect(probe.waiterCount == 0)
    }

    @Test func reportAboveLastSequenceIsSentAgainAndKeepsItsWaiter() async throws {
        let probe = try RuntimeProbe()
        probe.hold(7)
        let runtime = probe.runtime
        let first = Task { await runtime.perform(.note("first"), on: 7) }
        #expect(await eventually(30) { probe.unacked[1] != nil })
        let second = Task { await runtime.perform(.note("second"), on: 7) }
        #expect(await eventually(30) { probe.unacked[2] != nil })

        probe.welcome(lastSequence: 1)
        probe.ack(1)

        #expect(await finishes(within: 30) { await first.value }.map { (try? $0.get()) != nil } == true)
        #expect(probe.unacked.keys.sorted() == [2], "the uncommitted note is kept to be sent again")
        #expect(probe.waiterCount == 1, "and its caller still waits")
        probe.ack(2)
        #expect(await finishes(within: 30) { await second.value }.map { (try? $0.get()) != nil } == true)
    }

    @Test func notWelcomedAnswerKeepsTheReportAndItsWaiterForAfterWelcome() async throws {
        let probe = try RuntimeProbe()
        probe.hold(7)
        let runtime = probe.runtime
        let answer = Task { await runtime.perform(.note("sent while the coordinator forgot us"), on: 7) }
        #expect(await eventually(30) { probe.unacked[1] != nil })
        var refusal = WireError()
        refusal.seq = 1
        refusal.code = .notWelcomed
        refusal.message = "say HELLO first"
        probe.deliver(.error(refusal))
        #expect(probe.unacked[1] != nil, "the report is not forgotten")
        #expect(probe.waiterCount == 1)
        probe.welcome(lastSequence: 0)
        probe.ack(1)
        #expect(await finishes(within: 30) { await answer.value }.map { (try? $0.get()) != nil } == true)
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
        probe.ack(1)                    // the coordinator answers the retries
        probe.ack(2)

        let resolve = probe.unacked[3]
        guard case .resolve(let message)? = resolve else {
            Issue.record("the plan did not move on to its resolve: \(probe.unacked)")
            return
        }
        #expect(message.lease.ticketID == 9)
    }

    @Test func refusedReportWhoseErrorWasLostIsAnsweredWithTheSameRefusalNotSuccess() async throws {
        let probe = try RuntimeProbe()
        probe.hold(7)
        let runtime = probe.runtime
        let answer = Task { await runtime.perform(.note("on a lease that moved"), on: 7) }
        #expect(await eventually(30) { probe.unacked[1] != nil })

        probe.welcome(lastSequence: 1)  // its refusal was committed; the ERROR was lost with the connection
        #expect(probe.unacked[1] != nil, "not taken for done: it may have been refused")
        var refusal = WireError()
        refusal.seq = 1
        refusal.code = .staleLease
        refusal.message = "stale lease"
        probe.deliver(.error(refusal))  // the coordinator repeats the stored refusal for the retry

        let result = await finishes(within: 30) { await answer.value }
        #expect(result.map { (try? $0.get()) == nil } == true, "the caller hears the refusal: \(String(describing: result))")
        #expect(probe.unacked.isEmpty)
    }
}
