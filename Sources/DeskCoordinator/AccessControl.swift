import DeskModel
import DeskStore
import Foundation
import Hummingbird
import Synchronization

/// Who is asking: turns a bearer token into a `Principal`, or refuses with `401`. Verified tokens are
/// remembered for `cacheMillis` (so a busy client costs one hash and one dictionary lookup per request, not
/// a read of the store); a revocation through the API forgets them at once, one written straight to the
/// store (`desk token revoke --data`) takes effect within `cacheMillis`. Failed attempts are counted per
/// client address: past `failures` of them in a minute, that address gets `429` until the minute passes.
final class AccessControl: Sendable {
    let store: TicketStore
    let cacheMillis: Millis
    let failures: FailureThrottle
    private let cache = Mutex<[String: Cached]>([:])

    struct Cached {
        let principal: Principal
        let tokenID: Int64
        let until: Millis
    }

    /// How often a token's `last_used_at` is written at most.
    static let touchEveryMillis: Millis = 60_000
    /// Entries kept at most: a flood of distinct valid tokens cannot grow memory without bound.
    static let cacheLimit = 10_000

    init(store: TicketStore, cacheMillis: Millis = 5_000, failures: FailureThrottle = FailureThrottle(limit: 30, windowMillis: 60_000)) {
        self.store = store
        self.cacheMillis = cacheMillis
        self.failures = failures
    }

    /// The principal of an `Authorization` header's value, or a `401` naming what is wrong (never echoing
    /// the secret: at most the token's public prefix). `address` is the client's, for the throttle.
    func principal(authorization header: String, address: String, now: Millis = currentMillis()) async throws -> Principal {
        if let wait = failures.blocked(address, now: now) {
            throw APIError(.tooManyRequests, "too many failed sign-in or token attempts from this address; retry in \(wait) s",
                           retryAfter: wait)
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw refused(address, now, "the Authorization header must be 'Bearer <token>'")
        }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard let prefix = AccessSecret.prefix(of: token) else {
            throw refused(address, now, "the bearer token is not a Desk API token (desk_…)")
        }
        let hash = AccessSecret.hash(token)
        if let hit = cache.withLock({ $0[hash] }), hit.until > now { return hit.principal }
        guard let (record, owner) = try await store.pool.read({ db in try db.token(hash: hash) }) else {
            throw refused(address, now, "unknown token \(prefix)")
        }
        if record.revokedAt != nil { throw refused(address, now, "token \(prefix) was revoked") }
        if let expires = record.expiresAt, expires <= now {
            throw refused(address, now, "token \(prefix) expired at \(Self.iso(expires))")
        }
        if owner.isDisabled { throw refused(address, now, "the account '\(owner.name)' of token \(prefix) is disabled") }
        let principal = Principal(userID: owner.id, name: owner.name, role: owner.role, email: owner.email, skills: Set(owner.skills),
                                  tier: owner.tier, scopes: record.scopes.map(Set.init), credential: "token \(prefix)")
        let until = min(now + cacheMillis, record.expiresAt ?? .max)
        cache.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[hash] = Cached(principal: principal, tokenID: record.id, until: until)
        }
        if (record.lastUsedAt ?? 0) + Self.touchEveryMillis <= now {
            store.writer.submit({ db in try db.touchToken(id: record.id, at: now) }) { _ in }
        }
        return principal
    }

    /// Forgets every verified token: after a revocation, a role change or a disabled account.
    func forgetAll() {
        cache.withLock { $0.removeAll() }
    }

    private func refused(_ address: String, _ now: Millis, _ message: String) -> APIError {
        failures.record(address, now: now)
        return APIError(.unauthorized, message, authenticate: true)
    }

    static func iso(_ millis: Millis) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}

/// Counts failures per key (a client address, an account) in a fixed window; past `limit` the key is
/// blocked until its window ends. Bounded: at most `maxKeys` keys are tracked (the oldest windows go
/// first), so a flood of addresses costs memory in proportion to the limit, not to the flood.
final class FailureThrottle: Sendable {
    let limit: Int
    let windowMillis: Millis
    let maxKeys: Int
    private let windows = Mutex<[String: (start: Millis, count: Int)]>([:])

    init(limit: Int, windowMillis: Millis, maxKeys: Int = 100_000) {
        self.limit = limit
        self.windowMillis = windowMillis
        self.maxKeys = maxKeys
    }

    /// Seconds until `key` may try again, or nil when it may now.
    func blocked(_ key: String, now: Millis) -> Int? {
        windows.withLock { windows in
            guard let window = windows[key], window.start + windowMillis > now, window.count >= limit else { return nil }
            return Int((window.start + windowMillis - now + 999) / 1000)
        }
    }

    func record(_ key: String, now: Millis) {
        windows.withLock { windows in count(key, now: now, in: &windows) }
    }

    private func count(_ key: String, now: Millis, in windows: inout [String: (start: Millis, count: Int)]) {
        if let window = windows[key], window.start + windowMillis > now {
            windows[key] = (window.start, window.count + 1)
            return
        }
        if windows.count >= maxKeys {
            let stale = windows.filter { $0.value.start + windowMillis <= now }.map(\.key)
            for key in stale { windows[key] = nil }
            if windows.count >= maxKeys { windows.removeAll(keepingCapacity: true) }
        }
        windows[key] = (now, 1)
    }

    func reset(_ key: String) {
        windows.withLock { $0[key] = nil }
    }

    /// Counts an attempt before its outcome is known, unless `key` is blocked (then the seconds to wait):
    /// attempts made at the same time cannot all pass a check that none of them has counted yet. An
    /// attempt that turns out good is taken back with `forgive`.
    func attempt(_ key: String, now: Millis) -> Int? {
        windows.withLock { windows in
            if let window = windows[key], window.start + windowMillis > now, window.count >= limit {
                return Int((window.start + windowMillis - now + 999) / 1000)
            }
            count(key, now: now, in: &windows)
            return nil
        }
    }

    /// Takes back one counted attempt of the current window (it was a good one).
    func forgive(_ key: String, now: Millis) {
        windows.withLock { windows in
            guard let window = windows[key], window.start + windowMillis > now, window.count > 0 else { return }
            windows[key] = (window.start, window.count - 1)
        }
    }
}

/// Public intake without a credential: a token bucket per client address and per requester, so the
/// portal's form and e-mail keep working while one source cannot flood the queue.
final class IntakeRateLimit: Sendable {
    let perMinute: Int
    let burst: Int
    let maxKeys: Int
    private let buckets = Mutex<[String: (tokens: Double, at: Millis)]>([:])

    init(perMinute: Int, burst: Int, maxKeys: Int = 100_000) {
        self.perMinute = perMinute
        self.burst = burst
        self.maxKeys = maxKeys
    }

    /// Takes one from `key`'s bucket; returns the seconds to wait when it is empty.
    func take(_ key: String, now: Millis) -> Int? {
        buckets.withLock { buckets in
            let rate = Double(perMinute) / 60_000
            var bucket = buckets[key] ?? (Double(burst), now)
            bucket.tokens = min(Double(burst), bucket.tokens + Double(now - bucket.at) * rate)
            bucket.at = now
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                return max(1, Int(((1 - bucket.tokens) / rate / 1000).rounded(.up)))
            }
            bucket.tokens -= 1
            if buckets[key] == nil, buckets.count >= maxKeys {
                // Full buckets carry no state worth keeping; drop them, or everything if none are.
                let full = buckets.filter { $0.value.tokens + Double(now - $0.value.at) * rate >= Double(burst) }.map(\.key)
                for key in full { buckets[key] = nil }
                if buckets.count >= maxKeys { buckets.removeAll(keepingCapacity: true) }
            }
            buckets[key] = bucket
            return nil
        }
    }
}
