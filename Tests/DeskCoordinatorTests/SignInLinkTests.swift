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

/// Customers' one-time sign-in links, and that no secret of any sign-in is kept in the clear.
@Suite("sign-in links") struct SignInLinkTests {
    typealias API = HTTPAPIInProcessTests
    typealias SignIn = SignInTests

    static func requestLink(_ client: some TestClientProtocol, _ email: String) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: "/auth/link", method: .post, body: ByteBuffer(string: "{\"email\":\(JSONText.string(email))}")) {
            ($0.status, String(buffer: $0.body))
        }
    }

    /// The outbox's messages (all of them, delivered or not).
    static func outbox(_ client: some TestClientProtocol, _ admin: HTTPFields) async throws -> [[String: Any]] {
        try await client.execute(uri: "/api/v1/outbox?pending=false", method: .get, headers: admin) { response in
            #expect(response.status == .ok)
            return API.json(response.body)["messages"] as? [[String: Any]] ?? []
        }
    }

    /// The secret of the link in a sign-in mail's body.
    static func linkSecret(_ body: String) -> String? {
        guard let range = body.range(of: "/auth/link/") else { return nil }
        let secret = body[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return secret.count == 43 ? String(secret) : nil
    }

    @Test("a link is mailed only for a known address, answered alike for an unknown one; GET shows a page, POST uses it once")
    func oneTimeLinks() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            // Ann has a ticket but no account yet; nobody@ has neither.
            _ = try await AccessTests.create(client, admin, requester: "ann@example.com")
            let known = try await Self.requestLink(client, "Ann@Example.com")
            let unknown = try await Self.requestLink(client, "nobody@example.com")
            #expect(known.0 == .accepted && known == unknown, "\(known) vs \(unknown)")

            let mails = try await Self.outbox(client, admin).filter { $0["kind"] as? String == "sign_in_link" }
            #expect(mails.count == 1, "\(mails)")
            let mail = try #require(mails.first)
            #expect(mail["to"] as? String == "ann@example.com" && mail["ticket_id"] is NSNull, "\(mail)")
            let body = mail["body"] as? String ?? ""
            #expect(body.contains("http://127.0.0.1:0/auth/link/"), "the link begins with the coordinator's address: \(body)")
            let secret = try #require(Self.linkSecret(body), "\(body)")
            // The replies of tickets are still there, with their kind and ticket.
            #expect(try await Self.outbox(client, admin).allSatisfy { $0["kind"] as? String == "sign_in_link" || $0["ticket_id"] is Int })

            // The account was made for the address, audited as made by the sign-in link, without the secret.
            try await client.execute(uri: "/api/v1/audit", method: .get, headers: admin) { response in
                let entries = API.json(response.body)["entries"] as? [[String: Any]] ?? []
                #expect(entries.contains { $0["actor"] as? String == "sign-in link" && $0["action"] as? String == "user.create"
                        && $0["target"] as? String == "user ann@example.com" }, "\(entries)")
                #expect(!String(buffer: response.body).contains(secret))
            }

            // GET never uses the link (mail scanners open links): a page with a button, twice.
            for _ in 0..<2 {
                try await client.execute(uri: "/auth/link/\(secret)", method: .get) { response in
                    let html = String(buffer: response.body)
                    #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("text/html") == true)
                    #expect(html.contains("<form method=\"post\">") && !html.contains("<script") && !html.contains("src=")
                            && !html.contains("href=") && !html.contains(secret), "\(html)")
                    #expect(response.headers[.setCookie] == nil)
                }
            }
            // POST uses it: a session for Ann, her address now verified.
            let used = try await client.execute(uri: "/auth/link/\(secret)", method: .post) { SignIn.answer($0) }
            #expect(used.status == .ok && used.json["role"] as? String == "customer", "\(used.text)")
            let cookie = try #require(used.secret)
            let me = try await SignIn.me(client, SignIn.cookie(cookie))
            #expect(me.json["name"] as? String == "ann@example.com" && me.json["email"] as? String == "ann@example.com", "\(me.text)")
            try await client.execute(uri: "/api/v1/users/ann@example.com", method: .get, headers: admin) { response in
                #expect(API.json(response.body)["email_verified"] as? Bool == true, "\(String(buffer: response.body))")
            }
            try await client.execute(uri: "/api/v1/tickets", method: .get, headers: SignIn.cookie(cookie)) { response in
                #expect((API.json(response.body)["tickets"] as? [Any])?.count == 1, "her ticket: \(String(buffer: response.body))")
            }
            // Once only.
            for method in [HTTPRequest.Method.post, .get] {
                try await client.execute(uri: "/auth/link/\(secret)", method: method) { response in
                    #expect(response.status == .gone && String(buffer: response.body).contains("already used"), "\(String(buffer: response.body))")
                    #expect(response.headers[.setCookie] == nil)
                }
            }
            // The used link is gone from the queued mail too.
            #expect(try await Self.outbox(client, admin).allSatisfy { !($0["body"] as? String ?? "").contains(secret) })

            // The page's button is a form post: a redirect home with the cookie.
            let second = try await Self.requestLink(client, "ann@example.com")
            #expect(second == known)
            let bodies = try await Self.outbox(client, admin).compactMap { $0["body"] as? String }
            let next = try #require(bodies.compactMap(Self.linkSecret).last)
            #expect(next != secret)
            try await client.execute(uri: "/auth/link/\(next)", method: .post, headers: SignIn.form) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/", "\(response.status)")
                #expect(response.headers[.setCookie]?.hasPrefix("desk_session=") == true)
            }
            try await client.execute(uri: "/auth/link/\(next)", method: .post, headers: SignIn.form) { response in
                #expect(response.status == .gone && response.headers[.contentType]?.hasPrefix("text/html") == true)
            }
            // Unknown links, and links of a shape Desk never makes.
            for bad in [String(repeating: "A", count: 43), "short"] {
                try await client.execute(uri: "/auth/link/\(bad)", method: .post) { response in
                    #expect(response.status == .gone && String(buffer: response.body).contains("not valid"), "\(String(buffer: response.body))")
                }
            }
        }
    }

    @Test("with secureCookies the cookie is Secure; links begin with the configured public address")
    func configuredCookieAndLinkBase() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-inproc-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let admin = API.bearer(try await API.issueToken(directory, account: "test-admin", role: .admin))
        var configuration = CoordinatorConfiguration(dataDirectory: directory, agentEndpoint: "tcp://127.0.0.1:*",
                                                     eventEndpoint: "tcp://127.0.0.1:*", httpPort: 0, heartbeatIntervalMs: 200)
        configuration.secureCookies = true
        configuration.publicURL = "https://desk.example.com/"
        var logger = Logger(label: "desk-test")
        logger.logLevel = .warning
        let app = try await Coordinator.buildApplication(configuration, logger: logger)
        try await app.test(.router) { client in
            try await SignIn.createPerson(client, admin, name: "sam", role: .customer, password: "sam's long password")
            let session = try await SignIn.signIn(client, name: "sam", password: "sam's long password")
            #expect(session.status == .ok && session.setCookie?.hasSuffix("; Secure") == true, "\(session.setCookie ?? "-")")
            _ = try await Self.requestLink(client, "sam@example.com")
            let body = try await Self.outbox(client, admin).first?["body"] as? String ?? ""
            #expect(body.contains("https://desk.example.com/auth/link/") && Self.linkSecret(body) != nil, "\(body)")
            try await client.execute(uri: "/auth/sign-out", method: .post, headers: SignIn.cookie(session.secret ?? "", csrf: session.csrf)) {
                #expect($0.status == .noContent && $0.headers[.setCookie]?.hasSuffix("Max-Age=0; Secure") == true)
            }
        }
    }

    @Test("an expired link is refused, on its page and when posted")
    func expiredLinks() async throws {
        let (app, directory, _) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try TicketStore(directory: directory)
        let now = currentMillis()
        let secret = try await store.writer.write { db in
            let user = try db.createUser(name: "eve", email: "eve@example.com", role: .customer, at: now - 3_600_000)
            return try db.createSignInLink(userID: user.id, expiresAt: now - 1, at: now - 15 * 60_000 - 1)
        }
        await store.close()
        try await app.test(.router) { client in
            for method in [HTTPRequest.Method.get, .post] {
                try await client.execute(uri: "/auth/link/\(secret)", method: method) { response in
                    #expect(response.status == .gone && String(buffer: response.body).contains("expired"), "\(String(buffer: response.body))")
                    #expect(response.headers[.setCookie] == nil)
                }
            }
        }
    }

    @Test("link requests are rate-limited per e-mail address whether or not it is known: 3 at once, then 429")
    func linkRequestsAreLimited() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            try await SignIn.createPerson(client, admin, name: "kim", role: .customer, password: "kim's long password")
            for email in ["kim@example.com", "unknown@example.com"] {
                var accepted = 0
                for _ in 0..<4 {
                    let (status, _) = try await Self.requestLink(client, email)
                    if status == .accepted { accepted += 1 } else { #expect(status == .tooManyRequests) }
                }
                #expect(accepted == 3, "\(email): \(accepted)")
            }
            // Staff are not mailed links; customers are, one per accepted request.
            let mails = try await Self.outbox(client, admin).filter { $0["kind"] as? String == "sign_in_link" }
            #expect(mails.count == 3 && mails.allSatisfy { $0["to"] as? String == "kim@example.com" }, "\(mails)")
            try await client.execute(uri: "/auth/link", method: .post, body: ByteBuffer(string: #"{"email":"not an address"}"#)) { response in
                #expect(response.status == .badRequest && API.json(response.body)["field"] as? String == "email")
            }
        }
    }

    @Test("no secret of a sign-in (password, session cookie, used link) is in the audit log or anywhere in the store in the clear")
    func noSecretsKept() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let password = "a very secret passphrase"
        let secrets = try await app.test(.router) { client in
            try await SignIn.createPerson(client, admin, name: "pat", role: .customer, password: password)
            let session = try await SignIn.signIn(client, name: "pat", password: password)
            #expect(session.status == .ok)
            _ = try await Self.requestLink(client, "pat@example.com")
            let link = try #require(try await Self.outbox(client, admin).compactMap { Self.linkSecret($0["body"] as? String ?? "") }.first)
            let used = try await client.execute(uri: "/auth/link/\(link)", method: .post) { SignIn.answer($0) }
            #expect(used.status == .ok)
            try await client.execute(uri: "/api/v1/audit", method: .get, headers: admin) { response in
                let text = String(buffer: response.body)
                for secret in [password, session.secret ?? "?", used.secret ?? "?", link] { #expect(!text.contains(secret)) }
            }
            return [password, try #require(session.secret), try #require(used.secret), link]
        }
        // Every value of every table.
        let dump = try await DatabaseQueue(path: directory + "/desk.sqlite").read { db in
            var values: [String] = []
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"") {
                    values += row.databaseValues.map { $0.description }
                }
            }
            return values.joined(separator: "\n")
        }
        #expect(dump.contains(AccessSecret.hash(secrets[1])), "the session is stored, as its hash")
        for secret in secrets { #expect(!dump.contains(secret), "\(secret.prefix(6))… is in the store") }
    }
}
