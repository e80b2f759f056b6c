import Testing
@testable import DeskModel

@Suite("SLA clock of a reopened ticket")
struct ReopenClockTests {
    @Test("a reopened ticket's resolution clock goes on from where the resolution stopped it; the time resolved does not count")
    func reopenResumes() {
        let lease = Lease(ticket: 1, agent: "a", epoch: 1)
        let history = [
            TicketEvent.assigned(lease, at: 100),
            TicketEvent.resolved(lease, at: 1_000, actor: "agent:a", resolution: "done"),
            TicketEvent.reopened(1, at: 5_000, actor: "api", reason: "not done", epoch: 1),
        ]
        let (clock, _) = SLAClock.derive(createdAt: 0, history: history)
        #expect(clock.resolvedAt == nil)
        #expect(clock.steps.last?.status == .pendingAssignment)
        #expect(clock.resolutionElapsed(at: 6_000, calendar: .alwaysOpen, paused: []) == 2_000)
    }
}
