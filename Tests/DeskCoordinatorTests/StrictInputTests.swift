import DeskCoordinator
import DeskModel
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 13, items 2, 8, 9 and 10, through the real router, loop and store in process.
@Suite("Strict input in process")
struct StrictInputTests {
    typealias API = HTTPAPIInProcessTests
    static let ticket = #""subject": "Printer", "body": "jammed", "requester": "a@b.co""#

    @Test("an unknown field is refused with 400 naming it, at any depth, on every body the API takes")
    func unknownFieldsAreRefused() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cases: [(method: HTTPRequest.Method, uri: String, body: String, field: String)] = [
            (.post, "/api/v1/tickets", "{\(Self.ticket), \"prio\": \"P1\"}", "prio"),
            (.post, "/api/v1/macros", #"{"name": "m", "reply": "Hi", "actions": {"resolv": true}}"#, "actions.resolv"),
            (.put, "/api/v1/sla/policies", #"{"polices": []}"#, "polices"),
            (.put, "/api/v1/sla/policies", #"{"policies": [{"name": "x", "first_response": "1h", "when": {"prio": "P1"}}]}"#,
             "policies.0.when.prio"),
            (.put, "/api/v1/sla/policies", #"{"policies": [{"name": "x", "first_response": "1h", "on_breach": [{"escalate": 2, "x": 1}]}]}"#,
             "policies.0.on_breach.0.x"),
            (.post, "/api/v1/tickets/1/messages", #"{"body": "thanks", "from": "me"}"#, "from"),
        ]
        try await app.test(.router) { client in
            for item in cases {
                try await client.execute(uri: item.uri, method: item.method, headers: admin, body: ByteBuffer(string: item.body)) { response in
                    #expect(response.status == .badRequest, "\(item.body)")
                    let json = API.json(response.body)
                    #expect(json["field"] as? String == item.field, "\(item.body)")
                    #expect(json["error"] as? String == "unknown field '\(item.field)'", "\(item.body)")
                }
            }
            // The refused policies changed nothing: the defaults are still in force.
            try await client.execute(uri: "/api/v1/sla/policies", method: .get, headers: admin) { response in
                let names = (API.json(response.body)["policies"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
                #expect(names == ["default-P1", "default-P2", "default-P3", "default-P4"])
            }
            try await client.execute(uri: "/api/v1/tickets", method: .get, headers: admin) { response in
                #expect((API.json(response.body)["tickets"] as? [Any])?.isEmpty == true, "the ticket with 'prio' was not created")
            }
        }
    }

    @Test("in a batch, an item with an unknown field is refused alone; the others are created")
    func batchItemWithUnknownField() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let body = "{\"tickets\":[{\(Self.ticket)},{\(Self.ticket),\"prio\":\"P1\"},{\(Self.ticket)}]}"
            try await client.execute(uri: "/api/v1/tickets/batch", method: .post, headers: admin, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let json = API.json(response.body)
                #expect(json["created"] as? Int == 2)
                let results = json["results"] as? [[String: Any]] ?? []
                #expect(results.map { $0["status"] as? Int } == [201, 400, 201])
                #expect(results[1]["field"] as? String == "prio")
            }
            let bad = "{\"tickets\":[{\(Self.ticket)}],\"mode\":\"fast\"}"
            try await client.execute(uri: "/api/v1/tickets/batch", method: .post, headers: admin, body: ByteBuffer(string: bad)) { response in
                #expect(response.status == .badRequest)
                #expect(API.json(response.body)["field"] as? String == "mode")
            }
        }
    }

    @Test("unknown query parameters on lists are refused with 400 naming them")
    func unknownQueryParameters() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            for uri in ["/api/v1/tickets?search=password", "/api/v1/outbox?pending=true&recipient=x"] {
                try await client.execute(uri: uri, method: .get, headers: admin) { response in
                    #expect(response.status == .badRequest, "\(uri) \(String(buffer: response.body))")
                    #expect((API.json(response.body)["error"] as? String)?.hasPrefix("unknown query parameter") == true)
                }
            }
            try await client.execute(uri: "/api/v1/tickets?status=resolved&limit=5", method: .get, headers: admin) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("a replayed idempotency key does not use up a ticket id: the next ticket gets the next number")
    func replayDoesNotConsumeAnID() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            func create(_ key: String?) async throws -> (HTTPResponse.Status, Int64) {
                let keyField = key.map { ",\"idempotency_key\":\"\($0)\"" } ?? ""
                return try await client.execute(uri: "/api/v1/tickets", method: .post, headers: admin,
                                                 body: ByteBuffer(string: "{\(Self.ticket)\(keyField)}")) { response in
                    (response.status, (API.json(response.body)["id"] as? NSNumber)?.int64Value ?? 0)
                }
            }
            #expect(try await create("mail-8841") == (.created, 1))
            #expect(try await create("mail-8841") == (.ok, 1))
            #expect(try await create("mail-8841") == (.ok, 1))
            #expect(try await create(nil) == (.created, 2), "the replays left no gap")
            #expect(try await create("mail-9000") == (.created, 3))
            // Duplicates inside one batch: one ticket, and again no gap after it.
            let item = "{\(Self.ticket),\"idempotency_key\":\"batch-1\"}"
            try await client.execute(uri: "/api/v1/tickets/batch", method: .post, headers: admin,
                                     body: ByteBuffer(string: "{\"tickets\":[\(item),\(item)]}")) { response in
                let results = API.json(response.body)["results"] as? [[String: Any]] ?? []
                #expect(results.map { ($0["id"] as? NSNumber)?.int64Value } == [4, 4])
                #expect(results.map { $0["status"] as? Int } == [201, 200])
            }
            #expect(try await create(nil) == (.created, 5))
            // Five tickets wait (no agent is connected), all P3, and each intake was a commit.
            try await client.execute(uri: "/metrics", method: .get, headers: admin) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("desk_queue_depth_by_priority{priority=\"P3\"} 5\n"))
                #expect(text.contains("desk_queue_depth_by_priority{priority=\"P1\"} 0\n"))
                #expect(text.contains("desk_store_commit_latency_seconds_bucket{le=\"+Inf\"}"))
                #expect(text.contains("desk_dispatch_latency_seconds_count 0\n"))
            }
        }
    }

    @Test("what GET /api/v1/sla/policies answers, PUT takes back unchanged, and it describes the same policies")
    func policiesRoundTrip() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let custom = """
            {"calendars":{"office":{"timezone":"Europe/Berlin","hours":{"mon-fri":"09:00-12:00,13:00-17:30"},"holidays":["2026-12-25"]}},
             "policies":[{"name":"vip","when":{"priority":"P1","category":["billing"],"requester_domain":["bigcorp.com"]},
                          "first_response":"15m","next_response":"90s","resolution":"4h","calendar":"office",
                          "pause_in":["waiting_on_customer","pending_confirmation"],"warn_at":[0.5,0.75],
                          "on_breach":["raise_priority",{"escalate":2},"reassign",{"notify":"https://hooks.example.com/desk"}]}]}
            """
        try await app.test(.router) { client in
            for document in [nil, custom] {
                if let document {
                    try await client.execute(uri: "/api/v1/sla/policies", method: .put, headers: admin, body: ByteBuffer(string: document)) { response in
                        #expect(response.status == .ok)
                    }
                }
                let first = try await client.execute(uri: "/api/v1/sla/policies", method: .get, headers: admin) { String(buffer: $0.body) }
                let put = try await client.execute(uri: "/api/v1/sla/policies", method: .put, headers: admin, body: ByteBuffer(string: first)) { response in
                    #expect(response.status == .ok, "\(String(buffer: response.body))")
                    return String(buffer: response.body)
                }
                #expect(put == first, "the same policies are in force after the round trip")
                let again = try await client.execute(uri: "/api/v1/sla/policies", method: .get, headers: admin) { String(buffer: $0.body) }
                #expect(again == first)
            }
            let shown = try await client.execute(uri: "/api/v1/sla/policies", method: .get, headers: admin) { API.json($0.body) }
            let vip = (shown["policies"] as? [[String: Any]])?.first
            #expect(vip?["name"] as? String == "vip")
            #expect(vip?["first_response"] as? String == "15m")
            #expect(vip?["next_response"] as? String == "90s")
            #expect(shown["defaults"] as? Bool == false)
            let office = (shown["calendars"] as? [String: [String: Any]])?["office"]
            #expect((office?["hours"] as? [String: String])?["wed"] == "09:00-12:00,13:00-17:30")
        }
    }

    @Test("unknown paths get 404 and known paths with another method 405 with Allow, both as JSON; HEAD works where GET does")
    func unknownMethodsAndPaths() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/nothing-here", method: .get, headers: admin) { response in
                #expect(response.status == .notFound)
                #expect(API.json(response.body)["error"] as? String == "no such endpoint: GET /api/v1/nothing-here")
            }
            try await client.execute(uri: "/api/v1/tickets", method: .delete, headers: admin) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD, POST")
                #expect((API.json(response.body)["error"] as? String)?.contains("DELETE is not allowed") == true)
            }
            try await client.execute(uri: "/api/v1/tickets/batch", method: .get, headers: admin) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
            }
            try await client.execute(uri: "/api/v1/tickets/7", method: .put, headers: admin) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD, PATCH")
            }
            try await client.execute(uri: "/healthz", method: .head, headers: admin) { response in
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/healthz", method: .get, headers: admin) { response in
                #expect(API.json(response.body)["version"] as? String == DeskVersion.current)
            }
        }
    }
}
