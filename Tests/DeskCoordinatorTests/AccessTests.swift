@testable import DeskCoordinator
import DeskModel
import DeskStore
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Who sees what, through the real router and store: customers' isolation, agents' queues, the
/// credential throttle, and the audit log without secrets.
@Suite("access") struct AccessTests {
    typealias API = HTTPAPIInProcessTests

    static func create(_ client: some TestClientProtocol, _ headers: HTTPFields, requester: String, category: String? = nil,
                       tier: Int? = nil) async throws -> Int {
        var fields = #"{"subject":"about \#(requester)","body":"details of \#(requester)","requester":"\#(requester)""#
        if let category { fields += #","category":"\#(category)""# }
        fields += "}"
        return try await client.execute(uri: "/api/v1/tickets", method: .post, headers: headers, body: ByteBuffer(string: fields)) { response in
            #expect(response.status == .created, "\(String(buffer: response.body))")
            return API.json(response.body)["id"] as? Int ?? 0
        }
    }

    @Test("a customer cannot read, list, reply to or learn the existence of another customer's ticket")
    func customersAreIsolated() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ann = API.bearer(try await API.issueToken(directory, account: "ann", role: .customer, email: "Ann@Example.com"))
        let bob = API.bearer(try await API.issueToken(directory, account: "bob", role: .customer, email: "bob@example.com"))
        try await app.test(.router) { client in
            let bobs = try await Self.create(client, admin, requester: "bob@example.com")
            // Ann creates as herself; naming someone else as the requester is refused, and creates nothing.
            let anns = try await Self.create(client, ann, requester: "ann@example.com")
            try await client.execute(uri: "/api/v1/tickets", method: .post, headers: ann,
                                     body: ByteBuffer(string: #"{"subject":"s","body":"b","requester":"bob@example.com"}"#)) { response in
                #expect(response.status == .forbidden && String(buffer: response.body).contains("only as themself"))
            }
            let absent = bobs + anns + 100
            // Every ticket endpoint answers Ann about Bob's ticket exactly as about a ticket that does not exist.
            for (method, suffix, body) in [(HTTPRequest.Method.get, "", nil), (.get, "/conversation", nil),
                                           (.post, "/messages", #"{"body":"mine now"}"#)] as [(HTTPRequest.Method, String, String?)] {
                func answer(_ id: Int) async throws -> (HTTPResponse.Status, String) {
                    try await client.execute(uri: "/api/v1/tickets/\(id)\(suffix)", method: method, headers: ann,
                                             body: body.map { ByteBuffer(string: $0) }) { response in
                        (response.status, String(buffer: response.body).replacingOccurrences(of: "\(id)", with: "N"))
                    }
                }
                let others = try await answer(bobs), missing = try await answer(absent)
                #expect(others.0 == .notFound && others == missing, "\(method) \(suffix): \(others) vs \(missing)")
            }
            // Her list holds her ticket only, whatever she filters by; asking for Bob's is refused without a count.
            try await client.execute(uri: "/api/v1/tickets?limit=500", method: .get, headers: ann) { response in
                let ids = (API.json(response.body)["tickets"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
                #expect(ids == [anns], "\(ids)")
            }
            try await client.execute(uri: "/api/v1/tickets?q=bob", method: .get, headers: ann) { response in
                #expect((API.json(response.body)["tickets"] as? [Any])?.isEmpty == true, "\(String(buffer: response.body))")
            }
            try await client.execute(uri: "/api/v1/tickets?requester=bob@example.com", method: .get, headers: ann) { response in
                #expect(response.status == .forbidden && !String(buffer: response.body).contains("\(bobs)"))
            }
            // Her own ticket: readable, without its history (internal notes live there).
            try await client.execute(uri: "/api/v1/tickets/\(anns)", method: .get, headers: ann) { response in
                let json = API.json(response.body)
                #expect(response.status == .ok && json["id"] as? Int == anns && json["history"] == nil, "\(json)")
            }
            // Bob's message did not land on Bob's ticket through Ann; Bob's own does.
            try await client.execute(uri: "/api/v1/tickets/\(bobs)/conversation", method: .get, headers: bob) { response in
                #expect(response.status == .ok && !String(buffer: response.body).contains("mine now"), "\(String(buffer: response.body))")
            }
        }
    }

    @Test("an agent reads the tickets of their queues and leases, not the others")
    func agentsSeeTheirQueues() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try TicketStore(directory: directory)
        let ben = API.bearer(try await store.issueToken(account: "ben", role: .agent, skills: ["billing"], tier: 1).token)
        await store.close()
        try await app.test(.router) { client in
            let billing = try await Self.create(client, admin, requester: "c1@example.com", category: "billing")
            let network = try await Self.create(client, admin, requester: "c2@example.com", category: "network")
            try await client.execute(uri: "/api/v1/tickets/\(billing)", method: .get, headers: ben) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/tickets/\(network)", method: .get, headers: ben) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/tickets?limit=500", method: .get, headers: ben) { response in
                let ids = (API.json(response.body)["tickets"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
                #expect(ids == [billing], "\(ids)")
            }
            // Leads see both.
            try await client.execute(uri: "/api/v1/tickets?limit=500", method: .get, headers: admin) { response in
                #expect((API.json(response.body)["tickets"] as? [Any])?.count == 2)
            }
        }
    }

    @Test("bad credentials are throttled per address: 30 a minute, then 429 even for a good token")
    func credentialGuessingIsThrottled() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            var unauthorized = 0
            for attempt in 0..<40 {
                let guess = "desk_\(String(format: "%08x", attempt))_" + String(repeating: "A", count: 43)
                try await client.execute(uri: "/api/v1/me", method: .get, headers: API.bearer(guess)) { response in
                    if response.status == .unauthorized { unauthorized += 1 } else {
                        #expect(response.status == .tooManyRequests && response.headers[.retryAfter] != nil, "\(response.status)")
                    }
                }
            }
            #expect(unauthorized == 30, "guesses answered before the throttle: \(unauthorized)")
            try await client.execute(uri: "/api/v1/me", method: .get, headers: admin) { #expect($0.status == .tooManyRequests) }
            // Anonymous intake is not a credential failure and goes on.
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test("tokens and people made through the API are audited with the actor, and no secret is stored or audited")
    func auditedWithoutSecrets() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let secret = try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/users", method: .post, headers: admin,
                                     body: ByteBuffer(string: #"{"name":"cara","role":"lead","email":"cara@example.com","password":"correct horse battery"}"#)) {
                #expect($0.status == .created, "\(String(buffer: $0.body))")
            }
            let secret = try await client.execute(uri: "/api/v1/tokens", method: .post, headers: admin,
                                                  body: ByteBuffer(string: #"{"user":"cara","name":"laptop"}"#)) { response in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                return API.json(response.body)["token"] as? String ?? ""
            }
            #expect(secret.hasPrefix("desk_"))
            try await client.execute(uri: "/api/v1/me", method: .get, headers: API.bearer(secret)) { response in
                #expect(API.json(response.body)["name"] as? String == "cara" && API.json(response.body)["role"] as? String == "lead")
            }
            let prefix = String(secret.prefix(13))
            try await client.execute(uri: "/api/v1/tokens/\(prefix)", method: .delete, headers: admin) { #expect($0.status == .noContent) }
            // Revoked through the API: refused at once, not after the cache's seconds.
            try await client.execute(uri: "/api/v1/me", method: .get, headers: API.bearer(secret)) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/v1/audit", method: .get, headers: admin) { response in
                let entries = API.json(response.body)["entries"] as? [[String: Any]] ?? []
                let actions = entries.compactMap { $0["action"] as? String }
                for action in ["user.create", "token.create", "token.revoke"] { #expect(actions.contains(action), "\(actions)") }
                let made = entries.filter { ($0["target"] as? String ?? "").contains("cara") || ($0["target"] as? String ?? "").contains(prefix) }
                #expect(made.count == 3 && made.allSatisfy { ($0["actor"] as? String ?? "").contains("token desk_") }, "\(made)")
                #expect(!String(buffer: response.body).contains(secret) && !String(buffer: response.body).contains("correct horse"))
            }
            return secret
        }
        // Neither the token nor the password is anywhere in the store file in the clear.
        let dump = try await DatabaseQueue(path: directory + "/desk.sqlite").read { db in
            try String.fetchAll(db, sql: """
                SELECT hash FROM api_tokens UNION ALL SELECT COALESCE(password_hash, '') FROM users
                UNION ALL SELECT COALESCE(before, '') || COALESCE(after, '') FROM audit_log
                """).joined(separator: "\n")
        }
        #expect(!dump.contains(secret.suffix(43)) && !dump.contains("correct horse"))
        #expect(dump.contains("$2b$04$") || dump.contains("$2y$04$"), "passwords are bcrypt, at the configured cost (4 in tests)")
        #expect(SignInPolicy.standard.passwordCost == 12, "production's cost")
    }
}
