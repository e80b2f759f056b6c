import DeskModel
import Foundation
import GRDB

/// A person or bot account as stored.
public struct UserRecord: Sendable, Equatable {
    public let id: Int64
    public var name: String
    public var email: String?
    public var role: Role
    public var skills: [String]
    public var tier: Int
    /// bcrypt; nil when the account cannot sign in with a password.
    public var passwordHash: String?
    public var emailVerifiedAt: Millis?
    public var disabledAt: Millis?
    public let createdAt: Millis
    public var updatedAt: Millis

    public var isDisabled: Bool { disabledAt != nil }

    /// What the audit log records of an account (never its password hash).
    public var auditSummary: String {
        "{\"name\":\(JSONText.string(name)),\"email\":\(email.map(JSONText.string) ?? "null"),\"role\":\"\(role.rawValue)\","
            + "\"skills\":\(JSONText.array(skills)),\"tier\":\(tier),\"disabled\":\(disabledAt != nil),\"password\":\(passwordHash != nil)}"
    }
}

/// An API token as stored: never its secret, only its prefix and hash.
public struct TokenRecord: Sendable, Equatable {
    public let id: Int64
    public let userID: Int64
    public let userName: String
    public let name: String
    public let prefix: String
    /// Narrower than the owner's role when set.
    public let scopes: [Permission]?
    public let expiresAt: Millis?
    public let lastUsedAt: Millis?
    public let revokedAt: Millis?
    public let createdAt: Millis

    public func isUsable(at now: Millis) -> Bool { revokedAt == nil && (expiresAt.map { $0 > now } ?? true) }

    public var auditSummary: String {
        "{\"prefix\":\(JSONText.string(prefix)),\"name\":\(JSONText.string(name)),\"user\":\(JSONText.string(userName)),"
            + "\"scopes\":\(scopes.map { JSONText.array($0.map(\.rawValue)) } ?? "null"),\"expires_at\":\(expiresAt.map(String.init) ?? "null"),"
            + "\"revoked\":\(revokedAt != nil)}"
    }
}

/// An agent's registered CURVE public key.
public struct AgentKeyRecord: Sendable, Equatable {
    /// Z85, 40 characters.
    public let publicKey: String
    public let userID: Int64
    /// The account the key speaks for: the only name its HELLO may give.
    public let userName: String
    public let name: String
    public let createdAt: Millis
    public let revokedAt: Millis?
}

/// One entry of the append-only audit log.
public struct AuditEntry: Sendable, Equatable {
    public let id: Int64
    public let at: Millis
    public let actor: String
    public let action: String
    public let target: String
    public let before: String?
    public let after: String?
}

/// People, tokens, sessions, sign-in links, agent keys and the audit log.
extension Database {
    // MARK: People

    public func createUser(name: String, email: String?, role: Role, skills: [String] = [], tier: Int = 1,
                           passwordHash: String? = nil, emailVerified: Bool = false, at now: Millis) throws -> UserRecord {
        try execute(sql: """
            INSERT INTO users (name, email, role, skills, tier, password_hash, email_verified_at, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [name, email, role.rawValue, JSONText.array(skills), tier, passwordHash, emailVerified ? now : nil, now, now])
        return try user(id: lastInsertedRowID)!
    }

    public func user(id: Int64) throws -> UserRecord? {
        try Row.fetchOne(self, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(Self.user)
    }

    public func user(named name: String) throws -> UserRecord? {
        try Row.fetchOne(self, sql: "SELECT * FROM users WHERE name = ?", arguments: [name]).map(Self.user)
    }

    public func user(email: String) throws -> UserRecord? {
        try Row.fetchOne(self, sql: "SELECT * FROM users WHERE email = ?", arguments: [email]).map(Self.user)
    }

    public func users() throws -> [UserRecord] {
        try Row.fetchAll(self, sql: "SELECT * FROM users ORDER BY name").map(Self.user)
    }

    /// Writes every changeable field of `user` back.
    public func updateUser(_ user: UserRecord, at now: Millis) throws {
        try execute(sql: """
            UPDATE users SET name = ?, email = ?, role = ?, skills = ?, tier = ?, password_hash = ?, email_verified_at = ?,
                disabled_at = ?, updated_at = ? WHERE id = ?
            """, arguments: [user.name, user.email, user.role.rawValue, JSONText.array(user.skills), user.tier, user.passwordHash,
                             user.emailVerifiedAt, user.disabledAt, now, user.id])
    }

    static func user(_ row: Row) throws -> UserRecord {
        let roleText: String = row["role"]
        guard let role = Role(rawValue: roleText) else { throw StoreError.corrupt("user \(row["name"] as String) has unknown role '\(roleText)'") }
        return UserRecord(id: row["id"], name: row["name"], email: row["email"], role: role, skills: Ticket.decodeTags(row["skills"]),
                          tier: row["tier"], passwordHash: row["password_hash"], emailVerifiedAt: row["email_verified_at"],
                          disabledAt: row["disabled_at"], createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    // MARK: API tokens

    /// Stores a new token for `userID`; returns its record and the secret, which is not stored and cannot
    /// be shown again.
    public func createToken(userID: Int64, name: String, scopes: [Permission]?, expiresAt: Millis?, at now: Millis) throws
        -> (record: TokenRecord, secret: String) {
        let (secret, prefix, hash) = AccessSecret.newToken()
        try execute(sql: """
            INSERT INTO api_tokens (user_id, name, prefix, hash, scopes, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [userID, name, prefix, hash, scopes.map { JSONText.array($0.map(\.rawValue)) }, expiresAt, now])
        return (try token(id: lastInsertedRowID)!, secret)
    }

    public func token(id: Int64) throws -> TokenRecord? {
        try Row.fetchOne(self, sql: Self.tokenSelect + " WHERE t.id = ?", arguments: [id]).map(Self.token)
    }

    public func token(prefix: String) throws -> TokenRecord? {
        try Row.fetchOne(self, sql: Self.tokenSelect + " WHERE t.prefix = ?", arguments: [prefix]).map(Self.token)
    }

    /// The token whose secret hashes to `hash`, with its owner; nil when none (revoked and expired ones
    /// are returned: the caller says which it is).
    public func token(hash: String) throws -> (TokenRecord, UserRecord)? {
        guard let token = try Row.fetchOne(self, sql: Self.tokenSelect + " WHERE t.hash = ?", arguments: [hash]).map(Self.token),
              let owner = try user(id: token.userID) else { return nil }
        return (token, owner)
    }

    /// Every token (of one user when given), newest first.
    public func tokens(userID: Int64? = nil) throws -> [TokenRecord] {
        if let userID {
            return try Row.fetchAll(self, sql: Self.tokenSelect + " WHERE t.user_id = ? ORDER BY t.id DESC", arguments: [userID]).map(Self.token)
        }
        return try Row.fetchAll(self, sql: Self.tokenSelect + " ORDER BY t.id DESC").map(Self.token)
    }

    /// Revokes a token; false when it was already revoked or does not exist.
    public func revokeToken(id: Int64, at now: Millis) throws -> Bool {
        try execute(sql: "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [now, id])
        return changesCount > 0
    }

    /// Records a use (coalesced by the caller: at most about once a minute per token).
    public func touchToken(id: Int64, at now: Millis) throws {
        try execute(sql: "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", arguments: [now, id])
    }

    static let tokenSelect = "SELECT t.*, u.name AS user_name FROM api_tokens t JOIN users u ON u.id = t.user_id"

    static func token(_ row: Row) throws -> TokenRecord {
        let scopes = (row["scopes"] as String?).map { text in Ticket.decodeTags(text).compactMap(Permission.init(rawValue:)) }
        return TokenRecord(id: row["id"], userID: row["user_id"], userName: row["user_name"], name: row["name"], prefix: row["prefix"],
                           scopes: scopes, expiresAt: row["expires_at"], lastUsedAt: row["last_used_at"], revokedAt: row["revoked_at"],
                           createdAt: row["created_at"])
    }

    // MARK: Agent keys

    public func registerAgentKey(_ publicKey: String, userID: Int64, name: String, at now: Millis) throws {
        try execute(sql: "INSERT INTO agent_keys (public_key, user_id, name, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [publicKey, userID, name, now])
    }

    /// Registers `publicKey` under `name` to the user, revoking their other active keys of that name (the
    /// web workspace's desk key, made anew by each coordinator process).
    public func replaceAgentKey(_ publicKey: String, userID: Int64, name: String, at now: Millis) throws {
        try execute(sql: "UPDATE agent_keys SET revoked_at = ? WHERE user_id = ? AND name = ? AND revoked_at IS NULL",
                    arguments: [now, userID, name])
        try registerAgentKey(publicKey, userID: userID, name: name, at: now)
    }

    public func agentKeys() throws -> [AgentKeyRecord] {
        try Row.fetchAll(self, sql: """
            SELECT k.*, u.name AS user_name FROM agent_keys k JOIN users u ON u.id = k.user_id ORDER BY k.created_at, k.public_key
            """).map(Self.agentKey)
    }

    /// The key `publicKey`, revoked or not, or nil.
    public func agentKey(publicKey: String) throws -> AgentKeyRecord? {
        try Row.fetchOne(self, sql: """
            SELECT k.*, u.name AS user_name FROM agent_keys k JOIN users u ON u.id = k.user_id WHERE k.public_key = ?
            """, arguments: [publicKey]).map(Self.agentKey)
    }

    static func agentKey(_ row: Row) -> AgentKeyRecord {
        AgentKeyRecord(publicKey: row["public_key"], userID: row["user_id"], userName: row["user_name"], name: row["name"],
                       createdAt: row["created_at"], revokedAt: row["revoked_at"])
    }

    /// The keys that may connect now (not revoked, owner not disabled): public key → account name.
    public func activeAgentKeys() throws -> [String: String] {
        let rows = try Row.fetchAll(self, sql: """
            SELECT k.public_key, u.name FROM agent_keys k JOIN users u ON u.id = k.user_id
            WHERE k.revoked_at IS NULL AND u.disabled_at IS NULL
            """)
        return Dictionary(rows.map { ($0["public_key"], $0["name"]) }, uniquingKeysWith: { first, _ in first })
    }

    /// The name of the enabled account whose active key `publicKey` is, or nil.
    public func activeAgentKeys(publicKey: String) throws -> String? {
        try String.fetchOne(self, sql: """
            SELECT u.name FROM agent_keys k JOIN users u ON u.id = k.user_id
            WHERE k.public_key = ? AND k.revoked_at IS NULL AND u.disabled_at IS NULL
            """, arguments: [publicKey])
    }

    public func revokeAgentKey(_ publicKey: String, at now: Millis) throws -> Bool {
        try execute(sql: "UPDATE agent_keys SET revoked_at = ? WHERE public_key = ? AND revoked_at IS NULL", arguments: [now, publicKey])
        return changesCount > 0
    }

    // MARK: Audit log

    /// Appends one entry. `before` and `after` are short JSON summaries; never a secret.
    public func audit(actor: String, action: String, target: String, before: String? = nil, after: String? = nil, at now: Millis) throws {
        try execute(sql: "INSERT INTO audit_log (at, actor, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [now, actor, action, target, before, after])
    }

    /// Entries after `afterID`, oldest first, at most `limit`.
    public func auditEntries(after afterID: Int64 = 0, limit: Int = 100) throws -> [AuditEntry] {
        try Row.fetchAll(self, sql: "SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?", arguments: [afterID, limit]).map { row in
            AuditEntry(id: row["id"], at: row["at"], actor: row["actor"], action: row["action"], target: row["target"],
                       before: row["before"], after: row["after"])
        }
    }
}

/// Writing straight to a store (no server running, or beside one): how an operator, a test and the
/// quick start get their first token. SQLite's locking makes this safe beside a running coordinator.
extension TicketStore {
    /// A new token for the account `name`, creating the account with `role` (and `email`) when it does not
    /// exist. An existing account keeps its role; asking for a different one is refused. The secret is in
    /// the result and nowhere else; the audit log records the token's prefix.
    public func issueToken(account name: String, role: Role, email: String? = nil, skills: [String] = [], tier: Int = 1,
                           label: String = "cli", scopes: [Permission]? = nil, expiresAt: Millis? = nil,
                           actor: String = "desk token create --data")
        async throws -> (token: String, record: TokenRecord, createdAccount: Bool) {
        let now = Millis((Date().timeIntervalSince1970 * 1000).rounded())
        return try await writer.write { db in
            var created = false
            let user: UserRecord
            if let existing = try db.user(named: name) {
                guard existing.role == role else {
                    throw StoreError.conflict("account '\(name)' exists with role \(existing.role.rawValue), not \(role.rawValue)")
                }
                user = existing
            } else {
                user = try db.createUser(name: name, email: email?.lowercased(), role: role, skills: skills, tier: tier,
                                         emailVerified: email != nil, at: now)
                try db.audit(actor: actor, action: "user.create", target: "user \(name)", after: user.auditSummary, at: now)
                created = true
            }
            let (record, secret) = try db.createToken(userID: user.id, name: label, scopes: scopes, expiresAt: expiresAt, at: now)
            try db.audit(actor: actor, action: "token.create", target: "token \(record.prefix)", after: record.auditSummary, at: now)
            return (secret, record, created)
        }
    }
}

extension TicketStore {
    /// Registers `publicKey` (Z85) as a CURVE key of the staff or bot account `name`, creating the account
    /// (role agent, with `skills` and `tier`) when missing; a customer account cannot hold agent keys.
    /// Audited with `actor`. Returns whether the account was created.
    public func registerAgentKey(account name: String, publicKey: String, label: String, skills: [String] = [], tier: Int = 1,
                                 actor: String) async throws -> Bool {
        let now = Millis((Date().timeIntervalSince1970 * 1000).rounded())
        return try await writer.write { db in
            var created = false
            let user: UserRecord
            if let existing = try db.user(named: name) {
                guard existing.role != .customer else {
                    throw StoreError.conflict("account '\(name)' is a customer: agent keys are for staff and bot accounts")
                }
                user = existing
            } else {
                user = try db.createUser(name: name, email: nil, role: .agent, skills: skills, tier: tier, at: now)
                try db.audit(actor: actor, action: "user.create", target: "user \(name)", after: user.auditSummary, at: now)
                created = true
            }
            try db.registerAgentKey(publicKey, userID: user.id, name: label, at: now)
            try db.audit(actor: actor, action: "agent-key.create", target: "agent key \(publicKey.prefix(8)) of \(name)",
                         after: "{\"agent\":\(JSONText.string(name)),\"key\":\(JSONText.string(publicKey)),\"name\":\(JSONText.string(label))}",
                         at: now)
            return created
        }
    }
}
