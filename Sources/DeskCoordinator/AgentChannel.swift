import DeskStore
import Foundation
import Logging
import ZeroMQ

/// How agents prove who they are on the agent port.
public enum AgentSecurity: String, Sendable, CaseIterable {
    /// CURVE encryption with the coordinator's key pair; a ZAP handler lets in only registered agent keys,
    /// and each message carries the agent account its key belongs to. The default.
    case curve
    /// Plain TCP, no authentication: allowed only on a loopback (or ipc/inproc) endpoint, and only when
    /// asked for (`--plain-agents`), for tests and benchmarks on one machine.
    case plain
}

/// The agent channel's security: the coordinator's key file, the loopback rule, and the ZAP decision.
public enum AgentChannel {
    /// The coordinator's CURVE key pair in its data directory (made at the first start, mode 0600).
    public static func keyPath(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("agent-channel.key")
    }

    /// The coordinator's key pair, made when missing.
    public static func coordinatorKeys(dataDirectory: String) throws -> CurveKeyPair {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        return try CurveKeyFile.pair(at: keyPath(dataDirectory: dataDirectory),
                                     comment: "The Desk coordinator's CURVE key pair for the agent port. Keep the secret key secret.")
    }

    /// Whether `endpoint` can only be reached from this machine: `tcp://127.x.x.x`, `tcp://[::1]`,
    /// `tcp://localhost`, `ipc://` or `inproc://`.
    public static func isLoopback(_ endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        var host = String(endpoint.dropFirst("tcp://".count))
        if host.hasPrefix("[") { return host.hasPrefix("[::1]") }
        if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        return host == "localhost" || host.hasPrefix("127.")
    }

    /// The ZAP decision: a CURVE client whose public key is registered to an enabled account comes in as
    /// that account's name. The lookup is one indexed read of the store (handshakes are rare), so a key
    /// registered or revoked a moment ago counts at the next connection.
    static func authenticator(store: TicketStore, metrics: CoordinatorMetrics, logger: Logger)
        -> @Sendable (ZAPHandler.Request) -> ZAPHandler.Verdict {
        { request in
            guard request.mechanism == "CURVE", let key = request.clientKey else {
                metrics.agentHandshakesRefused.increment()
                return .deny(reason: "the agent port needs CURVE")
            }
            let agent = try? store.pool.read { db in try db.activeAgentKeys(publicKey: key) }
            guard let agent else {
                metrics.agentHandshakesRefused.increment()
                logger.warning("refused an agent connection: its key is not registered (or revoked)",
                               metadata: ["address": "\(request.address)", "key": "\(key.prefix(8))…"])
                return .deny(reason: "unknown agent key")
            }
            logger.debug("admitted an agent key", metadata: ["agent": "\(agent)", "address": "\(request.address)"])
            return .allow(userID: agent)
        }
    }
}

/// A coordinator that cannot start as configured, with the reason.
public struct CoordinatorStartError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
