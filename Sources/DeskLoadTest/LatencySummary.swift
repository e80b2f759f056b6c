/// Percentiles of a set of latency samples, in microseconds.
public struct LatencySummary: Sendable, CustomStringConvertible {
    public let count: Int
    public let p50: Double
    public let p99: Double
    public let mean: Double

    /// Summarises samples given in microseconds. An empty set gives zeros.
    public init(microseconds samples: [Double]) {
        let sorted = samples.sorted()
        count = sorted.count
        p50 = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        p99 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        mean = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count)
    }

    public var description: String {
        "p50 \(Self.format(p50)) us  p99 \(Self.format(p99)) us  mean \(Self.format(mean)) us  (\(count) samples)"
    }

    static func format(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return "\(tenths)"
    }
}

/// A monotonic clock reading in microseconds.
@inline(__always)
func nowMicroseconds() -> Double {
    let duration = ContinuousClock.now - ContinuousClock.Instant.zero
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1e6 + Double(attoseconds) / 1e12
}

extension ContinuousClock.Instant {
    static var zero: ContinuousClock.Instant { _zero }
}

private let _zero = ContinuousClock.now
