import DeskModel
import DeskStore
import Foundation
import Hummingbird

/// The customer's side of a ticket: the conversation (their messages and the public replies, never an
/// internal note), answering, and confirming a resolution or saying it is not solved; as a page of the
/// portal and as `POST /api/v1/tickets/{id}/confirm`.
extension HTTPAPI {
    func addPortalRoutes(to router: Router<DeskRequestContext>, _ routes: RouteTable) {
        router.on(routes, .post, "/api/v1/tickets/{id}/confirm", .requires(.ticketsReply)) { request, context in
            let id = try Self.ticketID(context.parameters.get("id") ?? "")
            try await refuseOthersTicket(id, context.principal)
            let answer = try await decodeBody(request, as: ConfirmationBody.self, upTo: Self.maxRequestBytes)
            let status = try await confirm(id, solved: answer.solved, comment: answer.comment)
            return TicketJSON.response("{\"ticket\":\(id),\"status\":\"\(status.rawValue)\"}")
        }
        router.on(routes, .get, "/portal/tickets/{id}", .anyone) { _, context in try await portalTicket(context) }
        router.on(routes, .post, "/portal/tickets/{id}/reply", .anyone) { request, context in
            try await portalAction(request, context, allowed: ["csrf", "body"]) { id, fields in
                _ = try await postCustomerMessage(id, fields["body"] ?? "")
                return "Your message is on the request."
            }
        }
        router.on(routes, .post, "/portal/tickets/{id}/confirm", .anyone) { request, context in
            try await portalAction(request, context, allowed: ["csrf", "solved", "comment"]) { id, fields in
                let solved = fields["solved"] == "yes"
                _ = try await confirm(id, solved: solved, comment: fields["comment"])
                return solved ? "Thank you: the request is resolved." : "We are on it again: your request is back with our team."
            }
        }
    }

    /// Solved: resolved by the customer. Not solved: their words (or "Not solved.") as a message, which
    /// puts the ticket back in progress.
    func confirm(_ id: TicketID, solved: Bool, comment: String?) async throws -> TicketStatus {
        let status: TicketStatus
        if !solved {
            let text = (comment ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            status = try await postCustomerMessage(id, text.isEmpty ? "Not solved." : "Not solved: " + text)
        } else {
            status = try await withCheckedThrowingContinuation { continuation in
                if case .terminated = inputs.yield(.customerConfirmed(id, reply: { continuation.resume(with: $0) })) {
                    continuation.resume(throwing: APIError(.serviceUnavailable, "the coordinator is shutting down"))
                }
            }
        }
        try await countBotOutcome(id, solved: solved)
        return status
    }

    /// The customer's answer to a knowledge-bot reply counts for the bot's resolution rate: once per ticket.
    func countBotOutcome(_ id: TicketID, solved: Bool) async throws {
        let kind = solved ? "bot_solved" : "bot_continued"
        let now = currentMillis()
        let counted = try await store.writer.write { db in try db.recordBotOutcome(id, kind, at: now) }
        if counted { (solved ? metrics.kbBotSolved : metrics.kbBotContinued).increment() }
    }

    /// The conversation of a ticket as the customer sees it, oldest first.
    func conversationThread(_ ticket: Ticket) async throws -> [(at: Millis, from: String, body: String)] {
        let id = ticket.id
        let (replies, answers) = try await store.pool.read { db in
            (try db.outbox(pending: false, ticket: id, after: 0, limit: 10_000), try db.customerMessages(of: id))
        }
        var thread: [(at: Millis, from: String, body: String)] = [(ticket.createdAt, "customer", ticket.body)]
        thread += replies.filter { $0.kind == .reply }.map { ($0.createdAt, "support", $0.body) }
        thread += answers.map { ($0.at, "customer", $0.body) }
        return thread.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }

    /// `GET /portal/tickets/{id}`: the customer's request, its conversation and what they can do now.
    func portalTicket(_ context: DeskRequestContext, notice: String? = nil, error: String? = nil,
                      status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let principal = context.principal else { return Self.redirect("/sign-in") }
        guard principal.role == .customer else { return Self.redirect("/work/tickets/\(context.parameters.get("id") ?? "")") }
        guard let id = TicketID(context.parameters.get("id") ?? ""), id > 0,
              let ticket = try await store.pool.read({ db in try db.ticket(id) }), Self.reaches(principal, ticket) else {
            return Self.page(pages.render("not-found", title: "Not found", ["who": who(context) as Any]), status: .notFound)
        }
        let thread = try await conversationThread(ticket).map { message -> [String: Any] in
            ["from": message.from == "customer" ? "You" : "Support", "support": message.from == "support",
             "at": WebPages.time(message.at), "body": message.body]
        }
        let open = ticket.status.isOpen
        return Self.page(pages.render("portal-ticket", title: "Request #\(id)", [
            "who": who(context) as Any, "csrf": context.session?.csrf ?? "", "id": id, "subject": ticket.subject,
            "status": WebPages.plainStatus(ticket.status.rawValue), "messages": thread, "notice": notice as Any, "error": error as Any,
            "confirm": ticket.status == .pendingConfirmation, "canReply": open,
            "expected": open ? WebPages.expected(ticket) as Any : false,
        ]), status: status)
    }

    /// A form posted on the customer's ticket page: their own ticket only, the session's CSRF token (the
    /// access middleware checks it), then the ticket page again with what happened.
    func portalAction(_ request: Request, _ context: DeskRequestContext, allowed: Set<String>,
                      _ act: (TicketID, [String: String]) async throws -> String) async throws -> Response {
        guard let principal = context.principal else { return Self.redirect("/sign-in") }
        guard principal.role == .customer else { return Self.redirect("/") }
        let id = try Self.ticketID(context.parameters.get("id") ?? "")
        let fields = try FormBody.fields(try await collect(request, upTo: Self.maxRequestBytes), allowed: allowed)
        do {
            try await refuseOthersTicket(id, principal)
            let notice = try await act(id, fields)
            return try await portalTicket(context, notice: notice)
        } catch let error as APIError where error.status == .notFound {
            return Self.page(pages.render("not-found", title: "Not found", ["who": who(context) as Any]), status: .notFound)
        } catch let error as APIError {
            return try await portalTicket(context, error: Self.sentence(error.message), status: error.status)
        }
    }
}

/// `{"solved": true}`, or `{"solved": false, "comment": "…"}`.
struct ConfirmationBody: Decodable {
    var solved: Bool
    var comment: String?
}
