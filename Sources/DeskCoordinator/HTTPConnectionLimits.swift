/// How the coordinator's HTTP server bounds its connections, so that idle and half-sent connections cannot
/// pile up until the process runs out of file descriptors.
///
/// Set by `desk coordinator --http-idle-timeout`, `--http-header-timeout` and `--http-max-connections`;
/// see docs/OPERATIONS.md.
public struct HTTPConnectionLimits: Sendable, Equatable {
    /// Seconds a connection may go without a complete request part while no request is being answered
    /// (keep-alive between requests, or a request that stops arriving) before the server closes it.
    public var idleTimeoutSeconds: Int
    /// Seconds from the first byte of a request to the end of its head; a client slower than that is
    /// disconnected without an answer. At most `idleTimeoutSeconds`.
    public var headerTimeoutSeconds: Int
    /// Connections open at once. A connection past it is answered `503` with `Connection: close` and closed.
    public var maxConnections: Int

    /// 60 s idle, 10 s for a request head, 4,096 connections.
    public static let standard = HTTPConnectionLimits(idleTimeoutSeconds: 60, headerTimeoutSeconds: 10, maxConnections: 4096)
    /// Accepted idle timeouts, in seconds.
    public static let idleTimeoutRange = 1...3600
    /// Accepted header timeouts, in seconds.
    public static let headerTimeoutRange = 1...600
    /// Accepted connection limits.
    public static let maxConnectionsRange = 1...1_000_000

    /// Limits with the given values; `problem` says whether they are acceptable.
    public init(idleTimeoutSeconds: Int, headerTimeoutSeconds: Int, maxConnections: Int) {
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.headerTimeoutSeconds = headerTimeoutSeconds
        self.maxConnections = maxConnections
    }

    /// The first value out of bounds, named by its flag; nil when every value is acceptable.
    public var problem: String? {
        if !Self.idleTimeoutRange.contains(idleTimeoutSeconds) {
            return "--http-idle-timeout must be \(Self.idleTimeoutRange.lowerBound)...\(Self.idleTimeoutRange.upperBound) seconds"
        }
        if !Self.headerTimeoutRange.contains(headerTimeoutSeconds) {
            return "--http-header-timeout must be \(Self.headerTimeoutRange.lowerBound)...\(Self.headerTimeoutRange.upperBound) seconds"
        }
        if headerTimeoutSeconds > idleTimeoutSeconds {
            return "--http-header-timeout must not exceed --http-idle-timeout (the idle timeout closes a stalled head first)"
        }
        if !Self.maxConnectionsRange.contains(maxConnections) {
            return "--http-max-connections must be \(Self.maxConnectionsRange.lowerBound)...\(Self.maxConnectionsRange.upperBound)"
        }
        return nil
    }
}
