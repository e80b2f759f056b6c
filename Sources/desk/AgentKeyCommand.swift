import ArgumentParser
import DeskAgent
import DeskCoordinator
import DeskModel
import DeskStore
import Foundation
import ZeroMQ

/// `desk agent-key create|list|revoke`: the CURVE keys that let agent processes onto the agent port,
/// each registered to one agent or bot account: through the API, or straight to the store of a data directory.
struct AgentKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent-key", abstract: "Agent keys for the CURVE agent port.",
        discussion: """
            A coordinator's agent port admits only registered keys, and a key speaks for one account: its \
            HELLO must give that name. The key file holds the agent's secret key: keep it like a password.
              desk agent-key create --agent alice --out alice.key              (an admin's DESK_TOKEN)
              desk agent-key create --data .desk/local --agent alice --out alice.key
              desk agent --name alice --key alice.key --mode staff …
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a key pair for an agent account, register its public key, write the key file (0600).",
            discussion: "Through the API (an admin's token; the account must exist), or with --data straight to the store "
                + "(the account is made, role agent, when missing). The secret key never leaves this machine.")
        @OptionGroup var connection: TicketCommand.Connection
        @Option(help: "Write straight to the store in this data directory instead of asking the API.") var data: String?
        @Option(help: "The agent or bot account the key speaks for.") var agent: String
        @Option(help: "Where to write the key file.") var out: String
        @Option(help: "With --data: a new account's skills, comma-separated.") var skills = ""
        @Option(help: "With --data: a new account's tier (0 bots, 1-3 people).") var tier = 1
        @Option(help: "What the key is for (a machine, a process).") var label = "cli"

        func run() async throws {
            guard !agent.isEmpty, agent.count <= 64, !agent.contains(where: \.isWhitespace) else {
                throw ValidationError("--agent must be 1 to 64 characters without spaces")
            }
            guard (0...3).contains(tier) else { throw ValidationError("--tier must be 0 to 3") }
            if FileManager.default.fileExists(atPath: out) { throw ValidationError("\(out) exists: choose another file, or remove it first") }
            let keys = try CurveKeyPair.generate()
            guard let data else {
                let body = try JSONSerialization.data(withJSONObject: ["agent": agent, "public_key": keys.publicKey, "name": label])
                let reply = try await connection.client.request("POST", "/api/v1/agent-keys", body: body).object()
                guard let coordinatorKey = reply["coordinator_key"] as? String, CurveKeyPair.isKey(coordinatorKey) else {
                    throw ValidationError("the coordinator's agent port is plain (--plain-agents): its agents need no key")
                }
                try AgentKey(agent: agent, keys: keys, coordinatorKey: coordinatorKey).write(out)
                print("registered key \(keys.publicKey) for '\(agent)'; key file \(out)")
                return
            }
            let coordinator = try AgentChannel.coordinatorKeys(dataDirectory: data)
            let skillList = skills.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let created: Bool
            do {
                created = try await TicketStore.with(directory: data) { [agent, label, tier] store in
                    try await store.registerAgentKey(account: agent, publicKey: keys.publicKey, label: label, skills: skillList,
                                                     tier: tier, actor: "desk agent-key create --data")
                }
            } catch {
                throw ValidationError("\(error)")
            }
            try AgentKey(agent: agent, keys: keys, coordinatorKey: coordinator.publicKey).write(out)
            print("\(created ? "created agent account '\(agent)'; " : "")registered key \(keys.publicKey) for '\(agent)'; key file \(out)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The registered agent keys: account, public key, label, state.")
        @OptionGroup var connection: TicketCommand.Connection
        @Option(help: "Read straight from the store in this data directory instead of asking the API.") var data: String?

        func run() async throws {
            var rows: [(agent: String, key: String, label: String, revoked: Bool)] = []
            if let data {
                let keys = try await TicketStore.with(directory: data) { store in try await store.pool.read { db in try db.agentKeys() } }
                rows = keys.map { ($0.userName, $0.publicKey, $0.name, $0.revokedAt != nil) }
            } else {
                let reply = try await connection.client.request("GET", "/api/v1/agent-keys")
                if connection.json { print(String(decoding: reply.data, as: UTF8.self)); return }
                rows = (try reply.object()["keys"] as? [[String: Any]] ?? []).map {
                    ($0["agent"] as? String ?? "", $0["public_key"] as? String ?? "", $0["name"] as? String ?? "", !($0["revoked_at"] is NSNull))
                }
            }
            print("AGENT            PUBLIC KEY                                 LABEL        STATE")
            for row in rows {
                print(row.agent.padding(toLength: 16, withPad: " ", startingAt: 0) + " " + row.key + "   "
                      + row.label.padding(toLength: 12, withPad: " ", startingAt: 0) + " " + (row.revoked ? "revoked" : "active"))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an agent key: new connections with it are refused (a connected agent keeps its connection until it drops).")
        @OptionGroup var connection: TicketCommand.Connection
        @Option(help: "Write straight to the store in this data directory instead of asking the API.") var data: String?
        @Argument(help: "The public key (Z85).") var key: String

        func run() async throws {
            guard let data else {
                _ = try await connection.client.request("POST", "/api/v1/agent-keys/revoke",
                                                        body: try JSONSerialization.data(withJSONObject: ["public_key": key])).object()
                print("revoked \(key)")
                return
            }
            let now = Millis(Date().timeIntervalSince1970 * 1000)
            let revoked = try await TicketStore.with(directory: data) { [key] store in
                try await store.writer.write { db -> Bool in
                    guard try db.revokeAgentKey(key, at: now) else { return false }
                    try db.audit(actor: "desk agent-key revoke --data", action: "agent-key.revoke", target: "agent key \(key.prefix(8))", at: now)
                    return true
                }
            }
            guard revoked else { throw ValidationError("no active agent key \(key)") }
            print("revoked \(key)")
        }
    }
}
