import Foundation
import Testing

/// A second coordinator or `desk cluster up` beside a running one: it says where the running one is, or
/// which address it cannot have, and exits 1 instead of restarting forever.
@Suite struct SecondClusterTests {
    /// `host:port` of an `http://host:port` address.
    static func hostPort(_ http: String) -> String { String(http.dropFirst("http://".count)) }

    @Test func aSecondCoordinatorOnTheSameDataSaysWhereTheFirstRunsAndExits() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let second = try await runDesk(["coordinator", "--data", cluster.directory, "--http", "127.0.0.1:0",
                                        "--agents", "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*"])
        #expect(second.status == 1)
        #expect(second.output.contains { $0.contains("already running on data directory \(cluster.directory)") && $0.contains("API \(cluster.http)") },
                "\(second.output)")
        #expect(try await cluster.request("GET", "/healthz").status == 200, "the first one is untouched")
    }

    @Test func everyTakenAddressIsNamed() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-second-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cases: [(String, [String], String)] = [
            ("HTTP", ["--http", Self.hostPort(cluster.http), "--agents", "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*"],
             "cannot listen for HTTP on \(Self.hostPort(cluster.http))"),
            ("agents", ["--http", "127.0.0.1:0", "--agents", cluster.agentsEndpoint, "--events", "tcp://127.0.0.1:*"],
             "cannot listen for agents on \(cluster.agentsEndpoint)"),
            ("events", ["--http", "127.0.0.1:0", "--agents", "tcp://127.0.0.1:*", "--events", cluster.eventsEndpoint],
             "cannot listen for the event stream on \(cluster.eventsEndpoint)"),
        ]
        for (what, addresses, message) in cases {
            let run = try await runDesk(["coordinator", "--data", directory + "/" + what] + addresses)
            #expect(run.status == 1, "\(what): \(run.output)")
            #expect(run.output.contains { $0.contains(message) && $0.contains("in use") }, "\(what): \(run.output)")
        }
    }

    @Test func aSecondClusterUpSaysAClusterIsRunningAndWhere() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let file = cluster.directory + "/cluster.yaml"
        try """
            coordinator:
              data: \(cluster.directory)
              http: \(Self.hostPort(cluster.http))
              agents: \(cluster.agentsEndpoint)
              events: \(cluster.eventsEndpoint)
            agents:
              - { name: sim-1, skills: [billing], mode: sim }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let second = try await runDesk(["cluster", "up", file])
        #expect(second.status == 1)
        #expect(second.output.contains { $0.contains("a Desk cluster is already running on data directory \(cluster.directory)")
                                         && $0.contains("API \(cluster.http)") }, "\(second.output)")
    }

    @Test func aClusterWhoseCoordinatorCannotStartStopsInsteadOfRestartingForever() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-broken-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "heartbeat_ms: 5\n".write(toFile: directory + "/desk.yaml", atomically: true, encoding: .utf8)  // refused at start
        try """
            coordinator:
              data: \(directory)/data
              http: 127.0.0.1:0
              agents: tcp://127.0.0.1:*
              events: tcp://127.0.0.1:*
              config: \(directory)/desk.yaml
            agents: []
            """.write(toFile: directory + "/cluster.yaml", atomically: true, encoding: .utf8)
        let run = try await runDesk(["cluster", "up", directory + "/cluster.yaml"])
        #expect(run.status == 1)
        #expect(run.output.contains { $0.contains("heartbeat_ms must be 10 to 60000") }, "\(run.output)")
        #expect(run.output.contains { $0.contains("the coordinator stopped before it was up (status 1)") }, "\(run.output)")
        #expect(!run.output.contains { $0.contains("restarting in") }, "\(run.output)")
    }
}
