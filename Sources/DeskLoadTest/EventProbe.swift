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
        var createdAt: [Int64: Double] = [:]
        var samples: [Double] = []
        var result = Result(dispatch: LatencySummary(microseconds: []))
        var first: Double?
        var lastResolved = 0.0
        var lastEvent = nowMicroseconds()
        let start = nowMicroseconds()
        while true {
            let now = nowMicroseconds()
            if now - start > timeout * 1e6 { break }
            if first != nil && now - lastEvent > quietSeconds * 1e6 { break }
            guard let frames = try socket.receive(), frames.count == 2 else { continue }
            let at = nowMicroseconds()
            lastEvent = at
            guard let ticket = Self.ticketID(frames[1]) else { continue }
            switch String(decoding: frames[0], as: UTF8.self) {
            case "created":
                createdAt[ticket] = at
                result.created += 1
                if first == nil { first = at }
            case "assigned":
                result.assigned += 1
                if let created = createdAt.removeValue(forKey: ticket) { samples.append(at - created) }
            case "resolved":
                result.resolved += 1
                lastResolved = at
            default:
                break
            }
        }
        result.span = first.map { (lastResolved - $0) / 1e6 } ?? 0
        result.dispatch = LatencySummary(microseconds: samples)
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
