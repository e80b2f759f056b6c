import DeskLoadTest
import Testing

/// `desk cluster up` never restarts a coordinator that cannot start (a taken port, a locked data directory).
@Suite struct CoordinatorStartsTests {
    @Test func aFirstStartThatFailsEndsTheCluster() {
        var starts = CoordinatorStarts()
        guard case .giveUp(let reason) = starts.exited(status: 1) else {
            Issue.record("a coordinator that was never up is restarted")
            return
        }
        #expect(reason.contains("stopped before it was up (status 1)"))
    }

    @Test func aCoordinatorThatWasUpIsRestartedUntilItFailsToStartLimitTimesInARow() {
        var starts = CoordinatorStarts(limit: 3)
        starts.up()
        #expect(starts.exited(status: 137) == .restart, "it died after it was up: restart")
        #expect(starts.exited(status: 1) == .restart)
        starts.up()
        #expect(starts.exited(status: 137) == .restart, "a start that got up resets the count")
        #expect(starts.exited(status: 1) == .restart)
        #expect(starts.exited(status: 1) == .restart)
        guard case .giveUp(let reason) = starts.exited(status: 1) else {
            Issue.record("restarts forever")
            return
        }
        #expect(reason.contains("3 times in a row"))
    }
}
