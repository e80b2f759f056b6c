import Testing
@testable import DeskModel

@Suite("Dispatcher: routing, capacity and leases")
struct DispatcherTests {
    func ticket(_ id: TicketID, _ priority: Priority = .p3, skill: String = "", tier: Int = 1, at: Millis = 0) -> OpenTicket {
        OpenTicket(id: id, priority: priority, tier: tier, skill: skill, dueAt: at + 1000, createdAt: at)
    }

    func drain(_ dispatcher: inout Dispatcher, now: Millis = 0) -> [Lease] {
        var leases: [Lease] = []
        while let next = dispatcher.nextAssignment(now: now) { leases.append(next.lease) }
        return leases
    }

    @Test("queued P1 tickets are assigned before P4 ones, then by due time and age")
    func priorityOrder() {
        var d = Dispatcher()
        d.track(ticket(1, .p4, at: 0))
        d.track(ticket(2, .p1, at: 5))
        d.track(ticket(3, .p2, at: 1))
        d.track(ticket(4, .p1, at: 2))
        d.connect(AgentProfile(name: "a", skills: [], capacity: 10))
        #expect(drain(&d).map(\.ticket) == [4, 2, 3, 1])
    }

    @Test("a ticket goes only to an agent with its skill and tier")
    func skillAndTier() {
        var d = Dispatcher()
        d.connect(AgentProfile(name: "net", skills: ["network"], tier: 1, capacity: 5))
        d.connect(AgentProfile(name: "bill", skills: ["billing"], tier: 1, capacity: 5))
        d.connect(AgentProfile(name: "l2", skills: ["billing"], tier: 2, capacity: 5))
        d.track(ticket(1, skill: "billing", tier: 2))
        d.track(ticket(2, skill: "network"))
        d.track(ticket(3, skill: "billing"))
        d.track(ticket(4, skill: "printing"))
        let leases = Dictionary(uniqueKeysWithValues: drain(&d).map { ($0.ticket, $0.agent) })
        #expect(leases[1] == "l2")
        #expect(leases[2] == "net")
        #expect(leases[3] == "bill" || leases[3] == "l2")
        #expect(leases[4] == nil, "no agent has the skill: it waits")
        #expect(d.queuedCount == 1)
        d.connect(AgentProfile(name: "printer-person", skills: ["printing"], capacity: 1))
        #expect(d.nextAssignment(now: 0)?.lease.agent == "printer-person")
    }

    @Test("the least loaded agent by ratio gets the next ticket, then the longest idle")
    func leastLoaded() {
        var d = Dispatcher()
        d.connect(AgentProfile(name: "big", skills: [], capacity: 4))
        d.connect(AgentProfile(name: "small", skills: [], capacity: 1))
        for id in 1...4 { d.track(ticket(TicketID(id), at: Millis(id))) }
        let leases = drain(&d, now: 10)
        // big 0/4 vs small 0/1 tie on ratio: name order picks big first; then small (0/1 < 1/4) ...
        #expect(leases.map(\.agent) == ["big", "small", "big", "big"])
        #expect(d.leases(of: "small").count == 1)
        #expect(d.leases(of: "big").count == 3)
    }

    @Test("an agent never holds more leases than its capacity; away keeps leases but takes no more")
    func capacityAndAway() {
        var d = Dispatcher()
        d.connect(AgentProfile(name: "a", skills: [], capacity: 2))
        for id in 1...5 { d.track(ticket(TicketID(id))) }
        #expect(drain(&d).count == 2)
        d.finish(1)
        d.setAvailability("a", away: true)
        #expect(d.nextAssignment(now: 0) == nil)
        #expect(d.leases(of: "a").count == 1)
        d.setAvailability("a", away: false)
        #expect(drain(&d).count == 1)
        #expect(d.leases(of: "a").count == 2)
    }

    @Test("a vanished agent's tickets return to the queue and the next lease has a new epoch")
    func disconnectRequeues() throws {
        var d = Dispatcher()
        d.connect(AgentProfile(name: "zombie", skills: [], capacity: 1))
        d.track(ticket(7))
        let firstAssignment = d.nextAssignment(now: 0)
        let first = try #require(firstAssignment).lease
        #expect(first.epoch == 1)
        #expect(d.disconnect("zombie") == [first])
        d.connect(AgentProfile(name: "fresh", skills: [], capacity: 1))
        let secondAssignment = d.nextAssignment(now: 1)
        let second = try #require(secondAssignment).lease
        #expect(second == Lease(ticket: 7, agent: "fresh", epoch: 2))
        if case .stale(let message) = d.check(ticket: 7, epoch: 1, agent: "zombie") {
            #expect(message.contains("stale"))
        } else {
            Issue.record("old epoch was not stale")
        }
        #expect(d.check(ticket: 99, epoch: 1, agent: "fresh") == .unknownTicket)
        if case .valid = d.check(ticket: 7, epoch: 2, agent: "fresh") {} else { Issue.record("current lease refused") }
    }

    @Test("leases recovered from the store stay with their agent when it reconnects")
    func recoveredLeases() {
        var d = Dispatcher()
        var leased = ticket(3)
        leased.assignee = "ana"
        leased.epoch = 4
        leased.status = .inProgress
        d.track(leased)
        d.track(ticket(4))
        #expect(d.nextAssignment(now: 0) == nil, "ana is known but not connected yet")
        d.connect(AgentProfile(name: "ana", skills: [], capacity: 1))
        #expect(d.lease(of: 3) == Lease(ticket: 3, agent: "ana", epoch: 4))
        #expect(d.nextAssignment(now: 0) == nil, "the recovered lease fills ana's capacity")
        d.finish(3)
        #expect(d.nextAssignment(now: 0)?.lease.ticket == 4)
    }

    @Test("requeue for escalation moves the ticket to the higher tier's queue")
    func escalationRequeue() {
        var d = Dispatcher()
        d.connect(AgentProfile(name: "l1", skills: [], tier: 1, capacity: 5))
        d.track(ticket(1))
        _ = d.nextAssignment(now: 0)
        d.requeue(1, tier: 2, priority: .p1)
        #expect(d.nextAssignment(now: 0) == nil, "no tier-2 agent")
        d.connect(AgentProfile(name: "l2", skills: [], tier: 2, capacity: 5))
        let next = d.nextAssignment(now: 0)
        #expect(next?.lease.agent == "l2")
        #expect(next?.ticket.priority == .p1)
        #expect(next?.lease.epoch == 2)
    }
}

@Suite struct BotPoolDispatchTests {
    @Test func claimedTicketsWaitForTheirPoolAndGoToPeopleWhenDrained() {
        var dispatcher = Dispatcher()
        dispatcher.connect(AgentProfile(name: "staff", skills: ["account"], tier: 1, capacity: 5))
        dispatcher.track(OpenTicket(id: 1, priority: .p3, tier: 0, skill: "account", dueAt: 0, createdAt: 0, pool: "helpdesk"))
        #expect(dispatcher.nextAssignment(now: 1) == nil, "a tier-1 person never takes a ticket waiting for a bot pool")
        #expect(dispatcher.waitingBotPools.map(\.pool) == ["helpdesk"])

        dispatcher.connect(AgentProfile(name: "bot", skills: [BotClaims.skill(pool: "other")], tier: 0, capacity: 5))
        #expect(dispatcher.nextAssignment(now: 2) == nil, "a bot of another pool does not take it")

        let drained = dispatcher.drainBotPool("helpdesk")
        #expect(drained == [1])
        for id in drained { dispatcher.requeue(id, tier: 1) }
        #expect(dispatcher.nextAssignment(now: 3)?.lease.agent == "staff")
    }

    @Test func botOfThePoolTakesItAndEscalationLeavesThePool() {
        var dispatcher = Dispatcher()
        dispatcher.connect(AgentProfile(name: "bot", skills: [BotClaims.skill(pool: "helpdesk")], tier: 0, capacity: 5))
        dispatcher.connect(AgentProfile(name: "staff", skills: ["account"], tier: 1, capacity: 5))
        dispatcher.track(OpenTicket(id: 1, priority: .p3, tier: 0, skill: "account", dueAt: 0, createdAt: 0, pool: "helpdesk"))
        #expect(dispatcher.nextAssignment(now: 1)?.lease.agent == "bot")
        dispatcher.requeue(1, tier: 1)  // the bot hands it off
        #expect(dispatcher.nextAssignment(now: 2)?.lease.agent == "staff")
    }

    @Test func priorityChangeMovesAQueuedTicket() {
        var dispatcher = Dispatcher()
        dispatcher.track(OpenTicket(id: 1, priority: .p3, tier: 1, skill: "", dueAt: 0, createdAt: 0))
        dispatcher.track(OpenTicket(id: 2, priority: .p3, tier: 1, skill: "", dueAt: 0, createdAt: 1))
        dispatcher.setPriority(2, .p1)
        dispatcher.connect(AgentProfile(name: "a", skills: [], tier: 1, capacity: 1))
        #expect(dispatcher.nextAssignment(now: 5)?.lease.ticket == 2)
    }
}

@Suite struct DueOrderTests {
    @Test func withinAPriorityTheEarliestDueGoesFirstWhateverTheAge() {
        var dispatcher = Dispatcher()
        dispatcher.track(OpenTicket(id: 1, priority: .p3, tier: 1, skill: "", dueAt: 10_000, createdAt: 0))
        dispatcher.track(OpenTicket(id: 2, priority: .p3, tier: 1, skill: "", dueAt: 5_000, createdAt: 100))
        dispatcher.track(OpenTicket(id: 3, priority: .p2, tier: 1, skill: "", dueAt: 50_000, createdAt: 200))
        dispatcher.connect(AgentProfile(name: "a", skills: [], tier: 1, capacity: 3))
        #expect(dispatcher.nextAssignment(now: 1)?.lease.ticket == 3, "priority first")
        #expect(dispatcher.nextAssignment(now: 2)?.lease.ticket == 2, "then the earlier due time, though younger")
        #expect(dispatcher.nextAssignment(now: 3)?.lease.ticket == 1)
    }
}
