import DeskModel
import DeskStore
import Foundation
import HTTPTypes
import Hummingbird

/// How long sessions and sign-in links last, and how many failed sign-ins are let through.
struct SignInPolicy: Sendable {
    /// A session unused this long ends (each use extends it).
    var idleMillis: Millis
    /// A session ends this long after sign-in, however much it is used.
    var lifetimeMillis: Millis
    /// How long a sign-in link may be used.
    var linkMillis: Millis
    /// Wrong passwords per account within `accountWindowMillis` before the account's sign-in answers `429`.
    var accountFailures: Int
    var accountWindowMillis: Millis
    /// Sign-in link requests per client address (a token bucket), and per e-mail address (a window).
    var linkRequestsPerAddress: (perMinute: Int, burst: Int)
    var linkRequestsPerEmail: (count: Int, windowMillis: Millis)
    /// bcrypt's cost for new password hashes (12: about a quarter second of one core here); tests lower
    /// it so that their many sign-ins do not starve the timing-sensitive tests running beside them.
    var passwordCost = 12

    /// 12 hours idle, 7 days at most; links for 15 minutes; 5 wrong passwords per account in 15 minutes;
    /// 20 link requests a minute per client address (bursts of 10), 3 per e-mail address in 15 minutes.
    static let standard = SignInPolicy(idleMillis: 12 * 3_600_000, lifetimeMillis: 7 * 86_400_000, linkMillis: 15 * 60_000,
                                       accountFailures: 5, accountWindowMillis: 15 * 60_000,
                                       linkRequestsPerAddress: (20, 10), linkRequestsPerEmail: (3, 15 * 60_000))
}

/// A verified session: who it signs in and the record it came from.
struct VerifiedSession: Sendable {
    let principal: Principal
    let record: SessionRecord
}

/// Browser sessions: turns a `desk_session` cookie into a `Principal` (or a `401`), checks the CSRF token
/// of state-changing requests made with it, and holds the sign-in throttles. Sessions are read from the
/// store on every request (no cache): a sign-out or a disabled account ends them at once.
final class SessionAccess: Sendable {
    let store: TicketStore
    let policy: SignInPolicy
    /// The client-address throttle shared with bearer tokens: wrong passwords and unknown session cookies
    /// count there too.
    let addressFailures: FailureThrottle
    /// Wrong passwords per account (keyed by account, or by the name given when there is no such account,
    /// so an unknown name is throttled exactly like a known one).
    let accountFailures: FailureThrottle
    let linkRequestsPerAddress: IntakeRateLimit
    /// Link requests per e-mail address, known or not (counted like failures: each request is one).
    let linkRequestsPerEmail: FailureThrottle
    /// `Secure` on the cookie.
    let secureCookies: Bool

    /// How often a session's `last_seen_at` is written at most.
    static let touchEveryMillis: Millis = 60_000

    init(store: TicketStore, policy: SignInPolicy = .standard, addressFailures: FailureThrottle, secureCookies: Bool) {
        self.store = store
        self.policy = policy
        self.addressFailures = addressFailures
        self.accountFailures = FailureThrottle(limit: policy.accountFailures, windowMillis: policy.accountWindowMillis)
        self.linkRequestsPerAddress = IntakeRateLimit(perMinute: policy.linkRequestsPerAddress.perMinute,
                                                      burst: policy.linkRequestsPerAddress.burst)
        self.linkRequestsPerEmail = FailureThrottle(limit: policy.linkRequestsPerEmail.count, windowMillis: policy.linkRequestsPerEmail.windowMillis)
        self.secureCookies = secureCookies
        // The dummy hash an unknown account's password is checked against: made now, so the first such
        // sign-in does not take twice as long as a known account's.
        Task.detached(priority: .utility) { _ = SignInPasswords.dummyHash }
    }

    /// The session of a cookie's secret, or a `401` naming what is wrong with it (never the secret).
    func session(secret: String, address: String, now: Millis = currentMillis()) async throws -> VerifiedSession {
        if let wait = addressFailures.blocked(address, now: now) {
            throw APIError(.tooManyRequests, "too many failed sign-in or token attempts from this address; retry in \(wait) s",
                           retryAfter: wait)
        }
        guard SessionCookie.isWellFormed(secret),
              let (record, owner) = try await store.pool.read({ db in try db.session(hash: AccessSecret.hash(secret)) }) else {
            addressFailures.record(address, now: now)
            throw APIError(.unauthorized, "the session cookie is not a current session: sign in again", authenticate: true)
        }
        if record.endedAt != nil { throw APIError(.unauthorized, "the session was signed out: sign in again", authenticate: true) }
        if record.expiresAt <= now {
            throw APIError(.unauthorized, "the session expired at \(AccessControl.iso(record.expiresAt)): sign in again", authenticate: true)
        }
        if record.lastSeenAt + policy.idleMillis <= now {
            throw APIError(.unauthorized, "the session expired after \(policy.idleMillis / 3_600_000) hours unused: sign in again",
                           authenticate: true)
        }
        if owner.isDisabled { throw APIError(.unauthorized, "the account '\(owner.name)' is disabled", authenticate: true) }
        if record.lastSeenAt + Self.touchEveryMillis <= now {
            store.writer.submit({ db in try db.touchSession(hash: record.hash, at: now) }) { _ in }
        }
        let principal = Principal(userID: owner.id, name: owner.name, role: owner.role, email: owner.email, skills: Set(owner.skills),
                                  tier: owner.tier, credential: "session of \(owner.name)")
        return VerifiedSession(principal: principal, record: record)
    }

    /// Starts a session for `user`: the record and the secret for the cookie.
    func start(for user: UserRecord, address: String, now: Millis = currentMillis()) async throws -> (record: SessionRecord, secret: String) {
        let expires = now + policy.lifetimeMillis
        return try await store.writer.write { db in try db.createSession(userID: user.id, address: address, expiresAt: expires, at: now) }
    }

    /// The `Set-Cookie` value that hands `secret` to the browser.
    func cookie(_ secret: String) -> String {
        "\(SessionCookie.name)=\(secret); HttpOnly; SameSite=Lax; Path=/; Max-Age=\(policy.lifetimeMillis / 1000)"
            + (secureCookies ? "; Secure" : "")
    }

    /// The `Set-Cookie` value that makes the browser forget its session cookie.
    var clearingCookie: String {
        "\(SessionCookie.name)=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0" + (secureCookies ? "; Secure" : "")
    }
}

/// The session cookie as it travels: its name, and reading it from a request's `Cookie` headers.
enum SessionCookie {
    static let name = "desk_session"

    /// The value of the `desk_session` cookie, when the request sends one.
    static func value(in headers: HTTPFields) -> String? {
        for header in headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// Whether `secret` has the shape of one Desk makes (43 characters of base64url): anything else is
    /// refused without a lookup.
    static func isWellFormed(_ secret: String) -> Bool {
        secret.utf8.count == 43 && secret.utf8.allSatisfy { byte in
            (65...90).contains(byte) || (97...122).contains(byte) || (48...57).contains(byte) || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "_")
        }
    }

    /// Compares two secrets in time that depends on their length only.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
