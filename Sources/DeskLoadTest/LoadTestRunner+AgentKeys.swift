import DeskAgent
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ZeroMQ

/// An attached coordinator whose agent port uses CURVE admits registered keys only: the harness makes an
/// account and a key for each of its agents through the API (its token must be an admin's), and starts
/// them with `--key`. A coordinator the harness spawns runs `--plain-agents` on loopback and needs none.
extension LoadTestRunner {
    /// The agents of the scenario: name, skills, tier.
    var agentAccounts: [(name: String, skills: [String], tier: Int)] {
        scenario.pools.flatMap { pool in (1...pool.count).map { ("\(pool.name)-\($0)", pool.skills, pool.tier) } }
            + scenario.bots.flatMap { bot in (1...bot.count).map { ("\(bot.name)-\($0)", [String](), 0) } }
    }

    /// With an attached CURVE coordinator: registers a key per agent and returns name → key file; empty
    /// otherwise (a plain agent port).
    func prepareAgentKeys() async throws -> [String: String] {
        guard attached != nil else { return [:] }
        let (status, listing) = try await api("GET", "/api/v1/agent-keys")
        guard status == 200 else {
            throw ClusterError("GET /api/v1/agent-keys answered \(status): the harness's token must be an admin's to register its agents' keys")
        }
        guard let coordinatorKey = listing["coordinator_key"] as? String else { return [:] }  // a plain agent port
        var files: [String: String] = [:]
        for account in agentAccounts {
            let (made, answer) = try await api("POST", "/api/v1/users", ["name": account.name, "role": "agent",
                                                                       "skills": account.skills, "tier": account.tier])
            guard made == 201 || made == 409 else { throw ClusterError("creating agent account \(account.name): \(made) \(answer)") }
            let keys = try CurveKeyPair.generate()
            let (registered, reply) = try await api("POST", "/api/v1/agent-keys", ["agent": account.name, "public_key": keys.publicKey,
                                                                                 "name": "load test \(runID)"])
            guard registered == 201 else { throw ClusterError("registering the key of \(account.name): \(registered) \(reply)") }
            let path = directory + "/keys/\(account.name).key"
            try AgentKey(agent: account.name, keys: keys, coordinatorKey: coordinatorKey).write(path)
            files[account.name] = path
        }
        progress("registered \(files.count) agent keys with the attached coordinator")
        return files
    }

    /// One API call with the harness's token: the status and the JSON object.
    func api(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: http + path)!)
        request.httpMethod = method
        request.timeoutInterval = 10
        if let token { request.setValue("Bearer " + token, forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        guard let (data, response) = try? await session.data(for: request) else { throw ClusterError("\(method) \(path): no answer from \(http)") }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }
}
