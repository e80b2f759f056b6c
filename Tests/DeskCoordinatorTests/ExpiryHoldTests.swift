import Testing
@testable import DeskCoordinator

@Suite("Expiry holds after the coordinator's own stalls")
struct ExpiryHoldTests {
    /// Ticks every 100 ms from `from` through `through`; returns the first raise time at which expiry may
    /// run, or nil.
    func firstAllowed(_ hold: inout ExpiryHold, from: Int64, through: Int64) -> Int64? {
        var first: Int64?
        for at in stride(from: from, through: through, by: 100) {
            let allowed = hold.tick(raisedAt: at, now: at)
            if allowed && first == nil { first = at }
            if !allowed && first != nil { return nil }  // once allowed, it stays allowed without a stall
        }
        return first
    }

    @Test("regular ticks may expire agents")
    func regularTicks() {
        var hold = ExpiryHold(stallThreshold: 1_000, grace: 3_000)
        #expect(firstAllowed(&hold, from: 0, through: 10_000) == 0)
    }

    @Test("a gap between ticks (the process was stopped) holds expiry for one liveness period")
    func tickGapHolds() {
        var hold = ExpiryHold(stallThreshold: 1_000, grace: 3_000)
        #expect(firstAllowed(&hold, from: 0, through: 1_000) == 0)
        // Stopped from 1 s to 6 s: the first tick after it is raised at 6 s.
        #expect(firstAllowed(&hold, from: 6_000, through: 12_000) == 9_000)
    }

    @Test("a long loop step holds expiry, even for a tick raised before the step ended")
    func longStepHolds() {
        var hold = ExpiryHold(stallThreshold: 1_000, grace: 3_000)
        #expect(firstAllowed(&hold, from: 0, through: 100) == 0)
        hold.step(start: 100, end: 3_600)
        let queued = hold.tick(raisedAt: 150, now: 3_600)
        #expect(!queued, "the tick queued during the step expires no one")
        #expect(firstAllowed(&hold, from: 3_700, through: 9_000) == 6_700, "held one liveness after the first tick that follows the stall")
        hold.step(start: 9_050, end: 9_250)
        #expect(firstAllowed(&hold, from: 9_100, through: 9_500) == 9_100, "a short step holds nothing")
    }
}
