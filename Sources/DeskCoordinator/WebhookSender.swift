import DeskModel
import DeskStore
import Foundation
import Logging
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Delivers breach notifications: an HTTP POST of a JSON body, retried with exponential backoff, every
/// attempt recorded in `webhook_attempts` (status or error). Deliveries run off the loop, on their own
/// tasks; a delivery still retrying when the coordinator stops is not resumed after a restart.
final class WebhookSender: Sendable {
    let store: TicketStore
    let logger: Logger
    /// Attempts per delivery, and the first retry delay (doubling each time).
    let attempts: Int
    let firstDelayMs: Int

    init(store: TicketStore, logger: Logger, attempts: Int = 6, firstDelayMs: Int = 500) {
        self.store = store
        self.logger = logger
        self.attempts = attempts
        self.firstDelayMs = firstDelayMs
    }

    /// Starts delivering `payload` to `url` about `ticket`.
    func send(_ payload: String, to url: String, ticket: TicketID) {
        let delivery = UUID().uuidString
        Task { [self] in
            var delay = firstDelayMs
            for attempt in 1...attempts {
                let (status, error) = await post(payload, to: url)
                let now = currentMillis()
                store.writer.submit({ db in
                    try db.execute(sql: """
                        INSERT INTO webhook_attempts (delivery, ticket_id, url, attempt, at, status, error, payload)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [delivery, ticket, url, attempt, now, status, error, payload])
                }) { [logger] result in
                    if case .failure(let failure) = result { logger.warning("cannot record a webhook attempt", metadata: ["error": "\(failure)"]) }
                }
                if let status, (200..<300).contains(status) { return }
                if attempt < attempts {
                    try? await Task.sleep(for: .milliseconds(delay))
                    delay *= 2
                }
            }
            logger.warning("webhook delivery failed after every attempt", metadata: ["url": "\(url)", "ticket": "\(ticket)"])
        }
    }

    func post(_ payload: String, to url: String) async -> (status: Int?, error: String?) {
        guard let target = URL(string: url) else { return (nil, "bad URL") }
        var request = URLRequest(url: target)
        request.httpMethod = "POST"
        request.httpBody = Data(payload.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.timeoutInterval = 5
        do {
            let (_, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode, nil)
        } catch {
            return (nil, error.localizedDescription)
        }
    }
}
