import DeskModel

/// How webhook deliveries are worked: the queue's bound, how many attempts run at once, each attempt's
/// timeout, and the backoff between attempts. Durations in milliseconds.
public struct WebhookDeliveryPolicy: Sendable, Equatable {
    /// Deliveries held at once (waiting, backing off or in flight); past it a new one is dropped.
    public var capacity: Int
    /// Attempts in flight at once.
    public var concurrency: Int
    /// Attempts per delivery before it is marked failed.
    public var attempts: Int
    /// Each attempt's limit, connecting and answering included.
    public var timeoutMs: Int
    /// The delay after the first failed attempt; it doubles after each one, up to `maxDelayMs`.
    public var firstDelayMs: Int
    public var maxDelayMs: Int

    /// The defaults: 10,000 held, 4 in flight, 8 attempts of 5 s at most, backoff from 0.5 s doubling to
    /// 60 s (the last attempt about a minute after the first).
    public init(capacity: Int = 10_000, concurrency: Int = 4, attempts: Int = 8, timeoutMs: Int = 5_000,
                firstDelayMs: Int = 500, maxDelayMs: Int = 60_000) {
        self.capacity = max(1, capacity)
        self.concurrency = max(1, concurrency)
        self.attempts = max(1, attempts)
        self.timeoutMs = max(1, timeoutMs)
        self.firstDelayMs = max(0, firstDelayMs)
        self.maxDelayMs = max(self.firstDelayMs, maxDelayMs)
    }

    /// What an attempt's answer means for its delivery.
    public enum Verdict: Equatable, Sendable {
        /// A 2xx: done.
        case delivered
        /// Try again at this instant.
        case retry(at: Millis)
        /// That was the last attempt.
        case failed
    }

    /// The verdict on attempt number `attempt` (from 1), answered with `status` (nil: no answer) at `now`.
    public func verdict(attempt: Int, status: Int?, at now: Millis) -> Verdict {
        if let status, (200..<300).contains(status) { return .delivered }
        if attempt >= attempts { return .failed }
        return .retry(at: now + delay(after: attempt))
    }

    /// The backoff after failed attempt number `attempt`: `firstDelayMs · 2^(attempt-1)`, at most `maxDelayMs`.
    public func delay(after attempt: Int) -> Millis {
        var delay = Millis(firstDelayMs)
        for _ in 1..<max(1, attempt) where delay < Millis(maxDelayMs) { delay *= 2 }
        return min(delay, Millis(maxDelayMs))
    }
}
