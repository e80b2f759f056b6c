import DeskModel

/// Who an agent is and where it connects.
public struct AgentOptions: Sendable {
    public var endpoint: String
    public var name: String
    public var skills: [String]
    public var capacity: Int
    public var tier: Int
    public var mode: String
    /// Used until WELCOME names the coordinator's own.
    public var heartbeatIntervalMs: Int
    public var heartbeatLiveness: Int
    /// First and largest reconnect delay.
    public var reconnectInitialMs: Int
    public var reconnectMaxMs: Int
    /// Bots: the claims JSON sent in HELLO (`BotClaims`), empty otherwise.
    public var claims: String = ""
    /// The CURVE credentials for a secured agent port; nil for a plain (loopback) one.
    public var key: AgentKey?

    public init(endpoint: String, name: String, skills: [String], capacity: Int = 1, tier: Int = 1, mode: String = "sim",
                heartbeatIntervalMs: Int = 1000, heartbeatLiveness: Int = 3, reconnectInitialMs: Int = 100,
                reconnectMaxMs: Int = 5000) {
        self.endpoint = endpoint
        self.name = name
        self.skills = skills
        self.capacity = capacity
        self.tier = tier
        self.mode = mode
        self.heartbeatIntervalMs = heartbeatIntervalMs
        self.heartbeatLiveness = heartbeatLiveness
        self.reconnectInitialMs = reconnectInitialMs
        self.reconnectMaxMs = reconnectMaxMs
    }
}
