import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `/metrics` is read by Prometheus: it must pass `promtool check metrics` (Debian's `prometheus` package;
/// ops/scripts/install-test-deps.sh installs it), and HTTP requests are counted per route template.
@Suite("Prometheus metrics of a real coordinator", .serialized)
struct HTTPMetricsTests {
    /// Runs `promtool check metrics` on `text`; its exit status and what it printed.
    static func promtoolCheck(_ text: String) throws -> (status: Int32, output: String) {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("desk-metrics-\(UUID().uuidString).txt")
        try text.write(to: work, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: work) }
        let outputFile = work.appendingPathExtension("out")
        guard FileManager.default.createFile(atPath: outputFile.path, contents: nil) else {
            throw E2EError("cannot create \(outputFile.path)")
        }
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["promtool", "check", "metrics"]
        process.standardInput = try FileHandle(forReadingFrom: work)
        let output = try FileHandle(forWritingTo: outputFile)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        try output.close()
        return (process.terminationStatus, (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "")
    }

    @Test("requests are counted and timed per route template, method and status class; promtool accepts /metrics")
    func routeTemplatesInMetrics() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let created = await cluster.create(["subject": "s", "body": "b", "requester": "a@b.co"])
        #expect(created.status == 201)
        let id = try #require(created.json["id"] as? Int)
        #expect(try await cluster.request("GET", "/api/v1/tickets/\(id)").status == 200)
        #expect(try await cluster.request("GET", "/api/v1/tickets/\(id + 1000)").status == 404)
        #expect(try await cluster.request("GET", "/no/such/page").status == 404)

        // A request is recorded once its answer is written: poll until the last one shows.
        var text = ""
        try await eventually(10, "the requests in /metrics") {
            guard let url = URL(string: cluster.http + "/metrics") else { return false }
            text = String(decoding: try await URLSession.shared.data(from: url).0, as: UTF8.self)
            return text.contains(#"desk_http_requests_total{method="GET",route="unmatched",status="4xx"} 1"#)
        }
        #expect(text.contains(#"desk_http_requests_total{method="POST",route="/api/v1/tickets",status="2xx"} 1"#))
        #expect(text.contains(#"desk_http_requests_total{method="GET",route="/api/v1/tickets/{id}",status="2xx"} 1"#))
        #expect(text.contains(#"desk_http_requests_total{method="GET",route="/api/v1/tickets/{id}",status="4xx"} 1"#))
        #expect(text.contains(#"desk_http_request_duration_seconds_bucket{method="GET",route="/api/v1/tickets/{id}",status="2xx",le="+Inf"} 1"#))
        #expect(text.contains(#"desk_http_request_duration_seconds_count{method="POST",route="/api/v1/tickets",status="2xx"} 1"#))
        #expect(!text.contains("/api/v1/tickets/\(id)\""), "no raw path as a label")
        #expect(!text.contains("/no/such/page"), "no raw path as a label")

        let check = try Self.promtoolCheck(text)
        #expect(check.status == 0, "promtool check metrics: \(check.output)")
    }
}
