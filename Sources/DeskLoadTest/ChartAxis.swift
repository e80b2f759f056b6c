import Foundation

/// One axis of a report chart: from 0 to a round top at or above the data's maximum, in three to six
/// round steps (1, 2 or 5 × 10ⁿ), labelled with as many decimals as the step needs and no more.
///
/// Counts (queue depth) step by whole numbers: a queue of 0 to 3 tickets reads 0, 1, 2, 3, never
/// 0.00, 0.83, 1.65. An empty or all-zero series still gets the axis 0 to 1.
struct ChartAxis: Equatable {
    /// The value at the far end of the axis.
    let top: Double
    let ticks: [Double]
    let labels: [String]

    init(maximum: Double, integers: Bool) {
        let reach = maximum.isFinite && maximum > 0 ? maximum : 1
        var step = Self.roundStep(atLeast: reach / 4)
        if integers { step = max(1, step) }
        let top = (reach / step - 1e-9).rounded(.up) * step
        let count = Int((top / step).rounded())
        ticks = (0...count).map { Double($0) * step }
        self.top = top
        let decimals = step >= 1 ? 0 : Int((-log10(step) - 1e-9).rounded(.up))
        labels = ticks.map { String(format: "%.\(decimals)f", $0) }
    }

    /// The smallest of 1, 2 and 5 × 10ⁿ at or above `value`.
    static func roundStep(atLeast value: Double) -> Double {
        let magnitude = pow(10, (log10(value)).rounded(.down))
        for factor in [1.0, 2, 5, 10] where factor * magnitude >= value * (1 - 1e-9) { return factor * magnitude }
        return 10 * magnitude
    }
}
