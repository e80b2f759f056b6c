import DeskModel
import Foundation

/// The SLA timer structure under load: `tickets` open tickets with timers (the default P1–P4 policies, a
/// business-hours variant for a quarter of them), created over the last `spreadHours`; then a simulated
/// tick every `tickMs` for `simulatedMinutes`, each firing what fell due. Reports the set-up time, the
/// memory the timers hold (resident set growth) and the cost per tick.
public enum SLABenchmark {
    public static func run(tickets: Int, spreadHours: Double, tickMs: Int64, simulatedMinutes: Int64, perTick: Int = 10_000) throws -> [String] {
        let office = try BusinessCalendar(name: "office", timeZone: "Europe/Berlin", hours: ["mon-fri": "08:00-18:00"])
        var policies = SLAPolicy.defaults.map { policy in
            var business = policy
            business.name += "-office"
            business.calendar = office
            business.priority = nil
            return business
        }
        policies = SLAPolicy.defaults + policies  // indexes 0-3 around the clock, 4-7 on office hours
        let now = Millis(Date().timeIntervalSince1970 * 1000)
        var generator = SplitMix(seed: 42)
        let before = residentBytes()
        let setupStart = nowMicroseconds()
        var timers = SLATimers(policies: policies)
        let spread = UInt64(spreadHours * 3_600_000)
        for id in 1...tickets {
            let created = now - Millis(generator.next() % spread)
            var clock = SLAClock(createdAt: created)
            clock.record(.inProgress, at: created + Millis(generator.next() % 60_000))
            let priority = Int(generator.next() % 4)
            let policy = generator.next() % 4 == 0 ? priority + 4 : priority
            timers.track(TicketID(id), clock: clock, policy: policy)
        }
        let setup = (nowMicroseconds() - setupStart) / 1e6
        let held = residentBytes() - before

        // Catch-up: what fell due before "now" (as after a restart), at most `perTick` tickets a tick.
        var catchUpTicks = 0, catchUpFirings = 0
        let catchUpStart = nowMicroseconds()
        while let next = timers.nextFiring, next <= now {
            catchUpFirings += timers.fire(at: now, limit: perTick).count
            catchUpTicks += 1
        }
        let catchUp = (nowMicroseconds() - catchUpStart) / 1e6

        var tickCosts: [Double] = []
        var firingsTotal = 0, maxFirings = 0
        let ticks = simulatedMinutes * 60_000 / tickMs
        for tick in 1...ticks {
            let at = now + tick * tickMs
            let start = nowMicroseconds()
            let fired = timers.fire(at: at, limit: perTick)
            tickCosts.append(nowMicroseconds() - start)
            firingsTotal += fired.count
            maxFirings = max(maxFirings, fired.count)
        }
        let summary = LatencySummary(microseconds: tickCosts)
        let worst = tickCosts.max() ?? 0
        return [
            "sla timers: \(tickets) open tickets, \(timers.scheduledCount) with a timer scheduled after the run",
            "set-up (clocks derived, first firing computed, heap built): \(String(format: "%.2f", setup)) s",
            "memory held by the timers: \(held / 1_048_576) MiB (\(tickets > 0 ? held / tickets : 0) bytes per ticket, resident set growth)",
            "catch-up of timers already due: \(catchUpFirings) firings in \(catchUpTicks) ticks of at most \(perTick) tickets, "
                + "\(String(format: "%.2f", catchUp)) s in all",
            "steady ticks: \(ticks) of \(tickMs) ms over \(simulatedMinutes) simulated minutes, \(firingsTotal) firings (at most \(maxFirings) in one tick)",
            "cost per tick: \(summary), worst \(LatencySummary.format(worst)) us",
            "cost per firing: \(firingsTotal > 0 ? String(format: "%.2f", tickCosts.reduce(0, +) / Double(firingsTotal)) : "-") us",
        ]
    }

    /// Resident set size from /proc/self/statm (Linux), in bytes.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// A small, fast, seeded generator, so every run builds the same tickets.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
