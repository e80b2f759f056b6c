import Testing
@testable import DeskModel

/// Issue 13, items 4 and 5: a released ticket goes to someone else; a queue no one can take is seen.
@Suite("Dispatcher: release cooldown and stranded queues")
struct ReleaseAndStrandedTests {
    func ticket(_ id: TicketID, skill: String = "billing", tier: Int = 1) -> OpenTicket {
        OpenTicket(id: id, priority: .p3, tier: tier, skill: skill, dueAt: 1000, createdAt: 0)
    }

    /// `a` (idle longest, so first in line) takes ticket 1, then releases it at t=10 for 60 s.
    func released(others: [AgentProfile]) -> Dispatcher {
        var d = Dispatcher()
        d.connect(AgentProfile(name: "a", skills: ["billing"], capacity: 2))
        d.track(ticket(1))
        let first = d.nextAssignment(now: 5)
        #expect(first?.lease.agent == "a")
        for profile in others { d.connect(profile) }
        d.release(1, until: 70)
        return d
    }

    @Test("a released ticket goes to another available agent, though its releaser is first in line")
    func goesToSomeoneElse() {
        var d = released(others: [AgentProfile(name: "b", skills: ["billing"], capacity: 1)])
        let next = d.nextAssignment(now: 10)
        #expect(next?.lease.agent == "b")
        #expect(next?.lease.epoch == 2)
    }

    @Test("while the only other agent who could take it is busy, it waits; after the cooldown it may go back")
    func waitsForTheOthersThenComesBack() {
        var d = Dispatcher()
        d.connect(AgentProfile(name: "a", skills: ["billing"], capacity: 2))
        d.track(ticket(1))
        #expect(d.nextAssignment(now: 5)?.lease.agent == "a")
        d.connect(AgentProfile(name: "b", skills: ["billing"], capacity: 1))
        d.track(ticket(2))
        #expect(d.nextAssignment(now: 6)?.lease == Lease(ticket: 2, agent: "b", epoch: 1), "b is now full")
        d.release(1, until: 70)
        #expect(d.nextAssignment(now: 20) == nil, "a may not have it back before t=70 while b could take it")
        #expect(!d.cooldownEnded(between: 10, and: 69))
        #expect(d.cooldownEnded(between: 20, and: 70))
        #expect(d.nextAssignment(now: 70)?.lease == Lease(ticket: 1, agent: "a", epoch: 2))
    }

    @Test("a ticket behind a waiting released one still goes to the releaser")
    func othersAreNotBlocked() {
        var d = released(others: [AgentProfile(name: "b", skills: ["billing"], capacity: 1)])
        d.setAvailability("b", away: true)
        d.track(ticket(2))
        let next = d.nextAssignment(now: 10)
        #expect(next?.lease.ticket == 2)
        #expect(next?.lease.agent == "a")
        #expect(d.nextAssignment(now: 11) == nil, "ticket 1 waits for b or the cooldown")
    }

    @Test("when no one else could ever take it, it goes straight back to its releaser")
    func noOneElse() {
        var d = released(others: [AgentProfile(name: "n", skills: ["network"], capacity: 5)])
        #expect(d.nextAssignment(now: 10)?.lease.agent == "a")
    }

    @Test("a queue no connected agent can take is listed, announced once, and its later arrivals reported")
    func strandedQueues() {
        var d = Dispatcher()
        d.connect(AgentProfile(name: "l1", skills: ["billing"], tier: 1, capacity: 5))
        d.track(ticket(1, tier: 3))
        d.track(ticket(2, tier: 3))
        d.track(ticket(3, tier: 1))
        #expect(drainTickets(&d) == [3])
        #expect(d.strandedQueues == [QueueName(skill: "billing", tier: 3, waiting: 2)])
        #expect(Set(d.announceStranded(QueueName(skill: "billing", tier: 3))) == [1, 2])
        d.track(ticket(4, tier: 3))
        #expect(d.takeStrandedArrivals() == [4])
        #expect(d.takeStrandedArrivals().isEmpty)
        #expect(d.isStaffed(skill: "billing", tier: 1))
        #expect(!d.isStaffed(skill: "billing", tier: 2))
        d.reroute(1, skill: "billing", tier: 1)
        #expect(drainTickets(&d) == [1])
        d.connect(AgentProfile(name: "eng", skills: ["billing"], tier: 3, capacity: 5))
        #expect(d.strandedQueues.isEmpty)
        #expect(Set(drainTickets(&d)) == [2, 4])
    }

    func drainTickets(_ d: inout Dispatcher) -> [TicketID] {
        var ids: [TicketID] = []
        while let next = d.nextAssignment(now: 0) { ids.append(next.lease.ticket) }
        return ids
    }
}

/// The per-priority queue counts behind `desk_queue_depth_by_priority` stay exact under any sequence of
/// dispatcher operations (checked against a count of the tickets after every step).
@Suite("Dispatcher: queue depth by priority")
struct QueueDepthTests {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
    }

    @Test("queuedByPriority equals the waiting tickets counted by hand", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func countsStayExact(seed: UInt64) {
        var random = Generator(state: seed)
        var d = Dispatcher()
        var nextID: TicketID = 1
        let skills = ["billing", "network"]
        for step in 0..<2_000 {
            let now = Millis(step)
            switch Int.random(in: 0..<10, using: &random) {
            case 0, 1, 2:
                let priority = Priority.allCases.randomElement(using: &random)!
                d.track(OpenTicket(id: nextID, priority: priority, tier: Int.random(in: 1...2, using: &random),
                                   skill: skills.randomElement(using: &random)!, dueAt: now + 100, createdAt: now))
                nextID += 1
            case 3, 4:
                _ = d.nextAssignment(now: now)
            case 5:
                if let id = d.tickets.keys.randomElement(using: &random) { d.setPriority(id, Priority.allCases.randomElement(using: &random)!) }
            case 6:
                if let lease = d.tickets.values.first(where: { $0.assignee != nil }).flatMap({ d.lease(of: $0.id) }) {
                    if Bool.random(using: &random) { d.release(lease.ticket, until: now + 50) } else { d.requeue(lease.ticket, tier: 2) }
                }
            case 7:
                if let id = d.tickets.keys.randomElement(using: &random) { d.finish(id) }
            case 8:
                let name = "agent-\(Int.random(in: 0..<4, using: &random))"
                d.connect(AgentProfile(name: name, skills: Set(skills.shuffled(using: &random).prefix(1)),
                                       tier: Int.random(in: 1...2, using: &random), capacity: 2))
            default:
                d.disconnect("agent-\(Int.random(in: 0..<4, using: &random))")
            }
            var expected = [Int](repeating: 0, count: 5)
            for ticket in d.tickets.values where ticket.assignee == nil && ticket.status == .pendingAssignment {
                expected[ticket.priority.rawValue] += 1
            }
            #expect(d.queuedByPriority == expected, "step \(step)")
            if d.queuedByPriority != expected { return }
            // The per-queue counts of eligible connected agents agree with the agents themselves.
            for skill in skills {
                for tier in 1...2 {
                    let byHand = (0..<4).contains { n in
                        d.isConnected("agent-\(n)") && d.profile(of: "agent-\(n)")?.canWork(skill: skill, tier: tier) == true
                    }
                    #expect(d.isStaffed(skill: skill, tier: tier) == byHand, "step \(step): \(skill) at tier \(tier)")
                    if d.isStaffed(skill: skill, tier: tier) != byHand { return }
                }
            }
        }
    }
}
