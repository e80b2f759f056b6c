import Foundation
import ZeroMQ

/// An agent that can never connect: its endpoint is one libzmq cannot use. `AgentRuntime.run` throws it
/// and the `desk agent` process exits non-zero with it.
public struct AgentConnectionError: Error, Sendable, CustomStringConvertible {
    /// The endpoint as given (`--connect`).
    public let endpoint: String
    /// libzmq's reason.
    public let reason: String

    public var description: String {
        "cannot connect to '\(endpoint)': \(reason); an agent endpoint looks like tcp://HOST:PORT"
    }
}

extension ZMQError {
    /// The endpoint itself is unusable (malformed, or a transport libzmq does not have): trying again never
    /// helps. Other failures to open a socket (out of file descriptors, say) may pass.
    var rejectsEndpoint: Bool { code == EINVAL || code == EPROTONOSUPPORT }
}
