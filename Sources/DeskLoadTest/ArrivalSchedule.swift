import DeskModel
import Foundation

extension Scenario.Arrival {
    /// The arrival rate (tickets/s) at `t` seconds into a run of `duration` seconds.
    public func rate(at t: Double, duration: Double) -> Double {
        switch self {
        case .poisson(let rate), .constant(let rate): return rate
        case .bursts(let rate, let burstRate, let every, let length):
            return t.truncatingRemainder(dividingBy: every) < length ? burstRate : rate
        case .ramp(let from, let to): return from + (to - from) * min(1, max(0, t / duration))
        case .daily(let peak, let hourly):
            let heaviest = hourly.max() ?? 1
            let hour = min(23, Int(t / duration * 24))
            return peak * hourly[hour] / heaviest
        }
    }

    /// The highest rate over the run, for thinning.
    func maxRate(duration: Double) -> Double {
        switch self {
        case .poisson(let rate), .constant(let rate): rate
        case .bursts(let rate, let burstRate, _, _): max(rate, burstRate)
        case .ramp(let from, let to): max(from, to)
        case .daily(let peak, _): peak
        }
    }

    /// The intended send time of every ticket, in seconds from the start, fixed before the run starts
    /// (open loop: latency is counted from these, so a slow system cannot slow its own load down).
    /// `constant` is evenly spaced; every other process is Poisson, time-varying ones by thinning.
    public func schedule(duration: Double, seed: UInt64) -> [Double] {
        var generator = SplitMix(seed: seed)
        var times: [Double] = []
        if case .constant(let rate) = self {
            let count = Int((duration * rate).rounded(.down))
            return (0..<count).map { Double($0) / rate }
        }
        let ceiling = maxRate(duration: duration)
        var t = 0.0
        while true {
            let u = max(Double.leastNonzeroMagnitude, Double(generator.next() >> 11) / Double(1 << 53))
            t += -log(u) / ceiling
            guard t < duration else { break }
            let accept = Double(generator.next() >> 11) / Double(1 << 53)
            if accept * ceiling <= rate(at: t, duration: duration) { times.append(t) }
        }
        return times
    }
}

/// The M/M/c queue's predictions (Erlang C), for checking a measured run of that form.
public enum ErlangC {
    /// The probability that an arrival waits: arrival rate λ, service rate μ per agent, c agents.
    /// nil when the queue is unstable (λ ≥ cμ).
    public static func waitProbability(arrivalRate: Double, serviceRate: Double, agents: Int) -> Double? {
        let load = arrivalRate / serviceRate
        guard agents > 0, load < Double(agents) else { return nil }
        var erlangB = 1.0  // Erlang B by its stable recursion
        for k in 1...agents { erlangB = load * erlangB / (Double(k) + load * erlangB) }
        return Double(agents) * erlangB / (Double(agents) - load * (1 - erlangB))
    }

    /// The mean wait in queue, in the time unit of the rates.
    public static func meanWait(arrivalRate: Double, serviceRate: Double, agents: Int) -> Double? {
        guard let wait = waitProbability(arrivalRate: arrivalRate, serviceRate: serviceRate, agents: agents) else { return nil }
        return wait / (Double(agents) * serviceRate - arrivalRate)
    }
}
