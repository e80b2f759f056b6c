import Synchronization

/// A Prometheus histogram of durations in seconds, with fixed bucket edges; safe from any thread.
public final class LatencyHistogram: Sendable {
    public let buckets: [Double]
    private let state: Mutex<(counts: [Int], count: Int, sum: Double)>

    public init(buckets: [Double]) {
        self.buckets = buckets
        state = Mutex((counts: [Int](repeating: 0, count: buckets.count), count: 0, sum: 0))
    }

    public func record(seconds: Double) { record([seconds]) }

    /// Several observations under one lock (a committed batch).
    public func record(_ observations: [Double]) {
        let indices = observations.map { value in buckets.firstIndex { value <= $0 } }
        state.withLock { state in
            for (value, index) in zip(observations, indices) {
                state.count += 1
                state.sum += value
                if let index { state.counts[index] += 1 }
            }
        }
    }

    /// The bucket edge at or below which a fraction `q` of the observations fall (an upper bound of the
    /// quantile, as exact as the buckets); `.infinity` past the last edge, nil before any observation.
    public func upperBound(_ q: Double) -> Double? {
        let (counts, count) = state.withLock { ($0.counts, $0.count) }
        guard count > 0 else { return nil }
        let needed = Int((q * Double(count)).rounded(.up))
        var cumulative = 0
        for (edge, n) in zip(buckets, counts) {
            cumulative += n
            if cumulative >= needed { return edge }
        }
        return .infinity
    }

    /// Observations so far.
    public var count: Int { state.withLock { $0.count } }

    /// Text exposition format 0.0.4: `name_bucket{le=…}` (cumulative, `+Inf` = count), `_sum`, `_count`.
    public func render(name: String, help: String) -> String {
        let (counts, count, sum) = state.withLock { ($0.counts, $0.count, $0.sum) }
        var out = "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        var cumulative = 0
        for (edge, n) in zip(buckets, counts) {
            cumulative += n
            out += "\(name)_bucket{le=\"\(edge)\"} \(cumulative)\n"
        }
        out += "\(name)_bucket{le=\"+Inf\"} \(count)\n\(name)_sum \(sum)\n\(name)_count \(count)\n"
        return out
    }
}
