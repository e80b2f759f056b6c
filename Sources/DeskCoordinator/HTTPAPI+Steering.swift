import DeskModel
import DeskStore
import Foundation
import Hummingbird

/// A lead's API: the agents, assigning and reassigning, changing and reopening tickets, and searching
/// the ticket list. What the loop owns (agents, leases, queues) is asked of the loop; see docs/LEADS.md.
extension HTTPAPI {
    func addSteeringRoutes(to router: Router<DeskRequestContext>, _ routes: RouteTable) {
        router.on(routes, .get, "/api/v1/agents", .requires(.agentsRead)) { request, _ in try await listAgents(request.uri.queryParameters) }
        router.on(routes, .post, "/api/v1/tickets/{id}/assign", .requires(.ticketsSteer)) { request, context in
            try await assignTicket(request, context.parameters.get("id") ?? "", actor: Self.historyActor(context.principal))
        }
        router.on(routes, .patch, "/api/v1/tickets/{id}", .requires(.ticketsSteer)) { request, context in
            try await updateTicket(request, context.parameters.get("id") ?? "", actor: Self.historyActor(context.principal))
        }
        router.on(routes, .post, "/api/v1/tickets/{id}/reopen", .requires(.ticketsSteer)) { request, context in
            try await reopenTicket(request, context.parameters.get("id") ?? "", actor: Self.historyActor(context.principal))
        }
    }

    /// How the history names the person behind a request: `user:NAME` (`api` without one).
    static func historyActor(_ principal: Principal?) -> String {
        principal.map { "user:" + $0.name } ?? "api"
    }

    /// Hands a request to the loop and waits for its answer.
    func ask<T: Sendable>(_ make: (@escaping @Sendable (Result<T, APIError>) -> Void) -> SteeringRequest) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            if case .terminated = inputs.yield(.steering(make { continuation.resume(with: $0) })) {
                continuation.resume(throwing: APIError(.serviceUnavailable, "the coordinator is shutting down"))
            }
        }
    }

    static func ticketID(_ text: String) throws -> TicketID {
        guard let id = TicketID(text), id > 0 else { throw APIError(.badRequest, "ticket id must be a positive number", field: "id") }
        return id
    }

    /// `GET /api/v1/agents`: every agent the loop knows (connected, away, or holding leases from before a
    /// restart) with its load, and the agents of the store that are not connected, as `disconnected`.
    func listAgents(_ query: Parameters) async throws -> Response {
        try Self.refuseUnknown(query, allowed: [])
        let live: [AgentSummary] = try await withCheckedThrowingContinuation { continuation in
            if case .terminated = inputs.yield(.steering(.agents(reply: { continuation.resume(returning: $0) }))) {
                continuation.resume(throwing: APIError(.serviceUnavailable, "the coordinator is shutting down"))
            }
        }
        let stored = try await store.pool.read { db in try db.agentRows() }
        var byName: [String: AgentSummary] = [:]
        for summary in live { byName[summary.profile.name] = summary }
        for profile in stored where byName[profile.name] == nil {
            byName[profile.name] = AgentSummary(profile: profile, load: 0, connected: false, away: false)
        }
        for profile in stored where byName[profile.name]?.connected == false && byName[profile.name]?.profile.capacity == 0 {
            // Known to the loop only by leases from before a restart: the stored profile says what it was.
            byName[profile.name]?.profile = profile
        }
        let items = byName.values.sorted { $0.profile.name < $1.profile.name }.map { agent in
            let state = !agent.connected ? "disconnected" : agent.away ? "away" : "connected"
            return "{\"name\":\(JSONText.string(agent.profile.name)),\"state\":\"\(state)\","
                + "\"skills\":\(JSONText.array(agent.profile.skills.sorted())),\"tier\":\(agent.profile.tier),"
                + "\"load\":\(agent.load),\"capacity\":\(agent.profile.capacity)}"
        }
        return TicketJSON.response("{\"agents\":[" + items.joined(separator: ",") + "]}")
    }

    /// `POST /api/v1/tickets/{id}/assign` `{"agent":"alice","force":false}`: a new lease for `agent`; the
    /// holder's lease ends (REVOKE). 200 with the lease and the one it ended.
    func assignTicket(_ request: Request, _ idText: String, actor: String) async throws -> Response {
        let id = try Self.ticketID(idText)
        let body = try await decodeBody(request, as: AssignBody.self, upTo: 4096)
        let agent = body.agent.trimmingCharacters(in: .whitespaces)
        guard !agent.isEmpty, agent.count <= 64 else { throw APIError(.badRequest, "agent must name an agent (1 to 64 characters)", field: "agent") }
        let force = body.force ?? false
        let outcome: AssignOutcome = try await ask { .assign(id, agent: agent, force: force, actor: actor, reply: $0) }
        let previous = outcome.previous.map { "{\"agent\":\(JSONText.string($0.agent)),\"epoch\":\($0.epoch)}" } ?? "null"
        return TicketJSON.response("{\"ticket\":\(id),\"agent\":\(JSONText.string(outcome.lease.agent)),\"epoch\":\(outcome.lease.epoch),"
                                   + "\"previous\":\(previous),\"unchanged\":\(outcome.unchanged)}")
    }

    /// `PATCH /api/v1/tickets/{id}` `{"priority","category","tier","add_tags","remove_tags"}`: changes an
    /// open ticket; a new category routes it again (the routing rules, with its text, as at intake).
    func updateTicket(_ request: Request, _ idText: String, actor: String) async throws -> Response {
        let id = try Self.ticketID(idText)
        let body = try await decodeBody(request, as: UpdateBody.self, upTo: 16_384)
        var change = TicketUpdate(id: id)
        change.actor = actor
        if let text = body.priority {
            guard let priority = Priority(label: text) else {
                throw APIError(.badRequest, "unknown priority '\(text.prefix(16))': expected P1, P2, P3 or P4", field: "priority")
            }
            change.priority = priority
        }
        if let tier = body.tier {
            guard (0...3).contains(tier) else { throw APIError(.badRequest, "tier must be 0 to 3, got \(tier)", field: "tier") }
            change.tier = tier
        }
        change.addTags = try Self.tags(body.addTags, field: "add_tags")
        change.removeTags = try Self.tags(body.removeTags, field: "remove_tags")
        if let text = body.category {
            let category = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard category.count <= IntakeRequest.Limits.category, !category.containsNUL else {
                throw APIError(.badRequest, "category must be at most \(IntakeRequest.Limits.category) characters", field: "category")
            }
            change.category = category
            // Routed again as at intake: the rules see the new category and the ticket's text.
            guard let ticket = try await store.pool.read({ db in try db.ticket(id) }) else {
                throw APIError(.notFound, "ticket \(id) not found")
            }
            let routed = routing.route(NewTicket(subject: ticket.subject, body: ticket.body, requester: ticket.requester,
                                                 priority: ticket.priority, category: category, channel: ticket.channel, tags: ticket.tags))
            change.skill = routed.skill
        }
        guard change.priority != nil || change.category != nil || change.tier != nil || !change.addTags.isEmpty || !change.removeTags.isEmpty else {
            throw APIError(.badRequest, "name at least one of priority, category, tier, add_tags, remove_tags")
        }
        let ticket: Ticket = try await ask { .update(change, reply: $0) }
        return TicketJSON.response(TicketJSON.ticket(ticket))
    }

    static func tags(_ tags: [String]?, field: String) throws -> [String] {
        let cleaned = (tags ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard cleaned.count <= IntakeRequest.Limits.tags,
              cleaned.allSatisfy({ !$0.isEmpty && $0.count <= IntakeRequest.Limits.tag && !$0.containsNUL }) else {
            throw APIError(.badRequest, "\(field): at most \(IntakeRequest.Limits.tags) tags of 1 to \(IntakeRequest.Limits.tag) characters",
                           field: field)
        }
        return cleaned
    }

    /// `POST /api/v1/tickets/{id}/reopen` `{"reason":"…"}`: a resolved ticket goes back to the queue.
    func reopenTicket(_ request: Request, _ idText: String, actor: String) async throws -> Response {
        let id = try Self.ticketID(idText)
        let body = try await decodeBody(request, as: ReopenBody.self, upTo: 16_384)
        let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 1000, !reason.containsNUL else {
            throw APIError(.badRequest, "reason must be 1 to 1000 characters", field: "reason")
        }
        let ticket: Ticket = try await ask { .reopen(id, reason: reason, actor: actor, reply: $0) }
        return TicketJSON.response(TicketJSON.ticket(ticket))
    }

    /// `GET /api/v1/tickets`: filters `status`, `priority`, `agent`, `requester`, `category`, `tier`, `tag`,
    /// `q` (text in subject or body), `sort=oldest|newest`, `limit`, `cursor` (the `next_cursor` of the page
    /// before). `tier`, `tag` and `q` are tested row by row over at most 10,000 rows a page (see `TicketSearch`).
    /// A customer lists only their own tickets (`requester` is theirs, or absent); an agent those of their
    /// queues and leases; a lead or admin every ticket.
    func listTickets(_ query: Parameters, _ principal: Principal?) async throws -> Response {
        try Self.refuseUnknown(query, allowed: ["status", "priority", "agent", "requester", "category", "tier", "tag", "q", "sort",
                                                "limit", "cursor"])
        func value(_ name: String) -> String? { query.get(name).flatMap { $0.isEmpty ? nil : $0 } }
        var search = TicketSearch()
        if let text = value("status") {
            guard let parsed = TicketStatus(rawValue: text) else { throw APIError(.badRequest, "unknown status '\(text.prefix(32))'", field: "status") }
            search.status = parsed
        }
        if let text = value("priority") {
            guard let parsed = Priority(label: text) else {
                throw APIError(.badRequest, "unknown priority '\(text.prefix(16))': expected P1, P2, P3 or P4", field: "priority")
            }
            search.priority = parsed
        }
        search.agent = value("agent")
        search.requester = value("requester")
        search.category = value("category")?.lowercased()
        if let text = value("tier") {
            guard let tier = Int(text), (0...3).contains(tier) else { throw APIError(.badRequest, "tier must be 0 to 3", field: "tier") }
            search.tier = tier
        }
        search.tag = value("tag")
        if let text = value("q") {
            guard text.count <= 200 else { throw APIError(.badRequest, "q is at most 200 characters", field: "q") }
            search.text = text
        }
        switch value("sort") ?? "oldest" {
        case "oldest": search.newestFirst = false
        case "newest": search.newestFirst = true
        default: throw APIError(.badRequest, "sort must be oldest or newest", field: "sort")
        }
        guard let limit = Int(query.get("limit") ?? "50"), (1...500).contains(limit) else {
            throw APIError(.badRequest, "limit must be 1 to 500", field: "limit")
        }
        search.limit = limit
        if let text = value("cursor") {
            guard let parsed = TicketID(text) else { throw APIError(.badRequest, "cursor must be a ticket id", field: "cursor") }
            search.cursor = parsed
        }
        switch principal?.role {
        case .customer?:
            guard let email = principal?.email else { return TicketJSON.response(TicketJSON.page([], next: nil)) }
            if let requester = search.requester, !Principal.sameAddress(requester, email) {
                throw APIError(.forbidden, "a customer lists only their own tickets (requester \(email))", field: "requester")
            }
            search.requester = email.lowercased()
        case .agent?:
            if let principal { search.reach = TicketReach(agent: principal.name, skills: principal.skills.sorted(), tier: principal.tier) }
        default:
            break
        }
        let found = try await store.pool.read { [search] db in try db.searchTickets(search) }
        return TicketJSON.response(TicketJSON.page(found.tickets, next: found.next))
    }
}

/// `POST /api/v1/tickets/{id}/assign`'s body.
struct AssignBody: Decodable {
    var agent: String
    /// Assign even to an agent lacking the skill or tier, away, or at capacity.
    var force: Bool?
}

/// `PATCH /api/v1/tickets/{id}`'s body: only the fields present change.
struct UpdateBody: Decodable {
    var priority: String?
    var category: String?
    var tier: Int?
    var addTags: [String]?
    var removeTags: [String]?

    enum CodingKeys: String, CodingKey {
        case priority, category, tier
        case addTags = "add_tags"
        case removeTags = "remove_tags"
    }
}

/// `POST /api/v1/tickets/{id}/reopen`'s body.
struct ReopenBody: Decodable {
    var reason: String
}
