import Foundation
import GRDB
import Testing

/// The load-test harness on real processes: the shipped smoke scenario, whose audit must pass, spawned
/// and attached.
@Suite struct LoadTestTests {
    @Test func smokeScenarioRunsAndItsAuditPasses() async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("desk-smoke-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try await runDesk(["loadtest", "run", repositoryFile("loadtest/scenarios/smoke.yaml"), "--out", out])
        #expect(run.status == 0, "\(run.output.suffix(40).joined(separator: "\n"))")
        let audit = run.output.last { $0.hasPrefix("audit: ") }
        #expect(audit == "audit: 201 passed, 0 failed", "\(run.output.suffix(20))")
        #expect(run.output.contains { $0.hasPrefix("scenario smoke: 201 planned, 201 accepted, 201 resolved, 0 still open") })
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/result.json"))) as? [String: Any]
        #expect(result?["auditFailed"] as? Int == 0)
        #expect((result?["dispatchLatency"] as? [String: Any])?["count"] as? Int == 201)
    }

    /// `--attach URL`: the harness finds the agent and event endpoints through `/healthz`, starts its agents
    /// against the running coordinator (which already has an agent of its own, sharing the work), and
    /// audits the run's tickets through the API. The coordinator's agent port uses CURVE, as in production:
    /// the harness registers a key for each of its agents through the API with its admin token.
    @Test func attachedRunAuditsThroughTheAPI() async throws {
        let cluster = try await TestCluster(curve: true)
        defer { cluster.shutdown() }
        let key = cluster.directory + "/resident.key"
        let made = try await runDesk(["agent-key", "create", "--data", cluster.directory, "--agent", "resident", "--out", key])
        #expect(made.status == 0, "\(made.output)")
        try cluster.startAgent("resident", skills: ["billing", "network", "account", "hardware"], capacity: 2, key: key)
        let health = try await cluster.request("GET", "/healthz")
        let endpoints = health.json["endpoints"] as? [String: Any]
        #expect(endpoints?["agents"] as? String == cluster.agentsEndpoint)
        let refused = try await runDesk(["loadtest", "run", repositoryFile("loadtest/scenarios/smoke.yaml"), "--attach", cluster.http])
        #expect(refused.status != 0 && refused.output.contains { $0.contains("--attach needs an API token") }, "\(refused.output)")
        let run = try await runDesk(["loadtest", "run", repositoryFile("loadtest/scenarios/smoke.yaml"), "--attach", cluster.http],
                                    token: cluster.adminToken)
        #expect(run.status == 0, "\(run.output.suffix(40).joined(separator: "\n"))")
        #expect(run.output.contains { $0.hasPrefix("attached to \(cluster.http)") && $0.hasSuffix("agents already connected: 1") })
        #expect(run.output.contains { $0.contains("registered") && $0.contains("agent keys with the attached coordinator") }, "\(run.output.prefix(10))")
        #expect(run.output.last { $0.hasPrefix("audit: ") } == "audit: 201 passed, 0 failed", "\(run.output.suffix(20))")
        // The run's tickets are in the attached coordinator's own store, resolved once each.
        let stored = try cluster.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tickets WHERE idempotency_key LIKE 'lt-%' AND status = 'resolved'")
        }
        #expect(stored == 201)
    }

    @Test func attachedRunRefusesAScenarioThatKillsTheCoordinator() async throws {
        let run = try await runDesk(["loadtest", "run", repositoryFile("loadtest/scenarios/chaos.yaml"), "--attach", "http://127.0.0.1:9"])
        #expect(run.status != 0)
        #expect(run.output.contains { $0.contains("kills the coordinator at 25.0 s, which an attached run cannot do") })
    }
}
