import ZeroMQ

/// An agent's credentials for a CURVE agent port, as `desk agent-key create` writes them: the agent
/// account the key is registered to, the agent's key pair, and the coordinator's public key.
public struct AgentKey: Sendable, Equatable {
    public var agent: String
    public var keys: CurveKeyPair
    public var coordinatorKey: String

    public init(agent: String, keys: CurveKeyPair, coordinatorKey: String) {
        self.agent = agent
        self.keys = keys
        self.coordinatorKey = coordinatorKey
    }

    /// Reads a key file; a missing or malformed key names the file and the key.
    public static func read(_ path: String) throws -> AgentKey {
        let entries = try CurveKeyFile.read(path)
        guard let agent = entries["agent"], !agent.isEmpty else { throw CurveKeyFile.Problem(description: "\(path): no 'agent = NAME' line") }
        for name in ["public-key", "secret-key", "coordinator-key"] where !CurveKeyPair.isKey(entries[name] ?? "") {
            throw CurveKeyFile.Problem(description: "\(path): '\(name)' must be 40 characters of Z85")
        }
        return AgentKey(agent: agent, keys: CurveKeyPair(publicKey: entries["public-key"]!, secretKey: entries["secret-key"]!),
                        coordinatorKey: entries["coordinator-key"]!)
    }

    /// Writes the key file, mode 0600.
    public func write(_ path: String) throws {
        try CurveKeyFile.write(path, comment: fileComment, fileEntries)
    }

    /// The key file's text, as `write` writes it (the admin page shows it once).
    public var fileText: String { CurveKeyFile.text(comment: fileComment, fileEntries) }

    var fileComment: String { "Desk agent key of '\(agent)': whoever has this file can act as that agent. Keep it secret." }
    var fileEntries: [(String, String)] {
        [("agent", agent), ("public-key", keys.publicKey), ("secret-key", keys.secretKey), ("coordinator-key", coordinatorKey)]
    }

    /// Sets a DEALER up as this agent's CURVE client (before it connects).
    public func configure(_ socket: Socket) throws {
        try socket.setCurveClient(serverKey: coordinatorKey, keys: keys)
    }
}
