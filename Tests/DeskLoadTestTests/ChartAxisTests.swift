@testable import DeskLoadTest
import Testing

/// The report's axes: round ticks, whole numbers for counts, never the same label twice.
@Suite struct ChartAxisTests {
    @Test func aSmallQueueIsLabelledInWholeTickets() {
        #expect(ChartAxis(maximum: 0, integers: true).labels == ["0", "1"])
        #expect(ChartAxis(maximum: 2, integers: true).labels == ["0", "1", "2"])
        #expect(ChartAxis(maximum: 3, integers: true).labels == ["0", "1", "2", "3"])
        #expect(ChartAxis(maximum: 7, integers: true).labels == ["0", "2", "4", "6", "8"])
        #expect(ChartAxis(maximum: 1234, integers: true).labels == ["0", "500", "1000", "1500"])
    }

    @Test func fractionsGetTheDecimalsTheirStepNeeds() {
        #expect(ChartAxis(maximum: 0.37, integers: false).labels == ["0.0", "0.1", "0.2", "0.3", "0.4"])
        #expect(ChartAxis(maximum: 30.5, integers: false).labels == ["0", "10", "20", "30", "40"])
        #expect(ChartAxis(maximum: 0.004, integers: false).labels == ["0.000", "0.001", "0.002", "0.003", "0.004"])
    }

    @Test func labelsAreDistinctAndTheTopCoversTheData() {
        for maximum in [0.0, 0.5, 1, 3, 9.9, 10, 11, 99, 101, 12_345, 0.03] {
            for integers in [true, false] {
                let axis = ChartAxis(maximum: maximum, integers: integers)
                #expect(Set(axis.labels).count == axis.labels.count, "\(maximum): \(axis.labels)")
                #expect(axis.top >= maximum && axis.ticks.count >= 2 && axis.ticks.count <= 6, "\(maximum): \(axis.ticks)")
            }
        }
    }
}
