import Foundation
import GRDB
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("HTTP API of a real coordinator", .serialized)
struct HTTPAPITests {
    func request(_ cluster: TestCluster, _ method: String, _ path: String, body: Data? = nil) async throws -> (Int, [String: Any], String) {
        var request = URLRequest(url: try #require(URL(string: cluster.http + path)))
        request.httpMethod = method
        request.httpBody = body
        request.setValue("Bearer " + cluster.adminToken, forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json, String(decoding: data, as: UTF8.self))
    }

    @Test("bad requests get 400 naming the field, oversized ones 413, and nothing is stored for them")
    func badRequests() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let cases: [(String, Int, String?)] = [
            ("not json", 400, nil),
            (#"{"subject": 5, "body": "b", "requester": "a@b.co"}"#, 400, "subject"),
            (#"{"body": "b", "requester": "a@b.co"}"#, 400, "subject"),
            (#"{"subject": "s", "requester": "a@b.co"}"#, 400, "body"),
            (#"{"subject": "s", "body": "b", "requester": "a@b.co", "priority": "P7"}"#, 400, "priority"),
            ("{\"subject\": \"\(String(repeating: "x", count: 300))\", \"body\": \"b\", \"requester\": \"a@b.co\"}", 400, "subject"),
        ]
        for (body, status, field) in cases {
            let (code, json, _) = try await request(cluster, "POST", "/api/v1/tickets", body: Data(body.utf8))
            #expect(code == status, "\(body.prefix(40))")
            #expect(json["field"] as? String == field)
            #expect((json["error"] as? String)?.isEmpty == false)
        }
        let huge = Data(("{\"subject\":\"s\",\"body\":\"" + String(repeating: "b", count: 2 << 20) + "\",\"requester\":\"a@b.co\"}").utf8)
        let (code, json, _) = try await request(cluster, "POST", "/api/v1/tickets", body: huge)
        #expect(code == 413)
        #expect((json["error"] as? String)?.contains("over") == true)
        #expect(try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tickets") } == 0)
        let (health, _, _) = try await request(cluster, "GET", "/healthz")
        #expect(health == 200)
    }

    @Test("idempotency keys return the same ticket; show, list with filters and cursor pages; metrics")
    func queries() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let first = await cluster.create(["subject": "s", "body": "b", "requester": "a@b.co", "idempotency_key": "k1", "priority": "P1"])
        let again = await cluster.create(["subject": "other", "body": "b", "requester": "a@b.co", "idempotency_key": "k1"])
        #expect(first.status == 201)
        #expect(again.status == 200)
        #expect(again.json["id"] as? Int == first.json["id"] as? Int)
        #expect(again.json["subject"] as? String == "s")
        // Ids rise but need not be contiguous: the refused duplicate used one up.
        var p4: [Int] = []
        for n in 0..<5 {
            let created = await cluster.create(["subject": "t\(n)", "body": "b", "requester": "a@b.co", "priority": "P4"])
            p4.append(try #require(created.json["id"] as? Int))
        }
        #expect(p4 == p4.sorted() && Set(p4).count == 5)

        let (showCode, shown, _) = try await request(cluster, "GET", "/api/v1/tickets/1")
        #expect(showCode == 200)
        #expect((shown["history"] as? [[String: Any]])?.first?["kind"] as? String == "created")
        #expect(try await request(cluster, "GET", "/api/v1/tickets/999").0 == 404)
        #expect(try await request(cluster, "GET", "/api/v1/tickets/abc").0 == 400)

        let (_, page1, _) = try await request(cluster, "GET", "/api/v1/tickets?priority=P4&limit=3")
        let ids1 = (page1["tickets"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        #expect(ids1 == Array(p4[0..<3]))
        let cursor = try #require(page1["next_cursor"] as? Int)
        let (_, page2, _) = try await request(cluster, "GET", "/api/v1/tickets?priority=P4&limit=3&cursor=\(cursor)")
        #expect((page2["tickets"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int } == Array(p4[3...]))
        #expect(page2["next_cursor"] is NSNull)
        #expect(try await request(cluster, "GET", "/api/v1/tickets?status=lost").0 == 400)
        #expect(try await request(cluster, "GET", "/api/v1/tickets?limit=0").0 == 400)

        let (_, _, metrics) = try await request(cluster, "GET", "/metrics")
        #expect(metrics.contains("desk_tickets_created_total 6"))
        #expect(metrics.contains("desk_queue_depth 6"), "no agents: all six queued")
    }

    @Test("batch intake: each item judged alone, the valid ones committed and worked, results in order")
    func batch() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let items = [
            #"{"subject": "one", "body": "b", "requester": "a@b.co", "category": "billing", "idempotency_key": "dup"}"#,
            #"{"body": "b", "requester": "a@b.co"}"#,
            #"{"subject": "three", "body": "b", "requester": "a@b.co", "priority": 5}"#,
            #"{"subject": "four", "body": "b", "requester": "a@b.co", "idempotency_key": "dup"}"#,
            #"{"subject": "five", "body": "b", "requester": "a@b.co", "priority": "P1"}"#,
        ]
        let (code, json, text) = try await request(cluster, "POST", "/api/v1/tickets/batch",
                                                    body: Data(("{\"tickets\":[" + items.joined(separator: ",") + "]}").utf8))
        #expect(code == 200, "\(text)")
        #expect(json["created"] as? Int == 2)
        #expect(json["rejected"] as? Int == 2)
        let results = try #require(json["results"] as? [[String: Any]])
        #expect(results.compactMap { $0["index"] as? Int } == [0, 1, 2, 3, 4])
        #expect(results.compactMap { $0["status"] as? Int } == [201, 400, 400, 200, 201])
        #expect(results[1]["field"] as? String == "subject")
        #expect(results[2]["field"] as? String == "priority")
        #expect(results[3]["id"] as? Int == results[0]["id"] as? Int, "the repeated key names the first ticket")
        #expect(try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tickets") } == 2)

        // The committed ones are real tickets: an agent works them to the end.
        try cluster.startAgent("batcher", skills: ["billing"])
        try await eventually(10, "both batch tickets resolved") { try cluster.resolvedCount() == 2 }

        let many = "{\"tickets\":[" + Array(repeating: items[4], count: 1001).joined(separator: ",") + "]}"
        #expect(try await request(cluster, "POST", "/api/v1/tickets/batch", body: Data(many.utf8)).0 == 413)
        let (notJSON, refusal, _) = try await request(cluster, "POST", "/api/v1/tickets/batch", body: Data("[1,2]".utf8))
        #expect(notJSON == 400)
        #expect((refusal["error"] as? String)?.contains("JSON object") == true)
        let (noList, _, _) = try await request(cluster, "POST", "/api/v1/tickets/batch", body: Data(#"{"tickets": 3}"#.utf8))
        #expect(noList == 400)
        #expect(try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tickets") } == 2)
    }
}
