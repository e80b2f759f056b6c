import ZeroMQ

/// A connected agent's conversation state: where to reach it and how far its reports have come.
struct AgentSession {
    var name: String
    var routingID: Frame
    var session: String
    var mode: String
    /// Highest sequence number accepted from this session (committed, or submitted for commit).
    var lastSequence: UInt64
}
