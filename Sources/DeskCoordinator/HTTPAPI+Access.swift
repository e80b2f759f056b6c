import DeskModel
import DeskStore
import Foundation
import GRDB
import Hummingbird
import HummingbirdBcrypt

/// People, API tokens and the audit log (admin), and who the caller is (anyone signed in).
/// Every change is an audit entry; a token's secret is in the answer that creates it and nowhere else.
extension HTTPAPI {
    func addAccessRoutes(to router: Router<DeskRequestContext>, _ routes: RouteTable) {
        router.on(routes, .get, "/api/v1/me", .signedIn) { _, context in try me(context.principal, session: context.session) }
        router.on(routes, .get, "/api/v1/users", .requires(.usersManage)) { request, _ in try await listUsers(request.uri.queryParameters) }
        router.on(routes, .post, "/api/v1/users", .requires(.usersManage)) { request, context in
            try await createUser(request, by: context.principal)
        }
        router.on(routes, .get, "/api/v1/users/{name}", .requires(.usersManage)) { _, context in
            try await showUser(context.parameters.get("name") ?? "")
        }
        router.on(routes, .patch, "/api/v1/users/{name}", .requires(.usersManage)) { request, context in
            try await updateUser(request, context.parameters.get("name") ?? "", by: context.principal)
        }
        router.on(routes, .get, "/api/v1/tokens", .requires(.tokensManage)) { request, _ in try await listTokens(request.uri.queryParameters) }
        router.on(routes, .post, "/api/v1/tokens", .requires(.tokensManage)) { request, context in
            try await createToken(request, by: context.principal)
        }
        router.on(routes, .delete, "/api/v1/tokens/{prefix}", .requires(.tokensManage)) { _, context in
            try await revokeToken(context.parameters.get("prefix") ?? "", by: context.principal)
        }
        router.on(routes, .get, "/api/v1/audit", .requires(.auditRead)) { request, _ in try await auditLog(request.uri.queryParameters) }
    }

    /// The audit log's name for a caller.
    static func actor(_ principal: Principal?) -> String {
        principal.map { "\($0.name) (\($0.credential))" } ?? "anonymous"
    }

    /// Who the caller is; for a session, also its CSRF token (a page that was reloaded reads it here).
    func me(_ principal: Principal?, session: SessionRecord? = nil) throws -> Response {
        guard let principal else { throw APIError(.unauthorized, "not signed in", authenticate: true) }
        var json = "{\"name\":\(JSONText.string(principal.name)),\"role\":\"\(principal.role.rawValue)\","
            + "\"email\":\(principal.email.map(JSONText.string) ?? "null"),"
            + "\"permissions\":\(JSONText.array(principal.permissions.map(\.rawValue).sorted())),"
            + "\"credential\":\(JSONText.string(principal.credential))"
        guard let session else { return TicketJSON.response(json + "}") }
        json += ",\"csrf\":\(JSONText.string(session.csrf)),\"expires_at\":\(session.expiresAt)}"
        var response = TicketJSON.response(json)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    // MARK: People

    static func userJSON(_ user: UserRecord) -> String {
        "{\"name\":\(JSONText.string(user.name)),\"email\":\(user.email.map(JSONText.string) ?? "null"),\"role\":\"\(user.role.rawValue)\","
            + "\"skills\":\(JSONText.array(user.skills)),\"tier\":\(user.tier),\"password\":\(user.passwordHash != nil),"
            + "\"email_verified\":\(user.emailVerifiedAt != nil),\"disabled\":\(user.isDisabled),\"created_at\":\(user.createdAt)}"
    }

    func listUsers(_ query: Parameters) async throws -> Response {
        try Self.refuseUnknown(query, allowed: [])
        let users = try await store.pool.read { db in try db.users() }
        return TicketJSON.response("{\"users\":[" + users.map(Self.userJSON).joined(separator: ",") + "]}")
    }

    func showUser(_ name: String) async throws -> Response {
        guard let user = try await store.pool.read({ db in try db.user(named: name) }) else {
            throw APIError(.notFound, "user '\(name.prefix(64))' not found")
        }
        return TicketJSON.response(Self.userJSON(user))
    }

    /// `POST /api/v1/users` `{"name","email","role","skills","tier","password"}`.
    func createUser(_ request: Request, by principal: Principal?) async throws -> Response {
        let user = try await createUser(try await decodeBody(request, as: UserBody.self, upTo: 16_384), by: principal)
        return TicketJSON.response(Self.userJSON(user), status: .created)
    }

    /// A new account, checked and audited (the API's and the admin page's).
    func createUser(_ body: UserBody, by principal: Principal?) async throws -> UserRecord {
        guard let name = body.name else { throw APIError(.badRequest, "field 'name' is required", field: "name") }
        guard let roleText = body.role else { throw APIError(.badRequest, "field 'role' is required (\(Role.names))", field: "role") }
        let fields = try AccountFields.check(name: name, email: body.email, role: roleText, skills: body.skills, tier: body.tier,
                                             password: body.password)
        guard fields.role != .customer || fields.email != nil else {
            throw APIError(.badRequest, "a customer needs an e-mail address (their tickets are found by it)", field: "email")
        }
        var hash: String?
        if let password = fields.password { hash = await passwordHash(password) }
        let now = currentMillis(), actor = Self.actor(principal)
        let user: UserRecord
        do {
            user = try await store.writer.write { [hash] db in
                let user = try db.createUser(name: fields.name, email: fields.email, role: fields.role!, skills: fields.skills ?? [],
                                             tier: fields.tier ?? 1, passwordHash: hash, emailVerified: fields.email != nil, at: now)
                try db.audit(actor: actor, action: "user.create", target: "user \(user.name)", after: user.auditSummary, at: now)
                return user
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            let onEmail = error.message?.contains("email") ?? false
            throw APIError(.conflict, onEmail ? "the e-mail address is already an account's" : "user '\(fields.name)' already exists",
                           field: onEmail ? "email" : "name")
        }
        return user
    }

    /// `PATCH /api/v1/users/{name}` `{"email","role","skills","tier","password","disabled"}`: only the fields
    /// present change. Disabling keeps the account's history and ends its tokens' use at once.
    func updateUser(_ request: Request, _ name: String, by principal: Principal?) async throws -> Response {
        let user = try await updateUser(try await decodeBody(request, as: UserBody.self, upTo: 16_384), name, by: principal)
        return TicketJSON.response(Self.userJSON(user))
    }

    /// Changes the fields present in `body` of the account `name`, checked and audited.
    func updateUser(_ body: UserBody, _ name: String, by principal: Principal?) async throws -> UserRecord {
        guard body.name == nil || body.name == name else {
            throw APIError(.badRequest, "a user's name does not change (it is the agent name their sessions act as)", field: "name")
        }
        let fields = try AccountFields.check(name: name, email: body.email, role: body.role, skills: body.skills, tier: body.tier,
                                             password: body.password)
        var hash: String?
        if let password = fields.password { hash = await passwordHash(password) }
        if principal?.name == name, body.disabled == true || (fields.role.map { $0 != .admin } ?? false) {
            throw APIError(.conflict, "an admin cannot disable their own account or take away their own admin role")
        }
        let now = currentMillis(), actor = Self.actor(principal)
        let updated: UserRecord? = try await store.writer.write { [hash] db -> UserRecord? in
            guard var user = try db.user(named: name) else { return nil }
            let before = user.auditSummary
            if let email = fields.email { user.email = email; user.emailVerifiedAt = now }
            if let role = fields.role { user.role = role }
            if let skills = fields.skills { user.skills = skills }
            if let tier = fields.tier { user.tier = tier }
            if let hash { user.passwordHash = hash }
            if let disabled = body.disabled { user.disabledAt = disabled ? (user.disabledAt ?? now) : nil }
            try db.updateUser(user, at: now)
            try db.audit(actor: actor, action: "user.update", target: "user \(name)", before: before, after: user.auditSummary, at: now)
            return user
        }
        guard let updated else { throw APIError(.notFound, "user '\(name.prefix(64))' not found") }
        access.forgetAll()
        return updated
    }

    /// bcrypt (the sign-in policy's cost, 12), off the cooperative pool's hot threads as much as a
    /// detached task allows.
    func passwordHash(_ password: String) async -> String {
        let cost = sessions.policy.passwordCost
        return await Task.detached(priority: .utility) { Bcrypt.hash(password, cost: UInt8(cost)) }.value
    }

    // MARK: Tokens

    static func tokenJSON(_ token: TokenRecord, secret: String? = nil) -> String {
        "{\"prefix\":\(JSONText.string(token.prefix)),\"name\":\(JSONText.string(token.name)),\"user\":\(JSONText.string(token.userName)),"
            + "\"scopes\":\(token.scopes.map { JSONText.array($0.map(\.rawValue)) } ?? "null"),"
            + "\"expires_at\":\(token.expiresAt.map(String.init) ?? "null"),\"last_used_at\":\(token.lastUsedAt.map(String.init) ?? "null"),"
            + "\"revoked_at\":\(token.revokedAt.map(String.init) ?? "null"),\"created_at\":\(token.createdAt)"
            + (secret.map { ",\"token\":\(JSONText.string($0))" } ?? "") + "}"
    }

    func listTokens(_ query: Parameters) async throws -> Response {
        try Self.refuseUnknown(query, allowed: ["user"])
        let userName = query.get("user")
        let tokens: [TokenRecord]? = try await store.pool.read { db in
            guard let userName else { return try db.tokens() }
            return try db.user(named: userName).map { try db.tokens(userID: $0.id) }
        }
        guard let tokens else { throw APIError(.notFound, "user '\(userName?.prefix(64) ?? "")' not found", field: "user") }
        return TicketJSON.response("{\"tokens\":[" + tokens.map { Self.tokenJSON($0) }.joined(separator: ",") + "]}")
    }

    /// `POST /api/v1/tokens` `{"user","name","scopes","expires_in_days"}`: 201 with the token's secret, shown
    /// this once. `user` defaults to the caller; `scopes` narrow the owner's role.
    func createToken(_ request: Request, by principal: Principal?) async throws -> Response {
        let (record, secret) = try await createToken(try await decodeBody(request, as: TokenBody.self, upTo: 16_384), by: principal)
        return TicketJSON.response(Self.tokenJSON(record, secret: secret), status: .created)
    }

    /// A new token and its secret (to be shown once, never stored or logged), checked and audited.
    func createToken(_ body: TokenBody, by principal: Principal?) async throws -> (TokenRecord, String) {
        let owner = body.user ?? principal?.name ?? ""
        let name = (body.name ?? "").trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 64, !name.containsNUL else {
            throw APIError(.badRequest, "name must be 1 to 64 characters (what the token is for)", field: "name")
        }
        let scopes = try body.scopes.map { try Self.permissions($0) }
        var expiresAt: Millis?
        let now = currentMillis()
        if let days = body.expiresInDays {
            guard (1...3650).contains(days) else { throw APIError(.badRequest, "expires_in_days must be 1 to 3650", field: "expires_in_days") }
            expiresAt = now + Millis(days) * 86_400_000
        }
        let actor = Self.actor(principal)
        let created: (TokenRecord, String)? = try await store.writer.write { [expiresAt] db in
            guard let user = try db.user(named: owner) else { return nil }
            let (record, secret) = try db.createToken(userID: user.id, name: name, scopes: scopes, expiresAt: expiresAt, at: now)
            try db.audit(actor: actor, action: "token.create", target: "token \(record.prefix)", after: record.auditSummary, at: now)
            return (record, secret)
        }
        guard let created else { throw APIError(.notFound, "user '\(owner.prefix(64))' not found", field: "user") }
        return created
    }

    static func permissions(_ names: [String]) throws -> [Permission] {
        try names.map { name in
            guard let permission = Permission(rawValue: name) else {
                throw APIError(.badRequest, "unknown scope '\(name.prefix(40))'; scopes are \(Permission.names)", field: "scopes")
            }
            return permission
        }
    }

    /// `DELETE /api/v1/tokens/{prefix}`: revokes at once (204); 404 when no token has the prefix.
    func revokeToken(_ prefix: String, by principal: Principal?) async throws -> Response {
        let now = currentMillis(), actor = Self.actor(principal)
        let found: Bool = try await store.writer.write { db in
            guard let token = try db.token(prefix: prefix) else { return false }
            if try db.revokeToken(id: token.id, at: now) {
                try db.audit(actor: actor, action: "token.revoke", target: "token \(token.prefix)", before: token.auditSummary, at: now)
            }
            return true
        }
        guard found else { throw APIError(.notFound, "token '\(prefix.prefix(20))' not found") }
        access.forgetAll()
        return Response(status: .noContent)
    }

    // MARK: Audit

    /// `GET /api/v1/audit?after=ID&limit=N`: entries oldest first; `next` continues.
    func auditLog(_ query: Parameters) async throws -> Response {
        try Self.refuseUnknown(query, allowed: ["after", "limit"])
        guard let after = Int64(query.get("after") ?? "0"), after >= 0 else { throw APIError(.badRequest, "after must be an entry id", field: "after") }
        guard let limit = Int(query.get("limit") ?? "100"), (1...1000).contains(limit) else {
            throw APIError(.badRequest, "limit must be 1 to 1000", field: "limit")
        }
        let entries = try await store.pool.read { db in try db.auditEntries(after: after, limit: limit) }
        let items = entries.map { entry in
            "{\"id\":\(entry.id),\"at\":\(entry.at),\"actor\":\(JSONText.string(entry.actor)),\"action\":\(JSONText.string(entry.action)),"
                + "\"target\":\(JSONText.string(entry.target)),\"before\":\(entry.before ?? "null"),\"after\":\(entry.after ?? "null")}"
        }
        return TicketJSON.response("{\"entries\":[" + items.joined(separator: ",") + "],\"next\":"
                                   + (entries.count == limit ? String(entries.last!.id) : "null") + "}")
    }
}

/// `POST`/`PATCH /api/v1/users`' body.
struct UserBody: Decodable {
    var name: String?
    var email: String?
    var role: String?
    var skills: [String]?
    var tier: Int?
    var password: String?
    var disabled: Bool?
}

/// `POST /api/v1/tokens`' body.
struct TokenBody: Decodable {
    var user: String?
    var name: String?
    var scopes: [String]?
    var expiresInDays: Int?

    enum CodingKeys: String, CodingKey {
        case user, name, scopes
        case expiresInDays = "expires_in_days"
    }
}

/// An account's fields, checked: the API and the CLI refuse the same things with the same words.
public struct AccountFields: Sendable {
    public var name: String
    public var email: String?
    public var role: Role?
    public var skills: [String]?
    public var tier: Int?
    public var password: String?

    /// Checks what is present; `400` naming the field otherwise.
    public static func check(name: String, email: String?, role: String?, skills: [String]?, tier: Int?, password: String?) throws -> AccountFields {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 64, trimmed.allSatisfy({ $0.isLetter || $0.isNumber || "-_.@".contains($0) }) else {
            throw APIError(.badRequest, "name must be 1 to 64 letters, digits, '-', '_', '.' or '@'", field: "name")
        }
        var fields = AccountFields(name: trimmed)
        if let email {
            let address = email.trimmingCharacters(in: .whitespaces).lowercased()
            guard address.count <= IntakeRequest.Limits.requester, address.isPlausibleEmail else {
                throw APIError(.badRequest, "email must be an e-mail address like name@example.com", field: "email")
            }
            fields.email = address
        }
        if let role {
            guard let parsed = Role(rawValue: role) else { throw APIError(.badRequest, "role must be one of \(Role.names)", field: "role") }
            fields.role = parsed
        }
        if let skills {
            let cleaned = skills.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard cleaned.count <= 50, cleaned.allSatisfy({ !$0.isEmpty && $0.count <= 64 && !$0.containsNUL }) else {
                throw APIError(.badRequest, "skills: at most 50 of 1 to 64 characters", field: "skills")
            }
            fields.skills = cleaned
        }
        if let tier {
            guard (0...3).contains(tier) else { throw APIError(.badRequest, "tier must be 0 to 3", field: "tier") }
            fields.tier = tier
        }
        if let password {
            guard (10...72).contains(password.utf8.count) else {
                throw APIError(.badRequest, "password must be 10 to 72 bytes", field: "password")
            }
            fields.password = password
        }
        return fields
    }

    init(name: String) { self.name = name }
}
