import DeskModel
import DeskStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import Synchronization

/// Sign-in for people: a password for any account that has one, a one-time link by e-mail for customers,
/// and sign-out. Each sign-in starts a session: a `desk_session` cookie (the session's secret, stored only
/// as its hash) and a CSRF token that state-changing requests made with the cookie must send. See
/// docs/SECURITY.md, "Sign-in".
extension HTTPAPI {
    func addSignInRoutes(to router: Router<DeskRequestContext>, _ routes: RouteTable) {
        router.on(routes, .post, "/auth/sign-in", .anyone) { request, context in try await signIn(request, context) }
        router.on(routes, .post, "/auth/sign-out", .signedIn) { request, context in try await signOut(request, context) }
        router.on(routes, .post, "/auth/link", .anyone) { request, context in try await requestLink(request, context) }
        router.on(routes, .get, "/auth/link/{secret}", .anyone) { _, context in try await linkPage(context.parameters.get("secret") ?? "") }
        router.on(routes, .post, "/auth/link/{secret}", .anyone) { request, context in
            try await useLink(context.parameters.get("secret") ?? "", request, context)
        }
    }

    // MARK: Password

    /// `POST /auth/sign-in` `{"name"|"email", "password"}` (JSON or a form): a session for an account with
    /// a password. A wrong password, an unknown account, one without a password and a disabled one all get
    /// the same `401` after the same bcrypt work.
    func signIn(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        try refuseCrossSite(request)
        let body: SignInBody
        if FormBody.isForm(request) {
            let fields = try FormBody.fields(try await collect(request, upTo: 16_384), allowed: ["name", "email", "password"])
            body = SignInBody(name: fields["name"], email: fields["email"], password: fields["password"])
        } else {
            body = try await decodeBody(request, as: SignInBody.self, upTo: 16_384)
        }
        return try await signIn(body, context)
    }

    /// The sign-in itself, once the body is read (the API's and the web page's).
    func signIn(_ body: SignInBody, _ context: DeskRequestContext) async throws -> Response {
        guard (body.name == nil) != (body.email == nil) else {
            throw APIError(.badRequest, "give the account's 'name' or its 'email', one of the two", field: body.name == nil ? "name" : "email")
        }
        let byEmail = body.email != nil
        let identifier = (body.name ?? body.email ?? "").trimmingCharacters(in: .whitespaces)
        guard !identifier.isEmpty, identifier.count <= 254 else {
            throw APIError(.badRequest, "\(byEmail ? "email" : "name") must be 1 to 254 characters", field: byEmail ? "email" : "name")
        }
        guard let password = body.password, !password.isEmpty, password.utf8.count <= 1024 else {
            throw APIError(.badRequest, "field 'password' is required (1 to 1024 bytes)", field: "password")
        }
        // Each attempt is counted as a failure before the password is checked, and forgiven when it is
        // right: attempts sent at once cannot all pass the throttles before any of them is counted.
        let now = currentMillis(), address = context.address
        if let wait = sessions.addressFailures.attempt(address, now: now) {
            throw APIError(.tooManyRequests, "too many failed sign-in or token attempts from this address; retry in \(wait) s",
                           retryAfter: wait)
        }
        let user: UserRecord?
        do {
            user = try await store.pool.read { db in
                byEmail ? try db.user(email: identifier.lowercased()) : try db.user(named: identifier)
            }
        } catch {
            sessions.addressFailures.forgive(address, now: now)
            throw error
        }
        // Unknown names are throttled under their own key exactly as accounts are, so a 429 tells nothing.
        let key = user.map { "user \($0.id)" } ?? "unknown \(byEmail ? "email" : "name") \(identifier.lowercased())"
        if let wait = sessions.accountFailures.attempt(key, now: now) {
            sessions.addressFailures.forgive(address, now: now)
            throw APIError(.tooManyRequests, "too many failed sign-ins for this account; retry in \(wait) s", retryAfter: wait)
        }
        let matches = await SignInPasswords.verify(password, against: user?.passwordHash ?? SignInPasswords.dummyHash(cost: sessions.policy.passwordCost))
        guard let user, user.passwordHash != nil, matches, !user.isDisabled else {
            throw APIError(.unauthorized, byEmail ? "wrong e-mail address or password" : "wrong name or password", authenticate: true)
        }
        sessions.accountFailures.reset(key)
        sessions.addressFailures.forgive(address, now: now)
        let (record, secret) = try await sessions.start(for: user, address: context.address, now: now)
        return signedIn(user, record, secret)
    }

    /// The answer to a sign-in: the cookie, and who is signed in with the CSRF token as JSON.
    func signedIn(_ user: UserRecord, _ record: SessionRecord, _ secret: String, status: HTTPResponse.Status = .ok) -> Response {
        var response = TicketJSON.response("{\"name\":\(JSONText.string(user.name)),\"role\":\"\(user.role.rawValue)\","
                                           + "\"email\":\(user.email.map(JSONText.string) ?? "null"),\"csrf\":\(JSONText.string(record.csrf)),"
                                           + "\"expires_at\":\(record.expiresAt)}", status: status)
        response.headers[.setCookie] = sessions.cookie(secret)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    // MARK: Sign-out

    /// `POST /auth/sign-out` (with the session's CSRF token, like every state-changing request made with
    /// the cookie): ends the session; the cookie is refused everywhere from then on. `204`, or `303` to `/`
    /// for a form post; either way the answer clears the cookie.
    func signOut(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let form = FormBody.isForm(request)
        if form {
            _ = try FormBody.fields(try await collect(request, upTo: 16_384), allowed: ["csrf"])
        } else {
            try await refuseNonEmptyJSON(request)
        }
        guard let session = context.session else {
            throw APIError(.badRequest, "sign-out ends a browser session, and this request was made with a bearer token "
                           + "(revoke a token with DELETE /api/v1/tokens/{prefix})")
        }
        let now = currentMillis()
        _ = try await store.writer.write { db in try db.endSession(hash: session.hash, at: now) }
        if let name = context.principal?.name { gateway?.close(name) }  // their workspace desk leaves too
        var response = form ? Response(status: .seeOther, headers: [.location: "/"]) : Response(status: .noContent)
        response.headers[.setCookie] = sessions.clearingCookie
        response.headers[.cacheControl] = "no-store"
        return response
    }

    // MARK: One-time links

    /// `POST /auth/link` `{"email"}` (JSON or a form): mails a one-time sign-in link through the outbox when
    /// the address is a customer's, or, when it is no account's but tickets have it as their requester, to
    /// a customer account made for it now. Always `202` with the same body: the answer never tells whether
    /// the address is known.
    func requestLink(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        try refuseCrossSite(request)
        let given: String?
        if FormBody.isForm(request) {
            given = try FormBody.fields(try await collect(request, upTo: 16_384), allowed: ["email"])["email"]
        } else {
            given = try await decodeBody(request, as: LinkRequestBody.self, upTo: 16_384).email
        }
        return try await requestLink(email: given, context)
    }

    /// The link request itself, once the body is read (the API's and the web page's).
    func requestLink(email given: String?, _ context: DeskRequestContext) async throws -> Response {
        guard let given else { throw APIError(.badRequest, "field 'email' is required", field: "email") }
        let email = given.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !email.contains(where: { $0.isWhitespace || $0 == "\u{0}" }) else {
            throw APIError(.badRequest, "email must be an e-mail address (name@example.com)", field: "email")
        }
        let now = currentMillis()
        let refusal = { (wait: Int) in
            APIError(.tooManyRequests, "too many sign-in link requests from this address or for this e-mail address; retry in \(wait) s",
                     retryAfter: wait)
        }
        if let wait = sessions.linkRequestsPerEmail.attempt(email, now: now) { throw refusal(wait) }
        if let wait = sessions.linkRequestsPerAddress.take(context.address, now: now) {
            sessions.linkRequestsPerEmail.forgive(email, now: now)
            throw refusal(wait)
        }
        let expires = now + sessions.policy.linkMillis
        let minutes = sessions.policy.linkMillis / 60_000
        let base = linkBase.current
        // Known or not, the request goes through one write transaction: the answer takes about as long.
        try await store.writer.write { db in
            var account = try db.user(email: email)
            if account == nil, try db.hasTickets(requester: email), try db.user(named: email) == nil {
                let created = try db.createUser(name: email, email: email, role: .customer, at: now)
                try db.audit(actor: "sign-in link", action: "user.create", target: "user \(created.name)", after: created.auditSummary, at: now)
                account = created
            }
            guard let account, account.role == .customer, !account.isDisabled, let address = account.email else { return }
            let secret = try db.createSignInLink(userID: account.id, expiresAt: expires, at: now)
            try db.queueMail(kind: .signInLink, recipient: address, subject: "Your sign-in link",
                             body: Self.linkMail(link: base + "/auth/link/" + secret, minutes: minutes), author: "sign-in link", at: now)
        }
        return TicketJSON.response("{\"status\":\"accepted\",\"message\":\"if the address is a customer's, a sign-in link is on its way; "
                                   + "it works once, within \(minutes) minutes\"}", status: .accepted)
    }

    static func linkMail(link: String, minutes: Int64) -> String {
        """
        Hello,

        Open this link to sign in to the support desk. It works once, within \(minutes) minutes:

        \(link)

        If you did not ask for it, ignore this message: nothing happens without the link.
        """
    }

    /// `GET /auth/link/{secret}`: never uses the link (mail scanners open links): a page whose button posts
    /// to the same address, or says why the link cannot be used.
    func linkPage(_ secret: String) async throws -> Response {
        let state = try await linkState(secret)
        guard case .valid = state else { return SignInPage.refusal(Self.linkProblem(state)) }
        return SignInPage.confirm()
    }

    /// `POST /auth/link/{secret}`: uses the link once, marks the address verified and starts a session:
    /// `303` to `/` for a form post (the page's button), JSON like a password sign-in otherwise. A used,
    /// expired or unknown link is `410` naming which.
    func useLink(_ secret: String, _ request: Request, _ context: DeskRequestContext) async throws -> Response {
        try refuseCrossSite(request, opaqueOriginAllowed: true)
        let form = FormBody.isForm(request)
        if form {
            _ = try FormBody.fields(try await collect(request, upTo: 16_384), allowed: [])
        } else {
            try await refuseNonEmptyJSON(request)
        }
        let now = currentMillis()
        let address = context.address, lifetime = sessions.policy.lifetimeMillis
        let hash = SessionCookie.isWellFormed(secret) ? AccessSecret.hash(secret) : ""
        let outcome: (SignInLinkUse, UserRecord?, (SessionRecord, String)?) = try await store.writer.write { db in
            guard !hash.isEmpty else { return (.unknown, nil, nil) }
            let use = try db.useSignInLink(hash: hash, at: now)
            guard case .valid(let userID) = use, var user = try db.user(id: userID) else { return (use, nil, nil) }
            try db.redactMail(containing: secret, with: "(a sign-in link, used)")
            guard !user.isDisabled else { return (use, user, nil) }
            if user.emailVerifiedAt == nil {
                user.emailVerifiedAt = now
                try db.updateUser(user, at: now)
            }
            let session = try db.createSession(userID: user.id, address: address, expiresAt: now + lifetime, at: now)
            return (use, user, (session.record, session.secret))
        }
        guard let user = outcome.1 else {
            let problem = Self.linkProblem(outcome.0)
            if form { return SignInPage.refusal(problem) }
            throw APIError(.gone, problem)
        }
        guard let (record, secret) = outcome.2 else { throw APIError(.forbidden, "the account '\(user.name)' is disabled") }
        guard form else { return signedIn(user, record, secret) }
        var response = Response(status: .seeOther, headers: [.location: "/", .cacheControl: "no-store"])
        response.headers[.setCookie] = sessions.cookie(secret)
        return response
    }

    /// The state of a link without using it.
    func linkState(_ secret: String) async throws -> SignInLinkUse {
        guard SessionCookie.isWellFormed(secret) else { return .unknown }
        let now = currentMillis()
        return try await store.pool.read { db in try db.signInLinkState(hash: AccessSecret.hash(secret), at: now) }
    }

    static func linkProblem(_ state: SignInLinkUse) -> String {
        switch state {
        case .valid: "the sign-in link is valid"
        case .unknown: "this sign-in link is not valid: ask for a new one"
        case .alreadyUsed: "this sign-in link was already used (each works once): ask for a new one"
        case .expired: "this sign-in link expired: ask for a new one"
        }
    }

    // MARK: Cross-site posts

    /// Refuses a sign-in posted from another site's page (login CSRF: signing a browser in as someone
    /// else). Browsers name the page's origin in `Origin` on every POST; it must be this desk's: the
    /// origin of the public address links begin with, or the `Host` the request was sent to. Clients
    /// that send no `Origin` (programs, tests) are not browsers and pass.
    ///
    /// `opaqueOriginAllowed`: the link page sends no referrer (its address holds the link's secret), and a
    /// browser then names the origin of its POST `null`; the link's own POST accepts that, since a page
    /// elsewhere cannot know the secret it would post to.
    func refuseCrossSite(_ request: Request, opaqueOriginAllowed: Bool = false) throws {
        guard let origin = request.headers[.origin]?.lowercased() else { return }
        if opaqueOriginAllowed, origin == "null" { return }
        var allowed: Set<String> = [Self.origin(of: linkBase.current)]
        if let host = request.head.authority?.lowercased() {
            allowed.formUnion(["http://\(host)", "https://\(host)"])
        }
        guard allowed.contains(origin) else {
            throw APIError(.forbidden, "sign-in from another site's page is refused: Origin \(origin.prefix(100)) is not this desk's "
                           + "(\(Self.origin(of: linkBase.current)); set --public-url to the address people use)")
        }
    }

    /// `scheme://host[:port]` of an address, lowercase.
    static func origin(of url: String) -> String {
        let lower = url.lowercased()
        guard let scheme = lower.range(of: "://") else { return lower }
        let rest = lower[scheme.upperBound...]
        return String(lower[..<scheme.upperBound]) + String(rest.prefix { $0 != "/" })
    }

    // MARK: Bodies

    /// Collects a body of at most `limit` bytes (413 above).
    func collect(_ request: Request, upTo limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, "request body is over \(limit) bytes")
        }
    }

    /// Endpoints that take no fields accept an empty body or `{}`; anything else is a `400` naming it.
    func refuseNonEmptyJSON(_ request: Request) async throws {
        let buffer = try await collect(request, upTo: 16_384)
        guard buffer.readableBytesView.contains(where: { ![0x20, 0x09, 0x0a, 0x0d].contains($0) }) else { return }
        do {
            _ = try JSONDecoder().decode(Strict<NoFields>.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError.describing(error)
        }
    }
}

/// Passwords: bcrypt work off the request's task, and the hash unknown accounts are checked against.
enum SignInPasswords {
    /// A hash of a password nobody has, at `cost`: checked when the account does not exist or has no
    /// password, so that costs what a wrong password costs. Made once per cost.
    static func dummyHash(cost: Int) -> String {
        dummies.withLock { known in
            if let hash = known[cost] { return hash }
            let hash = Bcrypt.hash("no account has this password: \(AccessSecret.random())", cost: UInt8(cost))
            known[cost] = hash
            return hash
        }
    }
    private static let dummies = Mutex<[Int: String]>([:])

    static func verify(_ password: String, against hash: String) async -> Bool {
        await Task.detached(priority: .utility) { Bcrypt.verify(password, hash: hash) }.value
    }
}

/// `POST /auth/sign-in`'s JSON body.
struct SignInBody: Decodable {
    var name: String?
    var email: String?
    var password: String?
}

/// `POST /auth/link`'s JSON body.
struct LinkRequestBody: Decodable {
    var email: String?
}

/// A body with no fields (`{}`).
struct NoFields: Decodable {}
