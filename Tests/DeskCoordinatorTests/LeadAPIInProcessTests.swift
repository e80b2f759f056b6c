import DeskCoordinator
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A lead's API driven in process (no agents connected): changing tickets, the refusals of assign and
/// reopen, the agents list, and the ticket list's filters, sort and cursors.
@Suite("Lead API in process")
struct LeadAPIInProcessTests {
    typealias API = HTTPAPIInProcessTests

    static func create(_ client: some TestClientProtocol, _ admin: HTTPFields, _ fields: String) async throws -> Int64 {
        try await client.execute(uri: "/api/v1/tickets", method: .post, headers: admin, body: ByteBuffer(string: "{\(fields)}")) { response in
            #expect(response.status == .created)
            return (API.json(response.body)["id"] as? NSNumber)?.int64Value ?? 0
        }
    }

    @Test("PATCH changes priority, tier and tags, routes a new category to its skill, and records from and to")
    func update() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let id = try await Self.create(client, admin, #""subject":"s","body":"b","requester":"a@b.co","category":"billing","tags":["vip"]"#)
            let patch = #"{"priority":"P1","category":"Network","tier":2,"add_tags":["outage"],"remove_tags":["vip"]}"#
            try await client.execute(uri: "/api/v1/tickets/\(id)", method: .patch, headers: admin, body: ByteBuffer(string: patch)) { response in
                #expect(response.status == .ok)
                let ticket = API.json(response.body)
                #expect(ticket["priority"] as? String == "P1")
                #expect(ticket["category"] as? String == "network")
                #expect(ticket["skill"] as? String == "network", "routed again by the new category")
                #expect((ticket["tier"] as? NSNumber)?.intValue == 2)
                #expect(ticket["tags"] as? [String] == ["outage"])
                #expect(ticket["status"] as? String == "pending_assignment")
            }
            try await client.execute(uri: "/api/v1/tickets/\(id)", method: .get, headers: admin) { response in
                let history = API.json(response.body)["history"] as? [[String: Any]] ?? []
                let updated = try #require(history.last { $0["kind"] as? String == "updated" })
                let detail = updated["detail"] as? [String: Any] ?? [:]
                #expect((detail["skill"] as? [String: Any])?["from"] as? String == "billing")
                #expect((detail["skill"] as? [String: Any])?["to"] as? String == "network")
                #expect(((detail["tier"] as? [String: Any])?["to"] as? NSNumber)?.intValue == 2)
                #expect(updated["actor"] as? String == "user:test-admin", "the lead who changed it, by name")
            }
            let refusals: [(String, HTTPResponse.Status, String?)] = [
                (#"{"priority":"P9"}"#, .badRequest, "priority"),
                (#"{"tier":4}"#, .badRequest, "tier"),
                (#"{"add_tags":[""]}"#, .badRequest, "add_tags"),
                (#"{"prio":"P1"}"#, .badRequest, "prio"),
                ("{}", .badRequest, nil),
            ]
            for (body, status, field) in refusals {
                try await client.execute(uri: "/api/v1/tickets/\(id)", method: .patch, headers: admin, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == status, "\(body)")
                    #expect(API.json(response.body)["field"] as? String == field, "\(body)")
                }
            }
            try await client.execute(uri: "/api/v1/tickets/999", method: .patch, headers: admin, body: ByteBuffer(string: #"{"tier":2}"#)) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("assign refuses an unknown ticket (404) and an agent that is not connected (409); reopen refuses an open ticket (409)")
    func refusals() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let id = try await Self.create(client, admin, #""subject":"s","body":"b","requester":"a@b.co""#)
            try await client.execute(uri: "/api/v1/tickets/999/assign", method: .post, headers: admin, body: ByteBuffer(string: #"{"agent":"ana"}"#)) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/tickets/\(id)/assign", method: .post, headers: admin, body: ByteBuffer(string: #"{"agent":"ana"}"#)) { response in
                #expect(response.status == .conflict)
                #expect(API.json(response.body)["field"] as? String == "agent")
            }
            try await client.execute(uri: "/api/v1/tickets/\(id)/reopen", method: .post, headers: admin, body: ByteBuffer(string: #"{"reason":"x"}"#)) { response in
                #expect(response.status == .conflict)
                #expect((API.json(response.body)["error"] as? String)?.contains("only a resolved ticket") == true)
            }
            try await client.execute(uri: "/api/v1/tickets/999/reopen", method: .post, headers: admin, body: ByteBuffer(string: #"{"reason":"x"}"#)) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/tickets/\(id)/reopen", method: .post, headers: admin, body: ByteBuffer(string: #"{"reason":" "}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(API.json(response.body)["field"] as? String == "reason")
            }
            try await client.execute(uri: "/api/v1/agents", method: .get, headers: admin) { response in
                #expect(response.status == .ok)
                #expect((API.json(response.body)["agents"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test("the list filters by requester, category, tier, tag and text, sorts newest first, and its cursors page both orders")
    func search() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            var ids: [Int64] = []
            for n in 0..<5 {
                let requester = n % 2 == 0 ? "even@b.co" : "odd@b.co"
                ids.append(try await Self.create(client, admin, "\"subject\":\"printer \(n)\",\"body\":\"jam 100%_\(n)\",\"requester\":\"\(requester)\","
                                                 + "\"category\":\"\(n < 2 ? "billing" : "network")\",\"tags\":[\"t\(n % 3)\"]"))
            }
            func page(_ query: String) async throws -> (ids: [Int64], next: Int64?) {
                try await client.execute(uri: "/api/v1/tickets?" + query, method: .get, headers: admin) { response in
                    #expect(response.status == .ok, "\(query)")
                    let json = API.json(response.body)
                    return ((json["tickets"] as? [[String: Any]] ?? []).compactMap { ($0["id"] as? NSNumber)?.int64Value },
                            (json["next_cursor"] as? NSNumber)?.int64Value)
                }
            }
            #expect(try await page("requester=even@b.co").ids == [ids[0], ids[2], ids[4]])
            #expect(try await page("category=network&sort=newest").ids == [ids[4], ids[3], ids[2]])
            #expect(try await page("tag=t1").ids == [ids[1], ids[4]])
            #expect(try await page("q=PRINTER%203").ids == [ids[3]], "case-insensitive, in the subject")
            #expect(try await page("q=100%25_2").ids == [ids[2]])
            #expect(try await page("q=r_3").ids.isEmpty, "_ is literal, not any character")
            #expect(try await page("tier=1&tag=t0").ids == [ids[0], ids[3]])
            // Newest first, two at a time, through the cursors; and oldest first with a scan filter.
            let first = try await page("sort=newest&limit=2")
            #expect(first.ids == [ids[4], ids[3]])
            let second = try await page("sort=newest&limit=2&cursor=\(try #require(first.next))")
            #expect(second.ids == [ids[2], ids[1]])
            let last = try await page("sort=newest&limit=2&cursor=\(try #require(second.next))")
            #expect(last.ids == [ids[0]])
            #expect(last.next == nil)
            let scanFirst = try await page("q=printer&limit=3")
            #expect(scanFirst.ids == Array(ids[0..<3]))
            #expect(try await page("q=printer&limit=3&cursor=\(try #require(scanFirst.next))").ids == Array(ids[3...]))
            for bad in ["sort=sideways", "tier=7", "search=x"] {
                try await client.execute(uri: "/api/v1/tickets?" + bad, method: .get, headers: admin) { response in
                    #expect(response.status == .badRequest, "\(bad)")
                }
            }
        }
    }
}
