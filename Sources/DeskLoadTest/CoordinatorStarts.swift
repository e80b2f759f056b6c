/// Whether `desk cluster up` restarts its coordinator after an exit, judged by whether each start got as
/// far as listening (its `http …` line).
///
/// A coordinator that exits before it is up failed to start: its data directory is locked by another
/// coordinator, an address is taken, its config is broken. Restarting cannot fix any of those, so the
/// first start failing ends the cluster at once, and after a coordinator was up, `limit` failed starts in
/// a row do. A coordinator that dies after it was up is restarted (with the supervisor's backoff).
public struct CoordinatorStarts: Sendable, Equatable {
    public enum Decision: Sendable, Equatable {
        case restart
        /// Stop the cluster and exit non-zero, with the reason.
        case giveUp(String)
    }

    public let limit: Int
    private(set) var everUp = false
    private(set) var upNow = false
    private(set) var failedInARow = 0

    public init(limit: Int = 5) { self.limit = limit }

    /// The coordinator announced its HTTP address: this start succeeded.
    public mutating func up() {
        everUp = true
        upNow = true
        failedInARow = 0
    }

    /// The coordinator exited with `status`: restart it, or give up.
    public mutating func exited(status: Int32) -> Decision {
        defer { upNow = false }
        if upNow { return .restart }
        failedInARow += 1
        if !everUp {
            return .giveUp("the coordinator stopped before it was up (status \(status)); its error is above. Not restarting")
        }
        if failedInARow >= limit {
            return .giveUp("the coordinator failed to start \(failedInARow) times in a row (last status \(status)); its error is above. Giving up")
        }
        return .restart
    }
}
