import Foundation
import GRDB
import Testing

/// Inputs that once stopped the coordinator (issue 13, item 0): each is refused with a `400` naming the
/// field, and the coordinator goes on serving, across a restart too.
@Suite("Inputs that once killed the coordinator", .serialized)
struct HostileInputTests {
    @Test("an idempotency key with NUL, posted twice, is refused both times and the coordinator stays up")
    func nulIdempotencyKey() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let body = Data(#"{"subject":"s","body":"b","requester":"a@b.co","idempotency_key":"k\u0000tail"}"#.utf8)
        for _ in 0..<2 {
            let (status, json) = try await cluster.request("POST", "/api/v1/tickets", body: body)
            #expect(status == 400)
            #expect(json["field"] as? String == "idempotency_key")
            #expect((json["error"] as? String)?.contains("NUL") == true)
        }
        let batch = Data(#"{"tickets":[{"subject":"s","body":"b\u0000","requester":"a@b.co"},{"subject":"ok","body":"b","requester":"a@b.co"}]}"#.utf8)
        let (batchStatus, batchJSON) = try await cluster.request("POST", "/api/v1/tickets/batch", body: batch)
        #expect(batchStatus == 200)
        let results = batchJSON["results"] as? [[String: Any]] ?? []
        #expect(results.compactMap { $0["status"] as? Int } == [400, 201])
        #expect(results.first?["field"] as? String == "body")
        let (_, ticket) = await cluster.create(["subject": "after", "body": "b", "requester": "a@b.co", "idempotency_key": "k"])
        let id = try #require(ticket["id"] as? Int)
        #expect(try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tickets") } == 2)
        #expect(try await cluster.request("GET", "/api/v1/tickets/\(id)").status == 200)
    }

    @Test("SLA targets beyond a year (1e300s, 9223372036800000s) are refused when stored, never used",
          arguments: ["1e300s", "9223372036800000s", "8785h", "infs"])
    func hugeSLATargets(target: String) async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        for field in ["first_response", "next_response", "resolution"] {
            let document = #"{"policies":[{"name":"huge","\#(field)":"\#(target)"}]}"#
            let (status, json) = try await cluster.request("PUT", "/api/v1/sla/policies", body: Data(document.utf8))
            #expect(status == 400, "\(field) \(target)")
            #expect((json["error"] as? String)?.contains("\(field) '\(target)'") == true, "\(json)")
        }
        let (status, ticket) = await cluster.create(["subject": "after", "body": "b", "requester": "a@b.co", "priority": "P1"])
        #expect(status == 201)
        #expect((ticket["sla"] as? [String: Any])?["policy"] as? String == "default-P1", "the defaults are still in force")
        try await cluster.restartCoordinatorAfterKill9()
        #expect(await cluster.create(["subject": "after restart", "body": "b", "requester": "a@b.co"]).status == 201)
    }

    @Test("the largest allowed target (366 days) on a sparse calendar is stored and used without overflow")
    func largestTarget() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let document = #"""
            {"calendars":{"sparse":{"timezone":"UTC","hours":{"mon":"09:00-09:15"}}},
             "policies":[{"name":"year","first_response":"8784h","next_response":"8784h","resolution":"8784h","calendar":"sparse"},
                         {"name":"year-24x7","when":{"priority":"P1"},"first_response":"8784h","resolution":"8784h"}]}
            """#
        let (status, json) = try await cluster.request("PUT", "/api/v1/sla/policies", body: Data(document.utf8))
        #expect(status == 200, "\(json)")
        #expect(await cluster.create(["subject": "sparse", "body": "b", "requester": "a@b.co"]).status == 201)
        #expect(await cluster.create(["subject": "year", "body": "b", "requester": "a@b.co", "priority": "P1"]).status == 201)
        try await cluster.restartCoordinatorAfterKill9()
        #expect(await cluster.create(["subject": "after restart", "body": "b", "requester": "a@b.co"]).status == 201)
    }
}
