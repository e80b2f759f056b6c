/// When intake stops taking tickets and answers `503` with `Retry-After: 1`: what was accepted commits,
/// and neither the loop nor the store's writer queues without bound.
public struct IntakeLimits: Sendable, Equatable {
    /// Changes waiting for the store's writer past which new tickets are refused.
    public var writerBacklog: Int
    /// Tickets handed to the loop and not yet answered (across all requests) past which new ones are refused.
    public var inFlight: Int

    /// 50,000 changes waiting for the writer, 100,000 tickets in intake.
    public static let standard = IntakeLimits(writerBacklog: 50_000, inFlight: 100_000)

    /// Limits with the given values.
    public init(writerBacklog: Int, inFlight: Int) {
        self.writerBacklog = writerBacklog
        self.inFlight = inFlight
    }
}
