import DeskProtocol
import Foundation
import Testing
import ZeroMQ

/// The agent port with CURVE and ZAP, end to end: a real coordinator, real agent processes with keys
/// made by `desk agent-key create`, and peers with keys the coordinator does not know or that belong to
/// someone else.
@Suite(.serialized) struct AgentChannelTests {
    /// The coordinator's public key, from its key file in the data directory.
    static func coordinatorKey(_ cluster: TestCluster) throws -> String {
        try #require(try CurveKeyFile.read(cluster.directory + "/agent-channel.key")["public-key"])
    }

    static func agents(_ cluster: TestCluster) async throws -> [String: [String: Any]] {
        let list = try await cluster.request("GET", "/api/v1/agents").json["agents"] as? [[String: Any]] ?? []
        return Dictionary(list.map { ($0["name"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func onlyRegisteredKeysGetInAndAKeySpeaksOnlyForItsOwnAgent() async throws {
        let cluster = try await TestCluster(curve: true)
        defer { cluster.shutdown() }
        #expect(cluster.coordinator.output.contains { $0.hasPrefix("agent-key ") }, "the coordinator says its public key")
        for name in ["a", "b"] {
            let made = try await runDesk(["agent-key", "create", "--data", cluster.directory, "--agent", name,
                                          "--out", cluster.directory + "/\(name).key", "--skills", "billing"])
            #expect(made.status == 0 && made.output.contains { $0.contains("registered key") }, "\(made.output)")
        }
        let mode = try FileManager.default.attributesOfItem(atPath: cluster.directory + "/a.key")[.posixPermissions] as? Int
        #expect(mode == 0o600, "a key file is its owner's only")

        // b, with its own key, connects and takes a ticket it keeps working (an hour of service time).
        let b = try DeskProcess(["agent", "--connect", cluster.agentsEndpoint, "--name", "b", "--skills", "billing",
                                 "--mode", "sim", "--service-time", "1h", "--key", cluster.directory + "/b.key", "--log-level", "warning"])
        defer { b.stop() }
        try await eventually(20, "b connected") { try await Self.agents(cluster)["b"]?["state"] as? String == "connected" }
        let ticket = try #require(await cluster.create(["subject": "charged twice", "body": "b's ticket", "requester": "c@example.com",
                                                        "category": "billing"]).json["id"] as? Int)
        try await eventually(20, "b holds the ticket") { try await cluster.status(of: Int64(ticket)) == "in_progress" }
        let before = try await cluster.request("GET", "/api/v1/tickets/\(ticket)").json

        // A peer with the coordinator's key right but its own key unregistered never gets a word through.
        let stranger = try RawPeer(endpoint: cluster.agentsEndpoint, curve: (try CurveKeyPair.generate(), try Self.coordinatorKey(cluster)))
        defer { stranger.close() }
        try stranger.socket.set(.receiveTimeout, 1500)
        #expect(try stranger.hello("b", skills: ["billing"], session: "stranger") == nil, "no WELCOME for an unregistered key")
        #expect(try await cluster.metric("desk_agent_handshakes_refused_total") ?? 0 >= 1)

        // A process with a's key saying HELLO as b is refused, by name; so is the CLI before it connects.
        let aKey = try CurveKeyFile.read(cluster.directory + "/a.key")
        let impostor = try RawPeer(endpoint: cluster.agentsEndpoint,
                                   curve: (CurveKeyPair(publicKey: aKey["public-key"]!, secretKey: aKey["secret-key"]!), try Self.coordinatorKey(cluster)))
        defer { impostor.close() }
        var hello = WireHello()
        hello.agent = "b"
        hello.skills = ["billing"]
        hello.capacity = 1
        hello.tier = 1
        hello.mode = "raw"
        hello.session = "impostor"
        hello.leases = [WireLeaseRef.with { $0.ticketID = Int64(ticket); $0.epoch = 1 }]
        try impostor.send(.hello(hello))
        let answer = try #require(try impostor.receive())
        guard case .error(let error) = answer else { Issue.record("expected an ERROR, got \(answer)"); return }
        #expect(error.message.contains("registered to agent 'a'") && error.message.contains("'b'"), "\(error.message)")
        #expect(try await cluster.metric("desk_hello_refused_identity_total") == 1)
        let cli = try await runDesk(["agent", "--connect", cluster.agentsEndpoint, "--name", "b", "--key", cluster.directory + "/a.key"])
        #expect(cli.status != 0 && cli.output.contains { $0.contains("is the key of agent 'a', not of 'b'") }, "\(cli.output)")

        // b's lease is untouched: same assignee, same epoch, still in progress; b is still connected.
        let after = try await cluster.request("GET", "/api/v1/tickets/\(ticket)").json
        #expect(after["assignee"] as? String == "b" && after["lease_epoch"] as? Int == before["lease_epoch"] as? Int
                && after["status"] as? String == "in_progress", "\(after)")
        #expect(try await Self.agents(cluster)["b"]?["state"] as? String == "connected")
        #expect(try await Self.agents(cluster)["a"] == nil, "the impostor did not become an agent either")

        // A revoked key is refused at its next connection.
        let revoked = try await runDesk(["agent-key", "revoke", "--data", cluster.directory, aKey["public-key"]!])
        #expect(revoked.status == 0, "\(revoked.output)")
        let refusedBefore = try await cluster.metric("desk_agent_handshakes_refused_total") ?? 0
        let again = try RawPeer(endpoint: cluster.agentsEndpoint,
                                curve: (CurveKeyPair(publicKey: aKey["public-key"]!, secretKey: aKey["secret-key"]!), try Self.coordinatorKey(cluster)))
        defer { again.close() }
        try again.socket.set(.receiveTimeout, 1500)
        #expect(try again.hello("a", skills: ["billing"], session: "revoked") == nil)
        #expect(try await cluster.metric("desk_agent_handshakes_refused_total") ?? 0 > refusedBefore)
    }

    @Test func aKeyRegisteredThroughTheAPILetsItsAgentIn() async throws {
        let cluster = try await TestCluster(curve: true)
        defer { cluster.shutdown() }
        let person = try JSONSerialization.data(withJSONObject: ["name": "cy", "role": "agent", "skills": ["billing"]])
        #expect(try await cluster.request("POST", "/api/v1/users", body: person).status == 201)
        let made = try await runDesk(["agent-key", "create", "--agent", "cy", "--out", cluster.directory + "/cy.key",
                                      "--server", cluster.http], token: cluster.adminToken)
        #expect(made.status == 0, "\(made.output)")
        let file = try CurveKeyFile.read(cluster.directory + "/cy.key")
        #expect(file["coordinator-key"] == (try Self.coordinatorKey(cluster)), "the API answered the coordinator's key")
        let listed = try await cluster.request("GET", "/api/v1/agent-keys").json
        #expect((listed["keys"] as? [[String: Any]])?.contains { $0["public_key"] as? String == file["public-key"] } == true, "\(listed)")
        #expect(!"\(listed)".contains(file["secret-key"] ?? "?"), "the secret key never reached the coordinator")
        let agent = try DeskProcess(["agent", "--connect", cluster.agentsEndpoint, "--name", "cy", "--skills", "billing",
                                     "--key", cluster.directory + "/cy.key", "--log-level", "warning"])
        defer { agent.stop() }
        try await eventually(20, "cy connected") { try await Self.agents(cluster)["cy"]?["state"] as? String == "connected" }
        // A customer account cannot hold an agent key; without an admin's token nobody registers one.
        let customer = try JSONSerialization.data(withJSONObject: ["name": "cu", "role": "customer", "email": "cu@example.com"])
        #expect(try await cluster.request("POST", "/api/v1/users", body: customer).status == 201)
        let refused = try await runDesk(["agent-key", "create", "--agent", "cu", "--out", cluster.directory + "/cu.key",
                                         "--server", cluster.http], token: cluster.adminToken)
        #expect(refused.status != 0 && refused.output.contains { $0.contains("is a customer") }, "\(refused.output)")
        let anonymous = try await runDesk(["agent-key", "create", "--agent", "cy", "--out", cluster.directory + "/x.key",
                                           "--server", cluster.http])
        #expect(anonymous.status != 0 && anonymous.output.contains { $0.contains("HTTP 401") }, "\(anonymous.output)")
    }

    @Test func aConsoleWithoutAKeyIsToldWhatItLacks() async throws {
        let cluster = try await TestCluster(curve: true)
        defer { cluster.shutdown() }
        let console = try DeskProcess(["agent", "--connect", cluster.agentsEndpoint, "--name", "alice", "--mode", "staff",
                                       "--api", cluster.http, "--token", cluster.adminToken], input: true)
        defer { console.stop() }
        let line = try await console.line(containing: "needs --key FILE", within: 20)
        #expect(console.output[line].contains("desk agent-key create"), "\(console.output)")
        #expect(try await Self.agents(cluster)["alice"] == nil)
    }

    @Test func plainAgentsAreRefusedOffLoopback() async throws {
        let run = try await runDesk(["coordinator", "--data", FileManager.default.temporaryDirectory.path + "/desk-plain-\(UUID().uuidString)",
                                     "--agents", "tcp://0.0.0.0:0", "--plain-agents"])
        #expect(run.status != 0 && run.output.contains { $0.contains("--plain-agents needs a loopback --agents endpoint") }, "\(run.output)")
    }
}
