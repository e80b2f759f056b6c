import AsyncAlgorithms
import AsyncHTTPClient
import DeskModel
import DeskStore
import Foundation
import GRDB
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Delivers webhook notifications (an SLA breach's `notify`): a bounded queue worked by this service in
/// the coordinator's `ServiceGroup`, on its own `HTTPClient`.
///
/// `send` (called by the loop) never waits: it reserves a place in the queue, or records the delivery as
/// dropped when `capacity` deliveries are already held, and submits the pending delivery to the store's
/// group-commit writer; once that commits, the delivery reaches the service's dispatcher. The dispatcher
/// is one task owning a `WebhookQueue`: it starts due attempts up to `concurrency` at once, each with a
/// timeout, and schedules a failed one again after an exponential backoff. Every attempt is recorded in
/// `webhook_attempts`, and the delivery's row is marked delivered or failed with its last attempt.
///
/// At the start, deliveries still pending in the store (the coordinator stopped or was killed while they
/// waited) are resumed with their attempt counts. On graceful shutdown the dispatcher stops, attempts in
/// flight are cancelled (an interrupted attempt is not counted), and the client is shut down before
/// `run` returns, so nothing writes to the store after the coordinator closes it. Delivery is at least
/// once: a receiver may see a delivery again (after a crash between its answer and the commit of the
/// attempt) and recognises it by the `Desk-Delivery` header.
public final class WebhookDeliveryService: Service, Sendable {
    let store: TicketStore
    let policy: WebhookDeliveryPolicy
    let metrics: CoordinatorMetrics
    let logger: Logger
    /// How often the dispatcher looks for deliveries whose backoff ended.
    let tickMs: Int
    /// Deliveries held (reserved by `send` or resumed) and not yet let go: the bound on the queue.
    private let occupancy = Atomic<Int>(0)
    private let inbox: AsyncStream<Event>
    private let post: AsyncStream<Event>.Continuation

    enum Event: Sendable {
        case arrived(WebhookDelivery)
        /// An attempt ended; `retryAt` is when to try again, nil when the delivery is let go.
        case attempted(WebhookDelivery, retryAt: Millis?)
        case tick
        case stop
    }

    /// A service delivering through `store`'s writer; `run` it in the coordinator's service group.
    public init(store: TicketStore, policy: WebhookDeliveryPolicy = .init(), metrics: CoordinatorMetrics,
                logger: Logger, tickMs: Int = 100) {
        self.store = store
        self.policy = policy
        self.metrics = metrics
        self.logger = logger
        self.tickMs = max(1, tickMs)
        (inbox, post) = AsyncStream<Event>.makeStream()
    }

    /// Queues a POST of `payload` to `url` about `ticket`. Never blocks: called from the loop.
    func send(_ payload: String, to url: String, ticket: TicketID) {
        let delivery = WebhookDelivery(id: UUID().uuidString.lowercased(), ticket: ticket, url: url, payload: payload,
                                       createdAt: currentMillis())
        let logger = self.logger
        guard reserve() else {
            metrics.webhooksDropped.increment()
            logger.warning("webhook delivery dropped: the delivery queue is full",
                           metadata: ["delivery": "\(delivery.id)", "ticket": "\(ticket)", "capacity": "\(policy.capacity)"])
            store.writer.submit({ db in try db.insertWebhookDelivery(delivery, state: .dropped) }) { result in
                if case .failure(let error) = result {
                    logger.warning("cannot record a dropped webhook delivery", metadata: ["error": "\(error)"])
                }
            }
            return
        }
        store.writer.submit({ db in try db.insertWebhookDelivery(delivery) }) { [self] result in
            switch result {
            case .success: post.yield(.arrived(delivery))
            case .failure(let error):
                release()
                logger.error("cannot store a webhook delivery; it is not sent",
                             metadata: ["delivery": "\(delivery.id)", "ticket": "\(ticket)", "error": "\(error)"])
            }
        }
    }

    /// Resumes the stored pending deliveries, then works the queue until graceful shutdown or cancellation.
    public func run() async throws {
        var queue = WebhookQueue(concurrency: policy.concurrency)
        try await resume(into: &queue)
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .milliseconds(Int64(policy.timeoutMs)), read: .milliseconds(Int64(policy.timeoutMs)))
        try await HTTPClient.withHTTPClient(configuration: configuration, backgroundActivityLogger: logger) { client in
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [post, tickMs] in
                    for await _ in AsyncTimerSequence(interval: .milliseconds(tickMs), clock: .continuous).cancelOnGracefulShutdown() {
                        post.yield(.tick)
                    }
                }
                group.addTask { [post] in
                    try? await gracefulShutdown()
                    post.yield(.stop)
                }
                dispatching: for await event in inbox {
                    let now = currentMillis()
                    switch event {
                    case .arrived(let delivery):
                        if !queue.arrived(delivery, now: now) { release() }
                    case .attempted(let delivery, let retryAt):
                        queue.finished(delivery, retryAt: retryAt)
                        if retryAt == nil { release() }
                    case .tick:
                        break
                    case .stop:
                        break dispatching
                    }
                    for delivery in queue.due(now: now) {
                        group.addTask { await self.attempt(delivery, client: client) }
                    }
                }
                group.cancelAll()
            }
        }
        post.finish()
        if queue.count > 0 {
            logger.info("webhook delivery stopped; pending deliveries resume at the next start", metadata: ["pending": "\(queue.count)"])
        }
    }

    /// Loads the pending deliveries into `queue`; past the capacity they are marked dropped.
    private func resume(into queue: inout WebhookQueue) async throws {
        let pending = try await store.pool.read { db in try db.pendingWebhookDeliveries() }
        guard !pending.isEmpty else { return }
        let now = currentMillis()
        var dropped: [String] = []
        for delivery in pending {
            if reserve() { queue.resume(delivery, now: now) } else { dropped.append(delivery.id) }
        }
        logger.info("resuming webhook deliveries", metadata: ["pending": "\(pending.count - dropped.count)", "dropped": "\(dropped.count)"])
        guard !dropped.isEmpty else { return }
        metrics.webhooksDropped.increment(by: dropped.count)
        logger.warning("webhook deliveries dropped at start: more were pending than the queue holds",
                       metadata: ["dropped": "\(dropped.count)", "capacity": "\(policy.capacity)"])
        let ids = dropped
        try await store.writer.write { db in try db.dropWebhookDeliveries(ids, at: now) }
    }

    /// One attempt: POST, record it with its verdict, and tell the dispatcher. An attempt cut short by
    /// cancellation (shutdown) is neither recorded nor counted.
    private func attempt(_ delivery: WebhookDelivery, client: HTTPClient) async {
        var request = HTTPClientRequest(url: delivery.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Desk-Delivery", value: delivery.id)
        request.body = .bytes(ByteBuffer(string: delivery.payload))
        var status: Int?
        var problem: String?
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(policy.timeoutMs)))
            status = Int(response.status.code)
            _ = try? await response.body.collect(upTo: 64 * 1024)
        } catch {
            problem = String(String(describing: error).prefix(500))
        }
        if status == nil && Task.isCancelled {
            post.yield(.attempted(delivery, retryAt: nil))
            return
        }
        let number = delivery.attempts + 1
        let now = currentMillis()
        let verdict = policy.verdict(attempt: number, status: status, at: now)
        record(delivery, attempt: number, at: now, status: status, problem: problem, verdict: verdict)
        var next = delivery
        next.attempts = number
        if case .retry(let at) = verdict {
            post.yield(.attempted(next, retryAt: at))
        } else {
            post.yield(.attempted(next, retryAt: nil))
        }
    }

    private func record(_ delivery: WebhookDelivery, attempt: Int, at now: Millis, status: Int?, problem: String?,
                        verdict: WebhookDeliveryPolicy.Verdict) {
        let state: Database.WebhookDeliveryState
        switch verdict {
        case .delivered:
            state = .delivered
            metrics.webhooksDelivered.increment()
        case .failed:
            state = .failed
            metrics.webhooksFailed.increment()
            logger.warning("webhook delivery failed after every attempt",
                           metadata: ["delivery": "\(delivery.id)", "ticket": "\(delivery.ticket)", "attempts": "\(attempt)"])
        case .retry:
            state = .pending
        }
        let logger = self.logger
        store.writer.submit({ db in
            try db.recordWebhookAttempt(delivery, attempt: attempt, at: now, status: status, error: problem, state: state)
        }) { result in
            if case .failure(let error) = result {
                logger.warning("cannot record a webhook attempt", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
            }
        }
    }

    private func reserve() -> Bool {
        var current = occupancy.load(ordering: .relaxed)
        while current < policy.capacity {
            let (exchanged, original) = occupancy.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged {
                metrics.setWebhooksQueued(current + 1)
                return true
            }
            current = original
        }
        return false
    }

    private func release() {
        let left = occupancy.subtract(1, ordering: .relaxed).newValue
        metrics.setWebhooksQueued(left)
    }
}
