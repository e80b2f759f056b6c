import DeskAutomation
import DeskModel
import DeskStore
import Foundation
import Hummingbird

/// Macros, the outbox and the customer's view of a ticket.
extension HTTPAPI {
    func addAutomationRoutes(to router: Router<DeskRequestContext>, _ routes: RouteTable) {
        router.on(routes, .get, "/api/v1/macros", .requires(.macrosRead)) { _, _ in try await listMacros() }
        router.on(routes, .post, "/api/v1/macros", .requires(.macrosWrite)) { request, context in
            try await saveMacro(request, name: nil, by: context.principal)
        }
        router.on(routes, .put, "/api/v1/macros/{name}", .requires(.macrosWrite)) { request, context in
            try await saveMacro(request, name: context.parameters.get("name") ?? "", by: context.principal)
        }
        router.on(routes, .get, "/api/v1/macros/{name}", .requires(.macrosRead)) { _, context in
            try await showMacro(context.parameters.get("name") ?? "")
        }
        router.on(routes, .delete, "/api/v1/macros/{name}", .requires(.macrosWrite)) { _, context in
            try await removeMacro(context.parameters.get("name") ?? "", by: context.principal)
        }
        router.on(routes, .post, "/api/v1/tickets/{id}/messages", .requires(.ticketsReply)) { request, context in
            try await customerMessage(request, context.parameters.get("id") ?? "", context.principal)
        }
        router.on(routes, .get, "/api/v1/sla/policies", .requires(.slaRead)) { _, _ in TicketJSON.response(slaPoliciesJSON) }
        router.on(routes, .put, "/api/v1/sla/policies", .requires(.slaWrite)) { request, context in
            try await replacePolicies(request, by: context.principal)
        }
        router.on(routes, .delete, "/api/v1/sla/policies", .requires(.slaWrite)) { _, context in
            try await replacePolicies(nil, by: context.principal)
        }
        router.on(routes, .get, "/api/v1/outbox", .requires(.outbox)) { request, _ in try await outbox(request.uri.queryParameters) }
        router.on(routes, .post, "/api/v1/outbox/{id}/delivered", .requires(.outbox)) { _, context in
            try await delivered(context.parameters.get("id") ?? "")
        }
    }

    static func macroJSON(_ macro: MacroDefinition) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(macro)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    func listMacros() async throws -> Response {
        let macros = try await store.pool.read { db in try db.macros() }
        return TicketJSON.response("{\"macros\":[" + macros.map(Self.macroJSON).joined(separator: ",") + "]}")
    }

    func showMacro(_ name: String) async throws -> Response {
        guard let macro = try await store.pool.read({ db in try db.macro(named: name) }) else {
            throw APIError(.notFound, "macro '\(name)' not found")
        }
        return TicketJSON.response(Self.macroJSON(macro))
    }

    /// `POST /api/v1/macros` (name in the body) or `PUT /api/v1/macros/{name}`: checks the template and the
    /// actions, stores the macro, then tells the loop. 201 when new, 200 when replaced, 400 naming the problem.
    func saveMacro(_ request: Request, name: String?, by principal: Principal?) async throws -> Response {
        let (checked, created) = try await saveMacro(try await decodeBody(request, as: MacroBody.self, upTo: Self.maxRequestBytes),
                                                     name: name, by: principal)
        return TicketJSON.response(Self.macroJSON(checked.definition), status: created ? .created : .ok)
    }

    /// Checks, stores and audits a macro, then tells the loop: the macro, and whether it is new.
    func saveMacro(_ body: MacroBody, name: String?, by principal: Principal?) async throws -> (CheckedMacro, Bool) {
        var definition = body.macro(name: name)
        if let name {
            guard definition.name.isEmpty || definition.name == name else {
                throw APIError(.badRequest, "the body names macro '\(definition.name)' but the path names '\(name)'", field: "name")
            }
            definition.name = name
        }
        let checked: CheckedMacro
        do {
            checked = try CheckedMacro(definition)
        } catch {
            throw APIError(.badRequest, "macro '\(definition.name)': \(error)")
        }
        let now = currentMillis(), inputs = self.inputs, actor = Self.actor(principal)
        let created = try await store.writer.write { db in
            let before = try db.macro(named: checked.definition.name).map(Self.macroJSON)
            let created = try db.saveMacro(checked.definition, at: now)
            try db.audit(actor: actor, action: created ? "macro.create" : "macro.update", target: "macro \(checked.definition.name)",
                         before: before, after: Self.macroJSON(checked.definition), at: now)
            return created
        }
        inputs.yield(.macroSaved(checked))
        return (checked, created)
    }

    func removeMacro(_ name: String, by principal: Principal?) async throws -> Response {
        let now = currentMillis(), actor = Self.actor(principal)
        let removed = try await store.writer.write { db in
            guard let before = try db.macro(named: name), try db.removeMacro(named: name) else { return false }
            try db.audit(actor: actor, action: "macro.delete", target: "macro \(name)", before: Self.macroJSON(before), at: now)
            return true
        }
        guard removed else { throw APIError(.notFound, "macro '\(name)' not found") }
        inputs.yield(.macroRemoved(name))
        return Response(status: .noContent)
    }

    /// `GET /api/v1/outbox?pending=true&ticket=ID&after=ID&limit=N`: public replies (`kind` `reply`) and mail of
    /// no ticket (`sign_in_link`, `ticket_id` null) for the delivery channels.
    func outbox(_ query: Parameters) async throws -> Response {
        try Self.refuseUnknown(query, allowed: ["pending", "ticket", "after", "limit"])
        let pending = query.get("pending").map { $0 == "true" || $0 == "1" } ?? true
        let after = Int64(query.get("after") ?? "0") ?? -1
        guard after >= 0 else { throw APIError(.badRequest, "after must be an outbox id", field: "after") }
        guard let limit = Int(query.get("limit") ?? "100"), (1...1000).contains(limit) else {
            throw APIError(.badRequest, "limit must be 1 to 1000", field: "limit")
        }
        var ticket: TicketID?
        if let text = query.get("ticket"), !text.isEmpty {
            guard let id = TicketID(text), id > 0 else { throw APIError(.badRequest, "ticket must be a ticket id", field: "ticket") }
            ticket = id
        }
        let messages = try await store.pool.read { [ticket] db in try db.outbox(pending: pending, ticket: ticket, after: after, limit: limit) }
        // A reply's mail links to the customer's page of the request, where answering and confirming are
        // POSTs from the page (a link in a mail never acts by being opened).
        let base = linkBase.current
        let items = messages.map { m in
            let link = m.kind == .reply ? m.ticketID.map { JSONText.string("\(base)/portal/tickets/\($0)") } ?? "null" : "null"
            return "{\"id\":\(m.id),\"kind\":\"\(m.kind.rawValue)\",\"ticket_id\":\(m.ticketID.map(String.init) ?? "null"),\"to\":\(JSONText.string(m.recipient)),\"subject\":\(JSONText.string(m.subject)),"
                + "\"body\":\(JSONText.string(m.body)),\"link\":\(link),\"created_at\":\(m.createdAt),\"delivered_at\":\(m.deliveredAt.map(String.init) ?? "null")}"
        }
        return TicketJSON.response("{\"messages\":[" + items.joined(separator: ",") + "]}")
    }

    func delivered(_ idText: String) async throws -> Response {
        guard let id = Int64(idText), id > 0 else { throw APIError(.badRequest, "outbox id must be a positive number", field: "id") }
        let now = currentMillis()
        guard try await store.writer.write({ db in try db.markDelivered(id, at: now) }) else {
            throw APIError(.notFound, "outbox message \(id) not found")
        }
        return Response(status: .noContent)
    }

    /// `POST /api/v1/tickets/{id}/messages` `{"body": …}`: the customer's answer (from a delivery channel).
    /// A customer posts only on their own tickets (another's is `404`, as if absent).
    func customerMessage(_ request: Request, _ idText: String, _ principal: Principal?) async throws -> Response {
        guard let id = TicketID(idText), id > 0 else { throw APIError(.badRequest, "ticket id must be a positive number", field: "id") }
        try await refuseOthersTicket(id, principal)
        let message = try await decodeBody(request, as: CustomerMessage.self, upTo: Self.maxRequestBytes)
        let status = try await postCustomerMessage(id, message.body)
        return TicketJSON.response("{\"ticket\":\(id),\"status\":\"\(status.rawValue)\"}", status: .created)
    }

    /// A customer may act only on their own tickets: another's is `404`, as if absent.
    func refuseOthersTicket(_ id: TicketID, _ principal: Principal?) async throws {
        guard principal?.role == .customer else { return }
        let ticket = try await store.pool.read { db in try db.ticket(id) }
        guard let ticket, Self.reaches(principal, ticket) else { throw APIError(.notFound, "ticket \(id) not found") }
    }

    /// The customer's message on ticket `id` (checked: 1 to the body limit, no NUL), through the loop.
    func postCustomerMessage(_ id: TicketID, _ text: String) async throws -> TicketStatus {
        let body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty, body.count <= IntakeRequest.Limits.body else {
            throw APIError(.badRequest, "body must be 1 to \(IntakeRequest.Limits.body) characters", field: "body")
        }
        guard !body.containsNUL else { throw APIError(.badRequest, "body contains a NUL character (U+0000)", field: "body") }
        return try await withCheckedThrowingContinuation { continuation in
            if case .terminated = inputs.yield(.customerMessage(id, body, reply: { continuation.resume(with: $0) })) {
                continuation.resume(throwing: APIError(.serviceUnavailable, "the coordinator is shutting down"))
            }
        }
    }

    /// The SLA policies in force, in matching order, as a document `PUT` takes back unchanged.
    var slaPoliciesJSON: String { SLAPolicyDocument.render(slaPolicies.policies) }

    /// `PUT /api/v1/sla/policies`: the `sla:` section of the config file as JSON (calendars, policies,
    /// defaults). Checked like the file (400 naming the policy and the problem), stored, and in force once
    /// every open ticket's clock is rebuilt under it. `DELETE` goes back to the config's policies.
    func replacePolicies(_ request: Request?, by principal: Principal?) async throws -> Response {
        var text: String?
        if let request {
            let buffer: ByteBuffer
            do { buffer = try await request.body.collect(upTo: Self.maxRequestBytes) } catch {
                throw APIError(.contentTooLarge, "request body is over \(Self.maxRequestBytes) bytes")
            }
            text = String(buffer: buffer)
        }
        return TicketJSON.response(try await replacePolicies(document: text, by: principal))
    }

    /// Puts the policies of `document` (nil: the config's) in force, audited; the document now in force.
    func replacePolicies(document given: String?, by principal: Principal?) async throws -> String {
        let before = slaPoliciesJSON
        var policies: [SLAPolicy]?
        var document: String?
        if let text = given {
            do {
                policies = try SLAPolicyDocument.policies(text, targets: responseTargets)
            } catch let error as ConfigError {
                throw APIError(.badRequest, error.description)
            } catch {
                throw APIError.describing(error)
            }
            document = text
        }
        let _: Int = try await withCheckedThrowingContinuation { continuation in
            if case .terminated = inputs.yield(.slaPolicies(policies, document: document, reply: { continuation.resume(with: $0) })) {
                continuation.resume(throwing: APIError(.serviceUnavailable, "the coordinator is shutting down"))
            }
        }
        let now = currentMillis(), actor = Self.actor(principal), after = slaPoliciesJSON
        try await store.writer.write { db in
            try db.audit(actor: actor, action: given == nil ? "sla.reset" : "sla.replace", target: "sla policies",
                         before: before, after: after, at: now)
        }
        return after
    }

    /// `GET /api/v1/tickets/{id}/conversation`: what the customer sees — their message and the public
    /// replies. Internal notes, assignments, escalations and every other internal event are left out.
    func conversation(_ idText: String, _ principal: Principal?) async throws -> Response {
        guard let id = TicketID(idText), id > 0 else { throw APIError(.badRequest, "ticket id must be a positive number", field: "id") }
        let found = try await store.pool.read { db in
            try db.ticket(id).map { ($0, try db.outbox(pending: false, ticket: id, after: 0, limit: 10_000), try db.customerMessages(of: id)) }
        }
        guard let (ticket, replies, answers) = found, Self.reaches(principal, ticket) else {
            throw APIError(.notFound, "ticket \(id) not found")
        }
        var thread: [(at: Millis, from: String, body: String)] = [(ticket.createdAt, "customer", ticket.body)]
        thread += replies.map { ($0.createdAt, "support", $0.body) }
        thread += answers.map { ($0.at, "customer", $0.body) }
        let messages = thread.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map {
            "{\"from\":\"\($0.element.from)\",\"at\":\($0.element.at),\"body\":\(JSONText.string($0.element.body))}"
        }
        return TicketJSON.response("{\"id\":\(ticket.id),\"subject\":\(JSONText.string(ticket.subject)),"
                                   + "\"status\":\"\(ticket.status.rawValue)\",\"messages\":[" + messages.joined(separator: ",") + "]}")
    }
}

/// A customer's message as the API receives it.
struct CustomerMessage: Decodable {
    var body: String
}

/// A macro as the API receives it; `name` may come from the path instead.
struct MacroBody: Decodable {
    var name: String?
    var description: String?
    var reply: String?
    var actions: MacroActions?

    func macro(name pathName: String?) -> MacroDefinition {
        MacroDefinition(name: name ?? pathName ?? "", description: description ?? "", reply: reply ?? "",
                        actions: actions ?? MacroActions())
    }
}
