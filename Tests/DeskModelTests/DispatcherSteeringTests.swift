import Testing
@testable import DeskModel

@Suite("Dispatcher: a lead's assignments and re-routing")
struct DispatcherSteeringTests {
    func ticket(_ id: TicketID, skill: String = "", tier: Int = 1) -> OpenTicket {
        OpenTicket(id: id, priority: .p3, tier: tier, skill: skill, dueAt: 1000, createdAt: 0)
    }

    @Test("assigning a queued ticket takes it out of its queue with the next epoch")
    func assignQueued() {
        var d = Dispatcher()
        d.track(ticket(1, skill: "billing"))
        d.connect(AgentProfile(name: "net", skills: ["network"], capacity: 1))
        let result = d.assign(1, to: "net", now: 5)
        #expect(result?.lease == Lease(ticket: 1, agent: "net", epoch: 1))
        #expect(result?.previous == nil)
        #expect(d.queuedCount == 0)
        #expect(d.tickets[1]?.status == .inProgress)
        #expect(d.agentSummary("net")?.load == 1)
    }

    @Test("reassigning ends the holder's lease: its old epoch is stale, its slot takes the next queued ticket")
    func reassignHeld() throws {
        var d = Dispatcher()
        d.connect(AgentProfile(name: "ana", skills: ["billing"], capacity: 1))
        d.connect(AgentProfile(name: "ben", skills: ["billing"], capacity: 1))
        d.track(ticket(1, skill: "billing"))
        let granted = d.nextAssignment(now: 1)
        let first = try #require(granted).lease
        d.setStatus(1, .waitingOnCustomer)
        let other = first.agent == "ana" ? "ben" : "ana"
        let result = d.assign(1, to: other, now: 2)
        #expect(result?.previous == first)
        #expect(result?.lease == Lease(ticket: 1, agent: other, epoch: 2))
        #expect(d.tickets[1]?.status == .inProgress, "the new holder works it")
        guard case .stale = d.check(ticket: 1, epoch: 1, agent: first.agent) else {
            Issue.record("the old holder's epoch is still valid")
            return
        }
        #expect(d.agentSummary(first.agent)?.load == 0)
        d.track(ticket(2, skill: "billing"))
        #expect(d.nextAssignment(now: 3)?.lease.agent == first.agent)
    }

    @Test("re-routing moves a queued ticket to the queue of its new skill; a held one keeps its holder")
    func reroute() {
        var d = Dispatcher()
        d.track(ticket(1, skill: "billing"))
        d.track(ticket(2, skill: "billing"))
        d.connect(AgentProfile(name: "net", skills: ["network"], capacity: 5))
        #expect(d.nextAssignment(now: 1) == nil)
        d.changeRoute(1, skill: "network", tier: 1)
        #expect(d.nextAssignment(now: 2)?.lease == Lease(ticket: 1, agent: "net", epoch: 1))
        d.changeRoute(1, skill: "billing", tier: 2)
        #expect(d.lease(of: 1)?.agent == "net")
        #expect(d.queuedCount == 1)
        d.requeue(1)
        #expect(d.nextAssignment(now: 3) == nil, "released, it waits in the billing tier-2 queue")
    }

    @Test("the agents summary lists connected and away agents with their load")
    func summaries() {
        var d = Dispatcher()
        d.connect(AgentProfile(name: "b", skills: [], capacity: 2))
        d.connect(AgentProfile(name: "a", skills: [], capacity: 1))
        d.setAvailability("b", away: true)
        d.track(ticket(1))
        _ = d.nextAssignment(now: 0)
        let all = d.agentSummaries()
        #expect(all.map(\.profile.name) == ["a", "b"])
        #expect(all.map(\.load) == [1, 0])
        #expect(all.map(\.away) == [false, true])
    }

    @Test("a lead's assignment overrides a release cooldown, ends it, and keeps the queue counts exact")
    func overridesCooldown() {
        var d = Dispatcher()
        d.connect(AgentProfile(name: "ana", skills: [], capacity: 1))
        d.connect(AgentProfile(name: "ben", skills: [], capacity: 1))
        d.setAvailability("ben", away: true)
        d.track(ticket(1))
        #expect(d.nextAssignment(now: 0)?.lease.agent == "ana")
        d.release(1, until: 1_000)
        #expect(d.nextAssignment(now: 10) == nil, "kept from ana while ben could take it")
        #expect(d.queuedCount == 1)
        let result = d.assign(1, to: "ana", now: 20)
        #expect(result?.lease == Lease(ticket: 1, agent: "ana", epoch: 2))
        #expect(d.queuedCount == 0)
        #expect(d.queuedByPriority.reduce(0, +) == 0)
        #expect(!d.cooldownEnded(between: 0, and: 2_000), "the cooldown ended with the assignment")
    }
}

