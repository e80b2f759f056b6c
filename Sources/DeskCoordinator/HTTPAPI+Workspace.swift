import DeskAgent
import DeskAutomation
import DeskModel
import DeskProtocol
import DeskStore
import Foundation
import HTTPTypes
import Hummingbird

/// The staff workspace: my tickets and my queues (`/work`), the ticket page with its actions
/// (`/work/tickets/{id}`), availability. Every action is a report on the person's lease through their desk
/// in the `WorkspaceGateway`: the agent protocol's rules, not a side door.
extension HTTPAPI {
    func addWorkspaceRoutes(to router: Router<DeskRequestContext>, _ routes: RouteTable) {
        router.on(routes, .get, "/work", .anyone) { request, context in try await workspace(request, context) }
        router.on(routes, .post, "/work/availability", .anyone) { request, context in try await availability(request, context) }
        router.on(routes, .get, "/work/tickets/{id}", .anyone) { request, context in
            // The live refresh (the page's script, `X-Desk-Live`) swaps only the live region: no related search for it.
            try await staffTicket(context, notice: Self.doneNotice(request.uri.queryParameters.get("done")),
                                  related: request.headers[HTTPField.Name("X-Desk-Live")!] == nil)
        }
        router.on(routes, .post, "/work/tickets/{id}/draft-article", .anyone) { request, context in
            let (found, redirect) = staffOnly(context)
            guard found != nil else { return redirect! }
            _ = try FormBody.fields(try await collect(request, upTo: 4_096), allowed: ["csrf"])
            do {
                let draft = try await makeDraft(fromTicket: context.parameters.get("id") ?? "", context.principal)
                return Self.redirect("/help/articles/\(draft.id)")
            } catch let error as APIError {
                return try await staffTicket(context, error: "No draft: " + Self.sentence(error.message), status: error.status)
            }
        }
        router.on(routes, .post, "/work/tickets/{id}", .anyone) { request, context in try await staffAction(request, context) }
    }

    /// Staff (agent, lead, admin) only: nil and the page to send others to.
    func staffOnly(_ context: DeskRequestContext) -> (Principal?, Response?) {
        guard let principal = context.principal else { return (nil, Self.redirect("/sign-in")) }
        guard principal.role != .customer else { return (nil, Self.redirect("/portal")) }
        return (principal, nil)
    }

    static func priorities(selected: String? = nil) -> [[String: Any]] {
        Priority.allCases.map { ["name": $0.label, "selected": $0.label == selected] }
    }

    /// A row of a ticket list: SLA countdown from the nearest due time, waiting time, customer, tier.
    static func row(_ ticket: Ticket, now: Millis) -> [String: Any] {
        var row: [String: Any] = ["id": ticket.id, "subject": ticket.subject, "priority": ticket.priority.label,
                                  "waiting": WebPages.span(now - ticket.createdAt), "requester": ticket.requester, "tier": ticket.tier]
        let due = [ticket.sla?.firstResponseDue, ticket.sla?.nextResponseDue, ticket.sla?.resolutionDue].compactMap { $0 }.min()
        if let due {
            let (text, cls) = WebPages.countdown(due: due, from: ticket.createdAt, now: now)
            row["due"] = due
            row["span"] = max(1, due - ticket.createdAt)
            row["dueText"] = text
            row["dueClass"] = cls
        }
        return row
    }

    /// `GET /work`: the person's tickets (their desk's leases) and the queue they can be given, filtered
    /// by priority, oldest or newest first. Opens their desk: from now on they are given tickets.
    func workspace(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let (found, redirect) = staffOnly(context)
        guard let principal = found else { return redirect! }
        let query = request.uri.queryParameters
        let runtime = try await gateway?.desk(for: principal)
        let heldIDs = runtime?.heldTickets().map(\.id) ?? []
        var search = TicketSearch()
        search.status = .pendingAssignment
        search.limit = 50
        search.newestFirst = query.get("sort") == "newest"
        search.priority = query.get("priority").flatMap { Priority(label: $0) }
        if principal.role == .agent { search.reach = TicketReach(agent: principal.name, skills: principal.skills.sorted(), tier: principal.tier) }
        let filter = search
        let (held, queue) = try await store.pool.read { db in
            (try heldIDs.compactMap { try db.ticket($0) }, try db.searchTickets(filter).tickets)
        }
        let now = currentMillis()
        let availability = runtime?.availability ?? (away: false, capacity: 5)
        let connected = runtime?.isConnected ?? false
        return Self.page(pages.render("workspace", title: "Workspace", [
            "who": who(context) as Any, "csrf": context.session?.csrf ?? "", "lead": principal.role != .agent,
            "mine": held.map { Self.row($0, now: now) }, "hasMine": !held.isEmpty,
            "queue": queue.map { Self.row($0, now: now) }, "hasQueue": !queue.isEmpty,
            "away": availability.away, "capacity": availability.capacity,
            "state": connected ? "on" : "off",
            "stateText": connected ? (availability.away ? "Online, away" : "Online, taking tickets") : "Not connected to the coordinator",
            "priorities": Self.priorities(selected: query.get("priority")), "newest": search.newestFirst,
        ]))
    }

    /// `POST /work/availability`: away (no new tickets, the open ones kept) or available, and capacity.
    func availability(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let (found, redirect) = staffOnly(context)
        guard let principal = found else { return redirect! }
        let fields = try FormBody.fields(try await collect(request, upTo: 16_384), allowed: ["csrf", "away", "capacity"])
        let runtime = try await gateway?.desk(for: principal)
        if let capacity = fields["capacity"].flatMap({ Int($0) }), (1...50).contains(capacity) { runtime?.setCapacity(capacity) }
        runtime?.setAway(fields["away"] == "yes")
        return Self.redirect("/work")
    }

    static func doneNotice(_ action: String?) -> String? {
        switch action {
        case "reply": "Reply sent."
        case "note": "Note added."
        case "macro": "Macro applied."
        case "status": "Status set."
        case "update": "Ticket changed."
        case "escalate": "Escalated: the ticket went to the higher tier's queue."
        case "release": "Released: the ticket went back to the queue."
        case "resolve": "Resolved."
        case "take": "The ticket is yours."
        default: nil
        }
    }

    /// `GET /work/tickets/{id}`: everything about the ticket for staff; its actions when the person holds it.
    func staffTicket(_ context: DeskRequestContext, notice: String? = nil, error: String? = nil, preview: (name: String, text: String, effects: String)? = nil,
                     status: HTTPResponse.Status = .ok, related: Bool = true) async throws -> Response {
        let (found, redirect) = staffOnly(context)
        guard let principal = found else { return redirect! }
        guard let id = TicketID(context.parameters.get("id") ?? ""), id > 0,
              let (ticket, history, macros) = try await store.pool.read({ db in
                  try db.ticket(id).map { ($0, try db.history(of: id), try db.macros()) }
              }), Self.reaches(principal, ticket) else {
            return Self.page(pages.render("not-found", title: "Not found", ["who": who(context) as Any]), status: .notFound)
        }
        let now = currentMillis()
        var messages: [(at: Millis, row: [String: Any])] = try await conversationThread(ticket).map { message in
            (message.at, ["from": message.from == "customer" ? ticket.requester : "Support", "kind": message.from == "customer" ? "customer" : "support",
                          "at": WebPages.time(message.at), "body": message.body, "note": false])
        }
        for event in history where event.kind == .noted {
            messages.append((event.at, ["from": event.actor, "kind": "note", "at": WebPages.time(event.at),
                                        "body": Self.detailText(event.detail, "body"), "note": true]))
        }
        let conversation = messages.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element.row)
        var clocks: [[String: Any]] = []
        for (name, due) in [("First response due", ticket.sla?.firstResponseDue), ("Next response due", ticket.sla?.nextResponseDue),
                            ("Resolution due", ticket.sla?.resolutionDue)] {
            guard let due else { continue }
            let (text, cls) = WebPages.countdown(due: due, from: ticket.createdAt, now: now)
            clocks.append(["name": name, "due": due, "span": max(1, due - ticket.createdAt), "dueText": text, "dueClass": cls, "at": WebPages.time(due)])
        }
        let epoch = gateway?.existing(principal.name)?.leaseEpoch(of: id)
        let mine = epoch != nil && ticket.assignee == principal.name
        var relatedPanel: [String: Any]?
        if related {
            let (answers, articles) = try await self.related(to: ticket)
            let resolvedWithAnswer = ticket.status == .resolved ? try await store.pool.read { db in try db.pastAnswer(id) != nil } : false
            relatedPanel = [
                "hasArticles": !articles.isEmpty, "hasAnswers": !answers.isEmpty, "canDraft": resolvedWithAnswer,
                "articles": articles.map { hit in
                    ["id": hit.article.id, "title": hit.article.title, "snippet": hit.snippet, "internal": hit.article.audience == "internal",
                     "linkable": mine && hit.article.audience == "public", "link": linkBase.current + "/help/articles/\(hit.article.id)"] as [String: Any]
                },
                "answers": answers.map { ["ticket": $0.ticketID, "question": $0.question, "answer": $0.answer] as [String: Any] },
            ]
        }
        return Self.page(pages.render("staff-ticket", title: "#\(id) \(ticket.subject)", [
            "who": who(context) as Any, "csrf": context.session?.csrf ?? "", "key": AccessSecret.random(), "epoch": epoch ?? 0,
            "id": id, "subject": ticket.subject, "status": ticket.status.rawValue.replacingOccurrences(of: "_", with: " "),
            "assignee": ticket.assignee ?? "nobody", "assigned": ticket.assignee != nil, "requester": ticket.requester,
            "priority": ticket.priority.label, "category": ticket.category.isEmpty ? "–" : ticket.category, "tier": ticket.tier,
            "tags": ticket.tags.isEmpty ? "–" : ticket.tags.joined(separator: ", "), "clocks": clocks, "messages": conversation,
            "history": history.map { ["at": WebPages.time($0.at), "kind": $0.kind.rawValue.replacingOccurrences(of: "_", with: " "), "actor": $0.actor,
                                      "detail": Self.historyDetail($0)] },
            "typeLabel": ticket.type.isEmpty ? false as Any : (ticketTypes.type(named: ticket.type)?.label ?? ticket.type) as Any,
            "typeFields": ticket.fields.keys.sorted().map { key in
                ["label": ticketTypes.type(named: ticket.type)?.fields.first { $0.name == key }?.label ?? key, "value": ticket.fields[key] ?? ""]
            },
            "historyCount": history.count, "mine": mine, "open": ticket.status.isOpen, "canTake": principal.role != .agent && gateway != nil,
            "macros": macros.map { ["name": $0.name, "description": $0.description, "selected": $0.name == preview?.name] },
            "preview": preview.map { ["name": $0.name, "text": $0.text.isEmpty ? "(no reply: this macro only changes the ticket)" : $0.text,
                                      "effects": $0.effects] } as Any,
            "priorities": Self.priorities(), "nextTier": min(3, ticket.tier + 1),
            "notice": notice as Any, "error": error as Any, "related": relatedPanel as Any,
        ]), status: status)
    }

    /// A string field of an event's detail JSON, or "".
    static func detailText(_ detail: String, _ field: String) -> String {
        guard let data = detail.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return "" }
        return object[field].map { "\($0)" } ?? ""
    }

    /// An event's detail in short words for the history (notes and replies by their first line).
    static func historyDetail(_ event: TicketEvent) -> String {
        guard let data = event.detail.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return "" }
        return object.keys.sorted().compactMap { key -> String? in
            guard let value = object[key] else { return nil }
            var text = value is [String: Any] || value is [Any]
                ? String(decoding: (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data(), as: UTF8.self) : "\(value)"
            if text.count > 80 { text = String(text.prefix(80)) + "…" }
            return "\(key): \(text)"
        }.joined(separator: " · ")
    }

    /// `POST /work/tickets/{id}`: one action, once per form (its key), on the lease the page was rendered
    /// under (its epoch). Done: back to the ticket page saying so. Refused: the page with why, `409`.
    func staffAction(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let (found, redirect) = staffOnly(context)
        guard let principal = found else { return redirect! }
        let id = try Self.ticketID(context.parameters.get("id") ?? "")
        let fields = try FormBody.fields(try await collect(request, upTo: Self.maxRequestBytes), allowed: [
            "csrf", "key", "epoch", "action", "body", "macro", "status", "tier", "reason", "resolution", "priority", "category",
            "add_tags", "remove_tags"])
        guard let gateway else { return try await staffTicket(context, error: "The workspace is not available on this coordinator.", status: .serviceUnavailable) }
        let action = fields["action"] ?? ""
        if action == "preview" { return try await previewMacro(fields["macro"] ?? "", ticket: id, context) }
        if action == "take" {
            guard principal.role != .agent else { return try await staffTicket(context, error: "Only a lead assigns tickets.", status: .forbidden) }
            _ = try await gateway.desk(for: principal)
            do {
                _ = try await ask { reply in .assign(id, agent: principal.name, force: true, actor: "user:\(principal.name)", reply: reply) }
            } catch let error as APIError {
                return try await staffTicket(context, error: "Not taken: " + Self.sentence(error.message), status: error.status)
            }
            return Self.redirect("/work/tickets/\(id)?done=take")
        }
        let report: WorkPlan.Report
        switch Self.report(action, fields) {
        case .success(let made): report = made
        case .failure(let problem): return try await staffTicket(context, error: Self.sentence(problem.message), status: .badRequest)
        }
        guard let key = fields["key"], !key.isEmpty, key.count <= 64 else {
            return try await staffTicket(context, error: "The form has no action key: reload the page.", status: .badRequest)
        }
        let epoch = fields["epoch"].flatMap { Int64($0) }
        switch try await gateway.act(principal, key: key, ticket: id, epoch: epoch, report) {
        case .success:
            if action == "reply" { await countLinkedArticles(in: fields["body"] ?? "", ticket: id, actor: principal.name) }
            return Self.redirect("/work/tickets/\(id)?done=\(action)")
        case .failure(let refusal) where [.staleLease, .unknownTicket].contains(refusal.code):
            return try await staffTicket(context, error: "Not done: ticket #\(id) is no longer yours, or its lease changed since you opened this page "
                                         + "(\(refusal.message)). Nothing was sent. The page now shows where it stands.", status: .conflict)
        case .failure(let refusal) where refusal.message == WorkspaceGateway.notYetAnswered.message:
            return try await staffTicket(context, error: Self.sentence(refusal.message), status: .accepted)
        case .failure(let refusal):
            return try await staffTicket(context, error: "Not done: " + Self.sentence(refusal.message), status: .conflict)
        }
    }

    /// The report a form asks for, checked for what the page can say clearly.
    static func report(_ action: String, _ fields: [String: String]) -> Result<WorkPlan.Report, APIError> {
        let text = { (name: String) in (fields[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        switch action {
        case "reply", "note":
            guard !text("body").isEmpty else { return .failure(APIError(.badRequest, "write the \(action) first", field: "body")) }
            return .success(action == "reply" ? .reply(body: text("body"), macro: "") : .note(text("body")))
        case "macro":
            guard !text("macro").isEmpty else { return .failure(APIError(.badRequest, "pick a macro", field: "macro")) }
            return .success(.applyMacro(text("macro")))
        case "status":
            guard let status = TicketStatus(rawValue: text("status")) else { return .failure(APIError(.badRequest, "pick a status", field: "status")) }
            return .success(.status(status))
        case "escalate":
            guard let tier = UInt32(text("tier")), (1...3).contains(tier) else { return .failure(APIError(.badRequest, "the tier is 1 to 3", field: "tier")) }
            return .success(.escalate(reason: text("reason").isEmpty ? "escalated from the workspace" : text("reason"), tier: tier, priority: nil))
        case "release":
            return .success(.release(reason: text("reason").isEmpty ? "released from the workspace" : text("reason")))
        case "resolve":
            return .success(.resolve(resolution: text("resolution").isEmpty ? "resolved" : text("resolution")))
        case "update":
            let tags = { (name: String) in text(name).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            let priority = text("priority").isEmpty ? nil : Priority(label: text("priority"))
            let category = text("category").isEmpty ? nil : text("category")
            guard priority != nil || category != nil || !tags("add_tags").isEmpty || !tags("remove_tags").isEmpty else {
                return .failure(APIError(.badRequest, "change at least one of priority, category or tags", field: "priority"))
            }
            return .success(.update(priority: priority, category: category, addTags: tags("add_tags"), removeTags: tags("remove_tags")))
        default:
            return .failure(APIError(.badRequest, "unknown action '\(action.prefix(32))'", field: "action"))
        }
    }

    /// The ticket page with the macro's reply rendered for this ticket and what else it will do, and the
    /// button that applies it.
    func previewMacro(_ name: String, ticket id: TicketID, _ context: DeskRequestContext) async throws -> Response {
        let found = try await store.pool.read { db in (try db.macro(named: name), try db.ticket(id)) }
        guard let definition = found.0, let ticket = found.1 else {
            return try await staffTicket(context, error: "Pick a macro to preview.", status: .badRequest)
        }
        let checked: CheckedMacro
        do { checked = try CheckedMacro(definition) } catch {
            return try await staffTicket(context, error: Self.sentence(error.description), status: .badRequest)
        }
        var effects: [String] = []
        let actions = definition.actions
        if let status = actions.status { effects.append("sets the status to \(status.rawValue.replacingOccurrences(of: "_", with: " "))") }
        if let priority = actions.priority { effects.append("sets the priority to \(priority.label)") }
        if let escalate = actions.escalate { effects.append("escalates to tier \(escalate.tier)") }
        if actions.resolve != nil { effects.append("resolves the ticket") }
        return try await staffTicket(context, preview: (name, checked.template.render(ticket: ticket, agent: context.principal?.name ?? ""),
                                                        effects.isEmpty ? "" : "It also " + effects.joined(separator: ", ") + "."))
    }
}
