import DeskModel
import DeskStore
import Foundation
import HTTPTypes
import Hummingbird

/// The web app's door: the sign-in page (staff by password, customers by e-mailed link), a staff home,
/// and the customer's "my requests". Plain HTML forms that work without JavaScript, served by Desk with
/// its stylesheet; the actions are the sign-in API's, so the same throttles, CSRF and sessions apply.
extension HTTPAPI {
    func addWebRoutes(to router: Router<DeskRequestContext>, _ routes: RouteTable) {
        router.on(routes, .get, "/", .anyone) { _, context in home(context) }
        router.on(routes, .get, "/sign-in", .anyone) { _, context in
            context.principal == nil ? Self.page(pages.render("sign-in", title: "Sign in")) : Self.redirect("/")
        }
        router.on(routes, .post, "/sign-in", .anyone) { request, context in try await signInPage(request, context) }
        router.on(routes, .post, "/sign-in/link", .anyone) { request, context in try await linkRequestPage(request, context) }
        router.on(routes, .get, "/portal", .anyone) { _, context in try await portal(context) }
        router.on(routes, .get, "/portal/new", .anyone) { request, context in
            newRequestPage(context, values: ["type": request.uri.queryParameters.get("type") ?? ""])
        }
        router.on(routes, .get, "/api/v1/ticket-types", .anyone) { _, _ in
            TicketJSON.response("{\"types\":" + String(decoding: try JSONEncoder().encode(ticketTypes.types), as: UTF8.self) + "}")
        }
        router.on(routes, .post, "/portal/new", .anyone) { request, context in try await submitRequest(request, context) }
        router.on(routes, .post, "/portal/deflect", .anyone) { request, context in try await deflect(request, context) }
        router.on(routes, .get, "/static/desk.css", .anyone) { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: WebPages.css + WebPages.workspaceCSS + WebPages.adminCSS + WebPages.helpCSS)))
        }
    }

    /// An HTML page: never cached (it shows who is signed in), never framed, no scripts or styles from
    /// elsewhere.
    static func page(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                                           .contentSecurityPolicy: "default-src 'self'; frame-ancestors 'none'",
                                           HTTPField.Name("X-Frame-Options")!: "DENY"],
                 body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// The signed-in person for the layout's header, with the CSRF token its sign-out form posts.
    func who(_ context: DeskRequestContext) -> [String: Any]? {
        guard let principal = context.principal else { return nil }
        return ["name": principal.name, "role": principal.role.rawValue, "csrf": context.session?.csrf ?? ""]
    }

    /// `GET /`: customers to their requests, staff to their home, everyone else to sign-in.
    func home(_ context: DeskRequestContext) -> Response {
        guard let principal = context.principal else { return Self.redirect("/sign-in") }
        if principal.role == .customer { return Self.redirect("/portal") }
        return Self.page(pages.render("home", title: "Home", ["who": who(context) as Any, "name": principal.name,
                                                                "role": principal.role.rawValue,
                                                                "lead": principal.role == .lead || principal.role == .admin,
                                                                "isAdmin": principal.holds(.usersManage)]))
    }

    /// `POST /sign-in` (the page's form: `login`, name or e-mail, and `password`): the session cookie and a
    /// `303` to `/`, or the page again with what went wrong next to the form.
    func signInPage(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        try refuseCrossSite(request)
        let fields = try FormBody.fields(try await collect(request, upTo: 16_384), allowed: ["login", "password"])
        let login = (fields["login"] ?? "").trimmingCharacters(in: .whitespaces)
        let body = login.contains("@") ? SignInBody(email: login, password: fields["password"])
            : SignInBody(name: login, password: fields["password"])
        do {
            let answer = try await signIn(body, context)
            var response = Self.redirect("/")
            response.headers[.setCookie] = answer.headers[.setCookie]
            return response
        } catch let error as APIError {
            var response = Self.page(pages.render("sign-in", title: "Sign in", ["error": Self.sentence(error.message), "login": login]), status: error.status)
            if let retryAfter = error.retryAfter { response.headers[.retryAfter] = "\(retryAfter)" }
            return response
        }
    }

    /// `POST /sign-in/link` (the page's form: `email`): the same answer whether or not the address is known.
    func linkRequestPage(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        try refuseCrossSite(request)
        let email = try FormBody.fields(try await collect(request, upTo: 16_384), allowed: ["email"])["email"]
        do {
            _ = try await requestLink(email: email, context)
            return Self.page(pages.render("link-sent", title: "Check your mail", ["email": email ?? ""]), status: .accepted)
        } catch let error as APIError {
            return Self.page(pages.render("sign-in", title: "Sign in", ["linkError": Self.sentence(error.message)]), status: error.status)
        }
    }

    /// `GET /portal`: a customer's requests, newest first, with where each stands in plain words.
    func portal(_ context: DeskRequestContext) async throws -> Response {
        guard let principal = context.principal else { return Self.redirect("/sign-in") }
        guard principal.role == .customer, let email = principal.email else { return Self.redirect("/") }
        var search = TicketSearch()
        search.requester = email.lowercased()
        search.newestFirst = true
        search.limit = 100
        let query = search
        let tickets = try await store.pool.read { db in try db.searchTickets(query).tickets }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        let rows: [[String: Any]] = tickets.map { ticket in
            ["id": ticket.id, "subject": ticket.subject, "status": WebPages.plainStatus(ticket.status.rawValue),
             "expected": (ticket.status.isOpen ? WebPages.expected(ticket) : nil) as Any,
             "opened": formatter.string(from: Date(timeIntervalSince1970: Double(ticket.createdAt) / 1000))]
        }
        return Self.page(pages.render("portal", title: "My requests", ["who": who(context) as Any, "tickets": rows,
                                                                         "hasTickets": !rows.isEmpty]))
    }

    /// `GET /portal/new`: the request form, for a signed-in customer (as themself) or anyone (with their
    /// e-mail address; the public intake's rate limits apply). First the kind of request (`?type=`), then
    /// that type's fields with the subject and description. Staff use the workspace and the API.
    func newRequestPage(_ context: DeskRequestContext, values: [String: String] = [:], errors: [String: String] = [:],
                        status: HTTPResponse.Status = .ok) -> Response {
        if let principal = context.principal, principal.role != .customer { return Self.redirect("/") }
        let type = ticketTypes.type(named: values["type"] ?? "")
        var page: [String: Any] = ["who": who(context) as Any, "signedIn": context.principal != nil,
                                   "csrf": context.session?.csrf ?? "", "key": values["idempotency_key"] ?? "portal-" + AccessSecret.random(),
                                   "error": !errors.isEmpty,
                                   "types": ticketTypes.types.map { ["name": $0.name, "label": $0.label, "description": $0.description,
                                                                      "selected": $0.name == type?.name] }]
        if let type {
            page["type"] = ["name": type.name, "label": type.label]
            page["typeFields"] = type.fields.map { field -> [String: Any] in
                let value = values["f_" + field.name] ?? ""
                return ["name": field.name, "label": field.label, "required": field.required, "help": field.help,
                        "textarea": field.kind == "textarea", "choice": field.kind == "choice", "text": field.kind == "text",
                        "value": value, "fieldError": errors["fields." + field.name] as Any,
                        "choices": field.choices.map { ["value": $0, "selected": $0 == value] }]
            }
        }
        for field in ["requester", "subject", "body", "draft"] {
            page[field] = values[field] ?? ""
            if let error = errors[field] { page[field + "Error"] = error }
        }
        return Self.page(pages.render("new-request", title: "New request", page), status: status)
    }

    /// `POST /portal/new`: checked as every channel's intake is (the type's fields too); a field at fault
    /// is named next to it and what was typed is kept. The hidden idempotency key makes a second send of
    /// the same form (a reload, a double click) the same ticket.
    func submitRequest(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        if let principal = context.principal, principal.role != .customer { return Self.redirect("/") }
        let typeFields = ticketTypes.types.flatMap { $0.fields.map { "f_" + $0.name } }
        let fields = try FormBody.fields(try await collect(request, upTo: Self.maxRequestBytes),
                                         allowed: Set(["csrf", "idempotency_key", "requester", "subject", "body", "type", "draft"] + typeFields))
        // A draft not yet offered suggestions (no script, or none while typing) gets them first, on a page of
        // their own; one that was (the draft field is set) goes on: the customer saw them and sends it.
        let draft = fields["draft"].flatMap { Self.isDraftID($0) ? $0 : nil }
        if draft == nil, let subject = fields["subject"], let body = fields["body"],
           !(subject + body).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, subject.utf8.count <= 1_000, body.utf8.count <= 100_000,
           case let (_, hits) = try await suggestions(subject: subject, body: body), !hits.isEmpty {
            let newDraft = "d-" + AccessSecret.random().prefix(24)
            try await recordSuggested(draft: newDraft, articles: hits.map(\.article.id), channel: "web", actor: context.principal?.name ?? "")
            metrics.kbSuggested.increment()
            var hidden = fields
            hidden["draft"] = newDraft
            return Self.page(pages.render("request-suggestions", title: "Before you send it", [
                "who": who(context) as Any, "subject": subject, "csrf": context.session?.csrf ?? "",
                "suggestions": hits.map { ["id": $0.article.id, "title": $0.article.title, "snippet": $0.snippet, "draft": newDraft] },
                "hidden": hidden.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] },
            ]))
        }
        let type = fields["type"].flatMap { $0.isEmpty ? nil : $0 }
        let given = type.map { name in
            Dictionary(uniqueKeysWithValues: (ticketTypes.type(named: name)?.fields ?? []).map { ($0.name, fields["f_" + $0.name] ?? "") })
        }
        let intake = IntakeRequest(subject: fields["subject"], body: fields["body"],
                                   requester: context.principal == nil ? (fields["requester"] ?? "") : nil,
                                   channel: "web", idempotencyKey: fields["idempotency_key"], type: type, fields: given)
        do {
            let (ticket, created) = try await createTicket(intake, context, offerToBot: draft == nil)
            if let draft, created {
                _ = try? await recordStep(FeedbackBody(outcome: "continued", draft: draft, ticketID: ticket.id),
                                          actor: context.principal?.name ?? "", channel: "web")
            }
            return Self.page(pages.render("request-received", title: "Request received",
                                          ["who": who(context) as Any, "signedIn": context.principal != nil, "id": ticket.id,
                                           "status": WebPages.plainStatus(ticket.status.rawValue)]), status: .created)
        } catch let error as APIError where error.status == .badRequest {
            let known = ["subject", "body", "requester"].contains(error.field ?? "") || (error.field ?? "").hasPrefix("fields.")
            return newRequestPage(context, values: fields, errors: [known ? error.field! : "subject": Self.sentence(error.message)], status: .badRequest)
        } catch let error as APIError {
            return newRequestPage(context, values: fields, errors: ["subject": Self.sentence(error.message)], status: error.status)
        }
    }

    /// `POST /portal/deflect` (`draft`, `article_id`): the customer says a suggested article solved their
    /// problem: a deflection is counted and no ticket is made.
    func deflect(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let fields = try FormBody.fields(try await collect(request, upTo: 4_096), allowed: ["csrf", "draft", "article_id"])
        let article = Int64(fields["article_id"] ?? "")
        do {
            _ = try await recordStep(FeedbackBody(outcome: "solved", draft: fields["draft"], articleID: article),
                                     actor: context.principal?.name ?? "", channel: "web")
        } catch let error as APIError {
            return Self.page(pages.render("not-found", title: "Not found", ["who": who(context) as Any]),
                             status: error.status == .conflict ? .conflict : .notFound)
        }
        var title: String?
        if let article { title = try await store.pool.read { db in try db.article(article) }?.title }
        return Self.page(pages.render("request-deflected", title: "Glad that helped",
                                      ["who": who(context) as Any, "id": article ?? 0, "title": title as Any]))
    }

    /// An error message as a sentence for a page: capitalised, with a full stop.
    static func sentence(_ message: String) -> String {
        let text = message.prefix(1).uppercased() + message.dropFirst()
        return text.hasSuffix(".") ? text : text + "."
    }
}
