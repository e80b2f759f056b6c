import DeskModel
import DeskStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB

/// One ticket of a run as the audit reads it: from the store file, or from the API when attached.
struct AuditedTicket: Sendable {
    var id: TicketID
    var priority: Priority
    var status: TicketStatus
    var assignee: String?
    var createdAt: Millis
    /// Its history after creation, oldest first.
    var events: [TicketEvent]
}

extension LoadTestRunner {
    /// Every ticket of this run (its idempotency keys carry the run's id), with its history.
    func auditedTickets() async throws -> [AuditedTicket] {
        guard attached != nil else {
            return try await database().read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM tickets WHERE idempotency_key LIKE ? ORDER BY id",
                                 arguments: ["lt-\(runID)-%"]).map { row in
                    let ticket = try Ticket(row: row)
                    return AuditedTicket(id: ticket.id, priority: ticket.priority, status: ticket.status, assignee: ticket.assignee,
                                         createdAt: ticket.createdAt, events: try db.storedEvents(of: ticket.id))
                }
            }
        }
        // Attached: no store file; each accepted ticket and its history through GET /api/v1/tickets/{id},
        // 16 requests at a time.
        let ids = lock.withLock { accepted.keys.sorted() }
        var found: [AuditedTicket] = []
        var problems: [String] = []
        await withTaskGroup(of: Result<AuditedTicket, ClusterError>.self) { group in
            var next = 0, inFlight = 0
            while next < ids.count || inFlight > 0 {
                while next < ids.count && inFlight < 16 {
                    let id = ids[next]
                    group.addTask { await self.fetchTicket(id) }
                    next += 1
                    inFlight += 1
                }
                inFlight -= 1
                switch await group.next() {
                case .success(let ticket): found.append(ticket)
                case .failure(let error): problems.append(error.description)
                case nil: break
                }
            }
        }
        if !problems.isEmpty {
            throw ClusterError("reading \(problems.count) tickets back through the API failed; first: \(problems[0])")
        }
        return found.sorted { $0.id < $1.id }
    }

    /// One ticket and its history from the attached coordinator's API (retried a few times).
    func fetchTicket(_ id: TicketID) async -> Result<AuditedTicket, ClusterError> {
        var request = URLRequest(url: URL(string: http + "/api/v1/tickets/\(id)")!)
        if let token { request.setValue("Bearer " + token, forHTTPHeaderField: "Authorization") }
        request.timeoutInterval = 10
        var last = "no answer"
        for attempt in 0..<5 {
            if attempt > 0 { try? await Task.sleep(for: .milliseconds(200 * attempt)) }
            guard let (data, response) = try? await session.data(for: request) else { continue }
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard status == 200 else {
                last = "HTTP \(status)"
                if status == 404 { break }
                continue
            }
            guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let priority = (object["priority"] as? String).flatMap(Priority.init(label:)),
                  let status = (object["status"] as? String).flatMap(TicketStatus.init(rawValue:)),
                  let created = (object["created_at"] as? NSNumber)?.int64Value,
                  let history = object["history"] as? [[String: Any]] else {
                return .failure(ClusterError("ticket \(id): the API's answer is not a ticket with its history"))
            }
            let events = history.compactMap { entry -> TicketEvent? in
                guard let kind = (entry["kind"] as? String).flatMap(TicketEventKind.init(rawValue:)), kind != .created,
                      let at = (entry["at"] as? NSNumber)?.int64Value else { return nil }
                let detail = (entry["detail"]).flatMap { try? JSONSerialization.data(withJSONObject: $0) }
                    .map { String(decoding: $0, as: UTF8.self) } ?? ""
                return TicketEvent(ticketID: id, at: at, actor: (entry["actor"] as? String) ?? "", kind: kind, detail: detail)
            }
            return .success(AuditedTicket(id: id, priority: priority, status: status, assignee: object["assignee"] as? String,
                                          createdAt: created, events: events))
        }
        return .failure(ClusterError("ticket \(id): \(last)"))
    }
}
