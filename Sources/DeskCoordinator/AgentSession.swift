import ZeroMQ

/// A connected agent's conversation: where to reach it. Its sequence numbers are in its `ReportLedger`.
struct AgentSession {
    var name: String
    var routingID: Frame
    var session: String
    var mode: String
}
