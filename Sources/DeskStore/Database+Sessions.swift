import DeskModel
import GRDB

/// A browser session as stored: the SHA-256 of its secret (the cookie's value), never the secret.
public struct SessionRecord: Sendable, Equatable {
    /// SHA-256 (hex) of the session secret.
    public let hash: String
    public let userID: Int64
    /// The session's CSRF token: state-changing requests made with the cookie must echo it. Stored as is:
    /// without the cookie it proves nothing, and a signed-in page reads it back from `/api/v1/me`.
    public let csrf: String
    /// The client address that signed in.
    public let address: String
    public let createdAt: Millis
    /// The absolute end of the session, whatever its use.
    public let expiresAt: Millis
    /// The last use recorded (written at most about once a minute): the idle timeout counts from here.
    public let lastSeenAt: Millis
    /// When it was signed out.
    public let endedAt: Millis?
}

/// A sign-in link's state when presented.
public enum SignInLinkUse: Sendable, Equatable {
    /// Usable (when looked at) or used now (when used): the account it signs in.
    case valid(userID: Int64)
    case unknown
    case alreadyUsed
    case expired
}

/// Sessions, one-time sign-in links and mail that belongs to no ticket.
extension Database {
    // MARK: Sessions

    /// Starts a session for `userID`; returns its record and its secret (the cookie's value), which is not
    /// stored and cannot be read back.
    public func createSession(userID: Int64, address: String, expiresAt: Millis, at now: Millis) throws
        -> (record: SessionRecord, secret: String) {
        let secret = AccessSecret.random()
        let hash = AccessSecret.hash(secret)
        try execute(sql: """
            INSERT INTO sessions (hash, user_id, csrf, address, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [hash, userID, AccessSecret.random(), String(address.prefix(64)), now, expiresAt, now])
        guard let record = try session(hash: hash)?.0 else { throw StoreError.corrupt("the session just stored cannot be read back") }
        return (record, secret)
    }

    /// The session whose secret hashes to `hash`, with its account; ended and expired ones are returned
    /// too (the caller says which it is).
    public func session(hash: String) throws -> (SessionRecord, UserRecord)? {
        guard let row = try Row.fetchOne(self, sql: "SELECT * FROM sessions WHERE hash = ?", arguments: [hash]) else { return nil }
        let record = SessionRecord(hash: row["hash"], userID: row["user_id"], csrf: row["csrf"], address: row["address"],
                                   createdAt: row["created_at"], expiresAt: row["expires_at"], lastSeenAt: row["last_seen_at"],
                                   endedAt: row["ended_at"])
        guard let owner = try user(id: record.userID) else { return nil }
        return (record, owner)
    }

    /// Records a use of a session (coalesced by the caller: at most about once a minute).
    public func touchSession(hash: String, at now: Millis) throws {
        try execute(sql: "UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE hash = ?", arguments: [now, hash])
    }

    /// Signs a session out; false when it was already ended or does not exist.
    @discardableResult
    public func endSession(hash: String, at now: Millis) throws -> Bool {
        try execute(sql: "UPDATE sessions SET ended_at = ? WHERE hash = ? AND ended_at IS NULL", arguments: [now, hash])
        return changesCount > 0
    }

    // MARK: Sign-in links

    /// A new one-time sign-in link for `userID`: returns its secret, stored only as its hash.
    public func createSignInLink(userID: Int64, expiresAt: Millis, at now: Millis) throws -> String {
        let secret = AccessSecret.random()
        try execute(sql: "INSERT INTO sign_in_links (hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                    arguments: [AccessSecret.hash(secret), userID, now, expiresAt])
        return secret
    }

    /// Whether the link that hashes to `hash` could be used now, without using it (the page a GET shows).
    public func signInLinkState(hash: String, at now: Millis) throws -> SignInLinkUse {
        guard let row = try Row.fetchOne(self, sql: "SELECT user_id, expires_at, used_at FROM sign_in_links WHERE hash = ?",
                                         arguments: [hash]) else { return .unknown }
        if (row["used_at"] as Millis?) != nil { return .alreadyUsed }
        if (row["expires_at"] as Millis) <= now { return .expired }
        return .valid(userID: row["user_id"])
    }

    /// Uses the link that hashes to `hash`, once: marks it used and returns its account; a second use,
    /// an expired or an unknown link changes nothing and says which it was.
    public func useSignInLink(hash: String, at now: Millis) throws -> SignInLinkUse {
        let state = try signInLinkState(hash: hash, at: now)
        guard case .valid = state else { return state }
        try execute(sql: "UPDATE sign_in_links SET used_at = ? WHERE hash = ? AND used_at IS NULL", arguments: [now, hash])
        return changesCount == 1 ? state : .alreadyUsed
    }

    /// Whether any ticket has `requester` (lowercase, as intake stores it).
    public func hasTickets(requester: String) throws -> Bool {
        try Bool.fetchOne(self, sql: "SELECT 1 FROM tickets WHERE requester = ? LIMIT 1", arguments: [requester]) ?? false
    }

    // MARK: Mail that is not a ticket's reply

    /// Queues a message that belongs to no ticket (`kind` names what it is: `sign_in_link`) for the
    /// delivery channels, beside the tickets' public replies. Returns its outbox id.
    @discardableResult
    public func queueMail(kind: OutboxKind, recipient: String, subject: String, body: String, author: String, at now: Millis) throws -> Int64 {
        try execute(sql: """
            INSERT INTO outbox (kind, ticket_id, recipient, subject, body, author, created_at) VALUES (?, NULL, ?, ?, ?, ?, ?)
            """, arguments: [kind.rawValue, recipient, subject, body, author, now])
        return lastInsertedRowID
    }

    /// Removes `secret` from the bodies of queued mail that carries it (a sign-in link once used): the
    /// store then holds no usable secret in the clear.
    public func redactMail(containing secret: String, with replacement: String) throws {
        guard !secret.isEmpty else { return }
        try execute(sql: "UPDATE outbox SET body = replace(body, ?, ?) WHERE kind <> 'reply' AND instr(body, ?) > 0",
                    arguments: [secret, replacement, secret])
    }
}
