import Foundation
import ZeroMQ

/// Listens to the coordinator's event stream and measures, per ticket, the time from its `created`
/// event (published once intake has committed it) to its `assigned` event (published when the lease is
/// committed and ASSIGN goes to the agent): the dispatch latency. Both events cross the same PUB hop, so
/// the hop cancels out. Also counts resolutions for end-to-end throughput.
public final class EventProbe {
    let socket: Socket
    let context: Context

    public struct Result: Sendable {
        public var created = 0
        public var assigned = 0
        public var resolved = 0
        /// Seconds from the first `created` to the last `resolved`.
        public var span: Double = 0
        public var dispatch: LatencySummary
        public var throughput: Double { span > 0 ? Double(resolved) / span : 0 }
    }

    public init(endpoint: String) throws {
        context = try Context()
        socket = try Socket(context, .sub)
        try socket.set(.receiveHighWaterMark, 1_000_000)
        try socket.set(.subscribe, [])
        try socket.set(.receiveTimeout, 200)
        try socket.connect(endpoint)
    }

    /// Collects events until `quietSeconds` pass without one (after the first), or `timeout` seconds.
    public func run(quietSeconds: Double, timeout: Double) throws -> Result {
        var tally = EventTally()
        var lastEvent = nowMicroseconds()
        let start = nowMicroseconds()
        while true {
            let now = nowMicroseconds()
            if now - start > timeout * 1e6 { break }
            if tally.firstCreated != nil && now - lastEvent > quietSeconds * 1e6 { break }
            guard let frames = try socket.receive(), frames.count == 2 else { continue }
            lastEvent = nowMicroseconds()
            tally.record(topic: frames[0], body: frames[1], at: lastEvent)
        }
        var result = Result(dispatch: LatencySummary(microseconds: tally.dispatch))
        result.created = tally.createdCount
        result.assigned = tally.assignedCount
        result.resolved = tally.resolved.count
        result.span = tally.firstCreated.map { (tally.lastResolved - $0) / 1e6 } ?? 0
        return result
    }

    /// Reads `N` from a body starting `{"ticket":N,`.
    static func ticketID(_ body: [UInt8]) -> Int64? {
        let prefix = Array("{\"ticket\":".utf8)
        guard body.starts(with: prefix) else { return nil }
        var value: Int64 = 0
        for byte in body.dropFirst(prefix.count) {
            guard byte >= 48 && byte <= 57 else { break }
            value = value * 10 + Int64(byte - 48)
        }
        return value
    }
}

/// What the event stream told about tickets, as received: the time from each ticket's `created` event to
/// its first `assigned` event (microseconds), how many of each were seen, and which tickets were resolved.
/// Shared by the benchmark's `EventProbe` and the load test's `EventFollower`.
struct EventTally {
    /// `created` stamps of tickets not assigned yet.
    var pending: [Int64: Double] = [:]
    var dispatch: [Double] = []
    var resolved: Set<Int64> = []
    var createdCount = 0
    var assignedCount = 0
    var firstCreated: Double?
    var lastResolved = 0.0

    /// Tickets waiting for an agent: their last event put them in the queue.
    var waiting: Set<Int64> = []

    mutating func record(topic: [UInt8], body: [UInt8], at: Double) {
        guard let ticket = EventProbe.ticketID(body) else { return }
        let kind = String(decoding: topic, as: UTF8.self)
        switch kind {
        case "created", "queued", "released", "lease_expired", "escalated": waiting.insert(ticket)
        case "assigned", "resolved": waiting.remove(ticket)
        default: break
        }
        switch kind {
        case "created":
            pending[ticket] = at
            createdCount += 1
            if firstCreated == nil { firstCreated = at }
        case "assigned":
            assignedCount += 1
            if let created = pending.removeValue(forKey: ticket) { dispatch.append(at - created) }
        case "resolved":
            resolved.insert(ticket)
            lastResolved = at
        default:
            break
        }
    }
}
