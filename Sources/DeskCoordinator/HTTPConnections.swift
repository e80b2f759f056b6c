import Synchronization

/// The HTTP server's connections: how many are open now, and how many were refused or timed out.
///
/// Lock-free: every event loop of the server admits and releases connections through it. Rendered at
/// `/metrics` as `desk_http_connections_open`, `desk_http_connections_refused_total` and
/// `desk_http_header_timeouts_total`.
public final class HTTPConnections: Sendable {
    private let open = Atomic<Int>(0)
    private let lingering = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    private let headerTimeouts = Atomic<Int>(0)

    /// Refused connections kept open at once to hear their answer out; past it, new ones are closed at once.
    static let maxLingering = 1024

    /// No connections yet.
    public init() {}

    /// Counts a new connection in when fewer than `limit` are open; false (and nothing counted) otherwise.
    func admit(limit: Int) -> Bool {
        var current = open.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = open.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Counts an admitted connection out (it closed).
    func release() { open.subtract(1, ordering: .relaxed) }

    /// Counts a refusal; true when the refused connection may stay open to receive its `503`.
    func refuse() -> Bool {
        refused.add(1, ordering: .relaxed)
        if lingering.add(1, ordering: .relaxed).newValue <= Self.maxLingering { return true }
        lingering.subtract(1, ordering: .relaxed)
        return false
    }

    /// A refused connection that was allowed to linger has closed.
    func refusalClosed() { lingering.subtract(1, ordering: .relaxed) }

    /// A connection was closed for sending its request head too slowly.
    func headerTimedOut() { headerTimeouts.add(1, ordering: .relaxed) }

    /// Connections admitted and not yet closed.
    public var openNow: Int { open.load(ordering: .relaxed) }

    /// Prometheus text exposition format 0.0.4.
    func render() -> String {
        "# HELP desk_http_connections_open HTTP connections open now (refused ones not counted).\n"
            + "# TYPE desk_http_connections_open gauge\ndesk_http_connections_open \(openNow)\n"
            + "# HELP desk_http_connections_refused_total HTTP connections refused past the connection limit.\n"
            + "# TYPE desk_http_connections_refused_total counter\n"
            + "desk_http_connections_refused_total \(refused.load(ordering: .relaxed))\n"
            + "# HELP desk_http_header_timeouts_total HTTP connections closed for sending a request head too slowly.\n"
            + "# TYPE desk_http_header_timeouts_total counter\n"
            + "desk_http_header_timeouts_total \(headerTimeouts.load(ordering: .relaxed))\n"
    }
}
