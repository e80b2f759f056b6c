import DeskModel
import Foundation

/// Where the console's tickets come from: new assignments for `wait`, and notices of customer answers
/// from the event stream.
extension StaffConsole {
    /// Subscribes to the event stream's `customer_replied` events (the endpoint given, else the one the
    /// API's `/healthz` names); without either, says that answers will not be announced.
    func followCustomerAnswers() async {
        var endpoint = eventsEndpoint
        if endpoint == nil, let api {
            let health = try? await api.request("GET", "/healthz").object()
            endpoint = (health?["endpoints"] as? [String: Any])?["events"] as? String
        }
        guard let endpoint else {
            say("* customer answers are not announced: no event stream (give --events or a reachable --api)")
            return
        }
        do {
            let watch = try CustomerReplyWatch(endpoint: endpoint) { [weak self] id in self?.customerAnswered(id) }
            lock.withLock { replyWatch = watch }
        } catch {
            say("* customer answers are not announced: cannot follow \(endpoint): \(error)")
        }
    }

    /// A customer answered on ticket `id`: said when it is one of mine, ignored otherwise.
    func customerAnswered(_ id: TicketID) {
        guard lock.withLock({ book.held.contains(id) }) else { return }
        say("* the customer answered on #\(id) ('show #\(id)' reads it)")
    }

    /// The next new assignment not yet handed out by `wait` and still held, made current; nil when none
    /// arrives within `seconds`.
    func nextArrival(timeout seconds: Double) async -> TicketID? {
        let id: Int = lock.withLock {
            waiterCount += 1
            return waiterCount
        }
        let held = heldIDs()
        return await withCheckedContinuation { (continuation: CheckedContinuation<TicketID?, Never>) in
            let resumeOnce = OnceResume(continuation)
            let ready: TicketID? = lock.withLock {
                book.sync(held)
                if let next = book.takeArrival() { return next }
                arrivalWaiter = (id, { resumeOnce.resume($0) })
                return nil
            }
            if let ready {
                resumeOnce.resume(ready)
                return
            }
            Task { [self] in
                try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                lock.withLock { if arrivalWaiter?.id == id { arrivalWaiter = nil } }
                resumeOnce.resume(nil)
            }
        }
    }

    /// The ids of the tickets the runtime holds now.
    func heldIDs() -> [TicketID] { runtime?.heldTickets().map(\.id) ?? [] }

    /// Says which ticket commands act on now that the current one changed.
    func sayCurrent(_ moved: TicketID?) {
        say(moved.map { "current ticket: #\($0)" } ?? "no open tickets left")
    }
}
