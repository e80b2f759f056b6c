import DeskModel
import DeskProtocol
import Foundation

/// The console's read-only commands: help, my tickets, the queue, a ticket's details, the macros.
extension StaffConsole {
    /// Column widths of `tickets`: ID, PRI, TIER, CATEGORY, SLA; the subject follows.
    static let ticketWidths = [7, 3, 4, 12, 26]
    /// Column widths of `queue`: ID, PRI, TIER, SKILL, WAITING; the subject follows.
    static let queueWidths = [7, 3, 4, 14, 8]

    func help(_ topic: String?) {
        if let topic, let entry = Self.commands.first(where: { $0.name == topic.lowercased() }) {
            say("\(entry.help.usage)\n    \(entry.help.summary)")
            return
        }
        var lines = ["Commands (#ID is optional: without it a command acts on the current ticket):"]
        for (_, help) in Self.commands {  // a usage wider than its column puts the summary under the column
            lines.append(help.usage.count <= 44 ? "  " + TicketTable.pad(help.usage, 44) + " " + help.summary
                         : "  " + help.usage + "\n" + String(repeating: " ", count: 47) + help.summary)
        }
        say(lines.joined(separator: "\n"))
    }

    func listTickets() async {
        let held = runtime?.heldTickets() ?? []
        guard !held.isEmpty else {
            say("no open tickets")
            return
        }
        let current = lock.withLock {
            book.sync(held.map(\.id))
            return book.current
        }
        var sla: [TicketID: String] = [:]
        for (id, _) in held { sla[id] = await slaSummary(id) }
        say(Self.ticketRows(held, current: current, sla: sla).joined(separator: "\n"))
    }

    /// The `tickets` table: a header, then one line per held ticket, `*` before the current one.
    static func ticketRows(_ held: [(id: TicketID, view: WireTicketView?)], current: TicketID?,
                           sla: [TicketID: String]) -> [String] {
        var lines = ["   " + TableText.row(["ID", "PRI", "TIER", "CATEGORY", "SLA"], widths: ticketWidths, last: "SUBJECT")]
        for (id, view) in held {
            let cells = ["#\(id)", view.flatMap { Priority(wire: $0.priority)?.label } ?? "?", "\(view?.tier ?? 0)",
                         view?.category ?? "", sla[id] ?? "-"]
            lines.append((id == current ? " * " : "   ") + TableText.row(cells, widths: ticketWidths, last: view?.subject ?? ""))
        }
        return lines
    }

    /// `queue`: the open tickets nobody holds yet, oldest first, from the API.
    func listQueue(limit: Int) async throws {
        guard let api else { throw ConsoleError("start the console with --api to see the queue") }
        let page = try await api.request("GET", "/api/v1/tickets?status=pending_assignment&limit=\(limit)").object()
        let tickets = page["tickets"] as? [[String: Any]] ?? []
        guard !tickets.isEmpty else {
            say("the queue is empty")
            return
        }
        var lines = Self.queueRows(tickets, now: Date())
        if let next = page["next_cursor"], !(next is NSNull) { lines.append("(more waiting; 'queue \(min(500, limit * 2))' lists more)") }
        say(lines.joined(separator: "\n"))
    }

    /// `take #ID`: asks the coordinator to assign the ticket to this agent (the lead's assignment, for
    /// oneself: a new lease; whoever held it is revoked), then waits for its ASSIGN on the agent channel and
    /// makes it current. Refusals (skill, tier, capacity, resolved) come from the API, named.
    func take(_ id: TicketID) async throws {
        guard let api else { throw ConsoleError("start the console with --api to take tickets from the queue") }
        let body = try JSONSerialization.data(withJSONObject: ["agent": name])
        _ = try await api.request("POST", "/api/v1/tickets/\(id)/assign", body: body).object()
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let held = heldIDs()
            if held.contains(id) {
                lock.withLock { book.sync(held); _ = book.use(id) }
                say("took #\(id); current ticket: #\(id)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ConsoleError("#\(id) is assigned to you, but its ASSIGN has not arrived within 10 s; 'tickets' lists it once it does")
    }

    /// The `queue` table from the API's ticket objects: how long each has waited since it was created.
    static func queueRows(_ tickets: [[String: Any]], now: Date) -> [String] {
        var lines = ["   " + TableText.row(["ID", "PRI", "TIER", "SKILL", "WAITING"], widths: queueWidths, last: "SUBJECT")]
        for ticket in tickets {
            let created = (ticket["created_at"] as? NSNumber).map { $0.doubleValue / 1000 } ?? now.timeIntervalSince1970
            let skill = (ticket["pool"] as? String).flatMap { $0.isEmpty ? nil : "bots:" + $0 } ?? (ticket["skill"] as? String ?? "")
            let cells = ["#\(ticket["id"] ?? "?")", ticket["priority"] as? String ?? "?", "\(ticket["tier"] ?? "?")",
                         skill.isEmpty ? "-" : skill, TicketTable.duration(max(0, now.timeIntervalSince1970 - created))]
            lines.append("   " + TableText.row(cells, widths: queueWidths, last: ticket["subject"] as? String ?? ""))
        }
        return lines
    }

    /// The nearest SLA due time of a ticket, from the API: "reply due in 12m", "overdue by 3m", or "-".
    func slaSummary(_ id: TicketID) async -> String {
        guard let api, let ticket = try? await api.request("GET", "/api/v1/tickets/\(id)").object(),
              let sla = ticket["sla"] as? [String: Any] else { return "-" }
        let candidates: [(String, Double)] = [("first reply", "first_response_due"), ("next reply", "next_response_due"),
                                              ("resolve", "resolution_due")].compactMap { label, key in
            (sla[key] as? NSNumber).map { (label, $0.doubleValue) }
        }
        guard let nearest = candidates.min(by: { $0.1 < $1.1 }) else { return "paused or met" }
        return nearest.0 + " " + TicketTable.dueText(NSNumber(value: nearest.1), open: true)
    }

    func show(_ id: TicketID) async throws {
        guard let api else {
            guard let view = runtime?.heldTickets().first(where: { $0.id == id })?.view else {
                throw ConsoleError("ticket #\(id) is not yours, and without --api the console cannot fetch it")
            }
            say("ticket #\(id)  \(Priority(wire: view.priority)?.label ?? "?")\nsubject:   \(view.subject)\n"
                + "requester: \(view.requester)\n\(view.body)\n(start the console with --api to see the history)")
            return
        }
        let object = try await api.request("GET", "/api/v1/tickets/\(id)").object()
        var text = TicketTable.ticket(object, history: true)
        if let body = object["body"] as? String { text += "\nmessage:\n  " + body.replacingOccurrences(of: "\n", with: "\n  ") }
        say(text)
    }

    func listMacros() async throws {
        guard let api else { throw ConsoleError("start the console with --api to list macros") }
        let macros = try await api.request("GET", "/api/v1/macros").object()["macros"] as? [[String: Any]] ?? []
        guard !macros.isEmpty else {
            say("no macros stored")
            return
        }
        say(macros.map { "  " + TableText.cell($0["name"] as? String ?? "", 24) + " " + TableText.cut($0["description"] as? String ?? "", 70) }
            .joined(separator: "\n"))
    }
}
