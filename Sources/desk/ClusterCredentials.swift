import DeskAgent
import DeskCoordinator
import DeskLoadTest
import DeskModel
import DeskStore
import Foundation
import ZeroMQ

/// The local cluster's credentials, made once in its data directory before the coordinator starts: an
/// admin token in `admin.token`, one agent token per person of the file's `people:` in
/// `tokens/NAME.token`, and a registered CURVE agent key per agent and person in `keys/NAME.key` (the
/// coordinator's own key pair is made beside them), each file readable by its owner only. A file the
/// store no longer accepts (the store was removed, the token or key revoked) is replaced.
struct ClusterCredentials {
    let adminTokenPath: String
    let adminToken: String
    /// Person name → the path of their token file.
    let personTokenPaths: [String: String]
    /// Agent or person name → the path of their agent key file.
    let keyPaths: [String: String]

    static func prepare(data: String, agents: [ClusterFile.AgentSpec], people: [ClusterFile.AgentSpec]) async throws -> ClusterCredentials {
        let coordinator = try AgentChannel.coordinatorKeys(dataDirectory: data)
        return try await TicketStore.with(directory: data) { store in
            let adminPath = (data as NSString).appendingPathComponent("admin.token")
            let admin = try await token(at: adminPath, store: store) {
                try await store.issueToken(account: "admin", role: .admin, label: "local cluster", actor: "desk cluster up").token
            }
            var paths: [String: String] = [:]
            let directory = (data as NSString).appendingPathComponent("tokens")
            for person in people {
                let path = (directory as NSString).appendingPathComponent("\(person.name).token")
                _ = try await token(at: path, store: store) {
                    try await store.issueToken(account: person.name, role: .agent, skills: person.skills ?? [],
                                               tier: person.tier ?? 1, label: "local cluster", actor: "desk cluster up").token
                }
                paths[person.name] = path
            }
            var keyPaths: [String: String] = [:]
            for agent in agents + people {
                let path = keyPath(data: data, agent: agent.name)
                let current = try? AgentKey.read(path)
                var registered: String?
                if let current { registered = try await store.pool.read { db in try db.activeAgentKeys(publicKey: current.keys.publicKey) } }
                if current?.agent != agent.name || current?.coordinatorKey != coordinator.publicKey || registered != agent.name {
                    let keys = try CurveKeyPair.generate()
                    _ = try await store.registerAgentKey(account: agent.name, publicKey: keys.publicKey, label: "local cluster",
                                                         skills: agent.skills ?? [], tier: agent.tier ?? (agent.mode == "bot" ? 0 : 1),
                                                         actor: "desk cluster up")
                    try? FileManager.default.removeItem(atPath: path)
                    try AgentKey(agent: agent.name, keys: keys, coordinatorKey: coordinator.publicKey).write(path)
                }
                keyPaths[agent.name] = path
            }
            return ClusterCredentials(adminTokenPath: adminPath, adminToken: admin, personTokenPaths: paths, keyPaths: keyPaths)
        }
    }

    /// Where an agent's key file is: `DATA/keys/NAME.key`.
    static func keyPath(data: String, agent: String) -> String {
        (data as NSString).appendingPathComponent("keys/\(agent).key")
    }

    /// The token in `path` when the store still accepts it, else a new one from `issue`, written there.
    private static func token(at path: String, store: TicketStore, issue: () async throws -> String) async throws -> String {
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let now = Millis(Date().timeIntervalSince1970 * 1000)
            let known = try await store.pool.read { db in try db.token(hash: AccessSecret.hash(secret)) }
            if let (record, user) = known, record.isUsable(at: now), user.disabledAt == nil { return secret }
        }
        let secret = try await issue()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ClusterError("cannot write \(path)")
        }
        // createFile keeps an existing file's mode: make sure it is the owner's only.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return secret
    }
}
