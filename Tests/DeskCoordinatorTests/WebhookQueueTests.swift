import DeskModel
import Testing
@testable import DeskCoordinator

@Suite("Webhook delivery schedule and backoff")
struct WebhookQueueTests {
    func delivery(_ id: String, attempts: Int = 0) -> WebhookDelivery {
        WebhookDelivery(id: id, ticket: 1, url: "http://127.0.0.1:1/hook", payload: "{}", attempts: attempts, createdAt: 0)
    }

    @Test("no more than `concurrency` attempts are in flight; a finished one frees its slot")
    func concurrencyIsBounded() {
        var queue = WebhookQueue(concurrency: 2)
        for id in ["a", "b", "c"] {
            let taken = queue.arrived(delivery(id), now: 0)
            #expect(taken)
        }
        #expect(queue.due(now: 0).map(\.id).sorted() == ["a", "b"])
        #expect(queue.due(now: 10).isEmpty)
        queue.finished(delivery("a", attempts: 1), retryAt: nil)
        #expect(queue.due(now: 10).map(\.id) == ["c"])
        #expect(queue.count == 2)
    }

    @Test("a delivery backing off holds no slot and comes due at its retry instant")
    func backoffHoldsNoSlot() {
        var queue = WebhookQueue(concurrency: 1)
        _ = queue.arrived(delivery("slow"), now: 0)
        #expect(queue.due(now: 0).map(\.id) == ["slow"])
        queue.finished(delivery("slow", attempts: 1), retryAt: 500)
        _ = queue.arrived(delivery("next"), now: 1)
        #expect(queue.due(now: 1).map(\.id) == ["next"], "the new one goes while the first backs off")
        queue.finished(delivery("next", attempts: 1), retryAt: nil)
        #expect(queue.due(now: 499).isEmpty)
        let retried = queue.due(now: 500)
        #expect(retried.map(\.id) == ["slow"])
        #expect(retried.first?.attempts == 1, "the attempt count travels with the delivery")
    }

    @Test("a delivery resumed from the store is not taken twice when its own arrival follows")
    func resumedArrivalIsARepeat() {
        var queue = WebhookQueue(concurrency: 4)
        queue.resume(delivery("x", attempts: 3), now: 0)
        #expect(queue.due(now: 0).map(\.attempts) == [3])
        queue.finished(delivery("x", attempts: 4), retryAt: nil)
        let taken = queue.arrived(delivery("x"), now: 1)
        #expect(!taken)
        #expect(queue.due(now: 1).isEmpty)
        #expect(queue.count == 0)
    }

    @Test("backoff doubles from the first delay up to the cap; the last attempt fails, a 2xx delivers")
    func verdicts() {
        let policy = WebhookDeliveryPolicy(attempts: 4, firstDelayMs: 500, maxDelayMs: 1_500)
        #expect((1...4).map { policy.delay(after: $0) } == [500, 1_000, 1_500, 1_500])
        #expect(policy.verdict(attempt: 1, status: 500, at: 10) == .retry(at: 510))
        #expect(policy.verdict(attempt: 2, status: nil, at: 10) == .retry(at: 1_010))
        #expect(policy.verdict(attempt: 4, status: 503, at: 10) == .failed)
        #expect(policy.verdict(attempt: 4, status: 204, at: 10) == .delivered)
    }
}
