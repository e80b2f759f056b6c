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

/// Sign-in for people through the real router and store: passwords, session cookies, CSRF, sign-out,
/// expiry, the throttles, and customers' one-time links.
@Suite("sign-in") struct SignInTests {
    typealias API = HTTPAPIInProcessTests

    /// What a sign-in answered: the status, the whole `Set-Cookie`, the cookie's secret and the JSON.
    struct Answer {
        let status: HTTPResponse.Status
        let setCookie: String?
        let json: [String: Any]
        let text: String
        let retryAfter: String?
        let authenticate: String?
        /// The `desk_session` value the answer sets.
        var secret: String? {
            guard let setCookie, setCookie.hasPrefix("desk_session=") else { return nil }
            let value = setCookie.dropFirst("desk_session=".count).prefix { $0 != ";" }
            return value.isEmpty ? nil : String(value)
        }
        var csrf: String { json["csrf"] as? String ?? "" }
    }

    static func answer(_ response: TestResponse) -> Answer {
        Answer(status: response.status, setCookie: response.headers[.setCookie], json: API.json(response.body), text: String(buffer: response.body),
               retryAfter: response.headers[.retryAfter], authenticate: response.headers[.wwwAuthenticate])
    }

    static func signIn(_ client: some TestClientProtocol, name: String, password: String) async throws -> Answer {
        let body = "{\"name\":\(JSONText.string(name)),\"password\":\(JSONText.string(password))}"
        return try await client.execute(uri: "/auth/sign-in", method: .post, body: ByteBuffer(string: body)) { Self.answer($0) }
    }

    static func cookie(_ secret: String, csrf: String? = nil) -> HTTPFields {
        var fields: HTTPFields = [.cookie: "theme=dark; desk_session=\(secret)"]
        if let csrf { fields[.xCSRFToken] = csrf }
        return fields
    }

    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// An account with a password, made by the admin through the API.
    static func createPerson(_ client: some TestClientProtocol, _ admin: HTTPFields, name: String, role: Role, password: String,
                             email: String? = nil) async throws {
        var body = "{\"name\":\"\(name)\",\"role\":\"\(role.rawValue)\",\"password\":\(JSONText.string(password))"
        body += (email.map { ",\"email\":\"\($0)\"" } ?? (role == .customer ? ",\"email\":\"\(name)@example.com\"" : "")) + "}"
        try await client.execute(uri: "/api/v1/users", method: .post, headers: admin, body: ByteBuffer(string: body)) {
            #expect($0.status == .created, "\(String(buffer: $0.body))")
        }
    }

    static func me(_ client: some TestClientProtocol, _ headers: HTTPFields) async throws -> Answer {
        try await client.execute(uri: "/api/v1/me", method: .get, headers: headers) { Self.answer($0) }
    }

    @Test("the right password gives an HttpOnly, SameSite cookie that names the person; wrong password and unknown name answer alike")
    func passwordSignIn() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            try await Self.createPerson(client, admin, name: "cara", role: .lead, password: "correct horse battery", email: "cara@example.com")
            let good = try await Self.signIn(client, name: "cara", password: "correct horse battery")
            #expect(good.status == .ok, "\(good.text)")
            let setCookie = try #require(good.setCookie)
            for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] { #expect(setCookie.contains(attribute), "\(setCookie)") }
            #expect(!setCookie.contains("Secure"), "not without secureCookies")
            #expect(good.json["name"] as? String == "cara" && good.json["role"] as? String == "lead" && good.csrf.count == 43, "\(good.json)")
            let secret = try #require(good.secret)
            #expect(secret.count == 43 && !good.text.contains(secret), "the secret is in the cookie only")
            let who = try await Self.me(client, Self.cookie(secret))
            #expect(who.status == .ok && who.json["name"] as? String == "cara" && who.json["credential"] as? String == "session of cara", "\(who.text)")
            #expect(who.csrf == good.csrf, "a reloaded page reads the CSRF token back")

            // By e-mail address too, case aside; and as a form post.
            let byEmail = try await client.execute(uri: "/auth/sign-in", method: .post,
                                                   body: ByteBuffer(string: #"{"email":"Cara@Example.com","password":"correct horse battery"}"#)) { Self.answer($0) }
            #expect(byEmail.status == .ok && byEmail.secret != nil && byEmail.secret != secret, "\(byEmail.text)")
            let byForm = try await client.execute(uri: "/auth/sign-in", method: .post, headers: Self.form,
                                                  body: ByteBuffer(string: "name=cara&password=correct+horse%20battery")) { Self.answer($0) }
            #expect(byForm.status == .ok && byForm.secret != nil, "\(byForm.text)")
            let unknownField = try await client.execute(uri: "/auth/sign-in", method: .post, headers: Self.form,
                                                        body: ByteBuffer(string: "name=cara&password=x&remember=1")) { Self.answer($0) }
            #expect(unknownField.status == .badRequest && unknownField.json["field"] as? String == "remember", "\(unknownField.text)")
            let unknownJSON = try await client.execute(uri: "/auth/sign-in", method: .post,
                                                       body: ByteBuffer(string: #"{"name":"cara","password":"x","remember":true}"#)) { Self.answer($0) }
            #expect(unknownJSON.status == .badRequest && unknownJSON.json["field"] as? String == "remember", "\(unknownJSON.text)")

            // A sign-in posted from another site's page is refused (login CSRF); from this desk's own, it works.
            for (origin, status) in [("https://evil.example", HTTPResponse.Status.forbidden), ("http://127.0.0.1:0", .ok)] {
                var headers = Self.form
                headers[.origin] = origin
                try await client.execute(uri: "/auth/sign-in", method: .post, headers: headers,
                                         body: ByteBuffer(string: "name=cara&password=correct+horse+battery")) { response in
                    #expect(response.status == status && (status == .ok) == (response.headers[.setCookie] != nil),
                            "\(origin): \(response.status) \(String(buffer: response.body))")
                }
            }

            // Wrong password and unknown name: the same answer, headers and all, and no cookie.
            let wrong = try await Self.signIn(client, name: "cara", password: "wrong horse")
            let unknown = try await Self.signIn(client, name: "carla", password: "wrong horse")
            #expect(wrong.status == .unauthorized && wrong.setCookie == nil, "\(wrong.text)")
            #expect(wrong.status == unknown.status && wrong.text == unknown.text && wrong.setCookie == unknown.setCookie
                    && wrong.authenticate == unknown.authenticate, "\(wrong.text) vs \(unknown.text)")

            // A disabled account cannot sign in, and its sessions stop at once.
            try await client.execute(uri: "/api/v1/users/cara", method: .patch, headers: admin, body: ByteBuffer(string: #"{"disabled":true}"#)) {
                #expect($0.status == .ok)
            }
            let disabled = try await Self.signIn(client, name: "cara", password: "correct horse battery")
            #expect(disabled.status == .unauthorized && disabled.text == wrong.text, "\(disabled.text)")
            let stale = try await Self.me(client, Self.cookie(secret))
            #expect(stale.status == .unauthorized && stale.text.contains("disabled"), "\(stale.text)")
        }
    }

    @Test("a POST made with the cookie but without the CSRF token is refused and changes nothing; with it, it works")
    func csrfIsRequired() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            try await Self.createPerson(client, admin, name: "lena", role: .lead, password: "lena's long password")
            let session = try await Self.signIn(client, name: "lena", password: "lena's long password")
            let secret = try #require(session.secret)
            let ticket = ByteBuffer(string: #"{"subject":"forged","body":"made by another site","requester":"x@example.com"}"#)
            func count() async throws -> Int {
                try await client.execute(uri: "/api/v1/tickets", method: .get, headers: Self.cookie(secret)) { response in
                    #expect(response.status == .ok, "reading needs no CSRF token")
                    return (API.json(response.body)["tickets"] as? [Any])?.count ?? -1
                }
            }
            for headers in [Self.cookie(secret), Self.cookie(secret, csrf: "not-the-token"), Self.cookie(secret, csrf: "")] {
                try await client.execute(uri: "/api/v1/tickets", method: .post, headers: headers, body: ticket) { response in
                    #expect(response.status == .forbidden && String(buffer: response.body).contains("CSRF token missing or wrong"),
                            "\(response.status) \(String(buffer: response.body))")
                }
            }
            #expect(try await count() == 0, "nothing was created")
            try await client.execute(uri: "/api/v1/tickets", method: .post, headers: Self.cookie(secret, csrf: session.csrf), body: ticket) {
                #expect($0.status == .created, "\(String(buffer: $0.body))")
            }
            #expect(try await count() == 1)
            // The session's token does not pass with another session's cookie.
            let other = try await Self.signIn(client, name: "lena", password: "lena's long password")
            try await client.execute(uri: "/api/v1/tickets", method: .post, headers: Self.cookie(try #require(other.secret), csrf: session.csrf),
                                     body: ticket) { #expect($0.status == .forbidden) }
            // A bearer token needs no CSRF token.
            try await client.execute(uri: "/api/v1/tickets", method: .post, headers: admin, body: ticket) { #expect($0.status == .created) }
            #expect(try await count() == 2)
        }
    }

    @Test("after sign-out the same cookie is 401 everywhere, and the answer clears it")
    func signOutEndsTheSession() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            try await Self.createPerson(client, admin, name: "omar", role: .agent, password: "omar's long password")
            let session = try await Self.signIn(client, name: "omar", password: "omar's long password")
            let secret = try #require(session.secret)
            // Without the CSRF token, sign-out is refused like any other change.
            try await client.execute(uri: "/auth/sign-out", method: .post, headers: Self.cookie(secret)) { #expect($0.status == .forbidden) }
            #expect(try await Self.me(client, Self.cookie(secret)).status == .ok)
            // A form post carries the token as a field.
            var headers = Self.cookie(secret)
            headers[.contentType] = "application/x-www-form-urlencoded"
            let out = try await client.execute(uri: "/auth/sign-out", method: .post, headers: headers,
                                               body: ByteBuffer(string: "csrf=\(session.csrf)")) { Self.answer($0) }
            #expect(out.status == .seeOther, "\(out.text)")
            #expect(out.setCookie?.hasPrefix("desk_session=;") == true && out.setCookie?.contains("Max-Age=0") == true, "\(out.setCookie ?? "-")")
            let after = try await Self.me(client, Self.cookie(secret))
            #expect(after.status == .unauthorized && after.text.contains("signed out"), "\(after.text)")
            #expect(after.setCookie?.contains("Max-Age=0") == true, "a refused cookie is cleared")
            for uri in ["/healthz", "/api/v1/tickets"] {
                try await client.execute(uri: uri, method: .get, headers: Self.cookie(secret)) { #expect($0.status == .unauthorized, "\(uri)") }
            }
            // The stale cookie does not stand in the way of signing in again.
            let again = try await client.execute(uri: "/auth/sign-in", method: .post, headers: Self.cookie(secret),
                                                 body: ByteBuffer(string: #"{"name":"omar","password":"omar's long password"}"#)) { Self.answer($0) }
            #expect(again.status == .ok && again.secret != secret)
            // With a bearer token there is no session to end.
            try await client.execute(uri: "/auth/sign-out", method: .post, headers: admin) { response in
                #expect(response.status == .badRequest && String(buffer: response.body).contains("bearer token"))
            }
        }
    }

    @Test("an expired session, by its lifetime or unused too long, is 401; use extends it, written at most once a minute")
    func sessionsExpire() async throws {
        let (app, directory, _) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try TicketStore(directory: directory)
        let now = currentMillis(), hour: Millis = 3_600_000
        let (pastLifetime, idle, recent) = try await store.writer.write { db in
            let user = try db.createUser(name: "ivy", email: nil, role: .agent, at: now - 200 * hour)
            let pastLifetime = try db.createSession(userID: user.id, address: "t", expiresAt: now - 1000, at: now - hour).secret
            let idle = try db.createSession(userID: user.id, address: "t", expiresAt: now + 100 * hour, at: now - 12 * hour - 60_000).secret
            let recent = try db.createSession(userID: user.id, address: "t", expiresAt: now + 100 * hour, at: now - 12 * hour + 60_000).secret
            return (pastLifetime, idle, recent)
        }
        try await app.test(.router) { client in
            let expired = try await Self.me(client, Self.cookie(pastLifetime))
            #expect(expired.status == .unauthorized && expired.text.contains("expired at"), "\(expired.text)")
            let unused = try await Self.me(client, Self.cookie(idle))
            #expect(unused.status == .unauthorized && unused.text.contains("unused"), "\(unused.text)")
            #expect(try await Self.me(client, Self.cookie(recent)).status == .ok, "a minute short of 12 hours unused")
        }
        // Use extends the idle timeout; the use is written at most once a minute.
        let sessions = SessionAccess(store: store, addressFailures: FailureThrottle(limit: 30, windowMillis: 60_000), secureCookies: false)
        let hash = AccessSecret.hash(recent)
        func lastSeen() async throws -> Millis {
            try await store.writer.write { _ in }  // the touch was submitted to the same writer before this
            return try await store.pool.read { db in try Millis.fetchOne(db, sql: "SELECT last_seen_at FROM sessions WHERE hash = ?", arguments: [hash]) ?? 0 }
        }
        let seen = try await lastSeen()
        _ = try await sessions.session(secret: recent, address: "t", now: seen + 2 * hour)
        #expect(try await lastSeen() == seen + 2 * hour)
        _ = try await sessions.session(secret: recent, address: "t", now: seen + 2 * hour + 30_000)
        #expect(try await lastSeen() == seen + 2 * hour, "not again within the minute")
        // 13 hours after `seen`, but 11 after the last use: still on.
        _ = try await sessions.session(secret: recent, address: "t", now: seen + 13 * hour)
        await #expect(throws: APIError.self, "12 hours and a minute after the last use") {
            try await sessions.session(secret: recent, address: "t", now: seen + 25 * hour + 60_000)
        }
        await store.close()
    }

    @Test("password guessing: 5 wrong passwords per account in 15 minutes, then 429 even with the right one; 30 failures a minute per address")
    func passwordGuessingIsThrottled() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            try await Self.createPerson(client, admin, name: "dan", role: .agent, password: "dan's long password")
            var refused = 0
            for _ in 0..<5 {
                let answer = try await Self.signIn(client, name: "dan", password: "guess")
                if answer.status == .unauthorized { refused += 1 }
            }
            #expect(refused == 5, "wrong passwords answered 401 before the account's throttle: \(refused)")
            // Guesses sent all at once get no more: each is counted before its password is checked.
            try await Self.createPerson(client, admin, name: "eli", role: .agent, password: "eli's long password")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<12 { group.addTask { try await Self.signIn(client, name: "eli", password: "guess").status } }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.count { $0 == .unauthorized } == 5 && statuses.count { $0 == .tooManyRequests } == 7, "\(statuses)")
            let sixth = try await Self.signIn(client, name: "dan", password: "dan's long password")
            #expect(sixth.status == .tooManyRequests && sixth.setCookie == nil, "\(sixth.status) \(sixth.text)")
            let wait = Int(sixth.retryAfter ?? "") ?? 0
            #expect((840...900).contains(wait), "until the 15-minute window ends: Retry-After \(wait)")
            // An unknown name is throttled just the same: a 429 tells nothing about the account.
            var unknownRefused = 0
            for _ in 0..<6 {
                let answer = try await Self.signIn(client, name: "danny", password: "guess")
                if answer.status == .unauthorized { unknownRefused += 1 } else { #expect(answer.status == .tooManyRequests) }
            }
            #expect(unknownRefused == 5)
            // Per client address: 30 bad credentials a minute (shared with bearer tokens), then 429 for all.
            var addressRefused = 15  // the wrong passwords above
            for attempt in 0..<20 {
                let answer = try await Self.signIn(client, name: "nobody-\(attempt)", password: "guess")
                if answer.status == .unauthorized { addressRefused += 1 } else { #expect(answer.status == .tooManyRequests) }
            }
            #expect(addressRefused == 30, "failures answered before the address throttle: \(addressRefused)")
            try await client.execute(uri: "/api/v1/me", method: .get, headers: admin) { #expect($0.status == .tooManyRequests) }
        }
    }
}
