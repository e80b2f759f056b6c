import Foundation
import Testing

/// The load-test harness on real processes: the shipped smoke scenario, whose audit must pass.
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
}
