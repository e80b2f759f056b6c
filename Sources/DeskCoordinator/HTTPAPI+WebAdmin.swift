import DeskAgent
import DeskAutomation
import DeskModel
import DeskStore
import Foundation
import HTTPTypes
import Hummingbird
import ZeroMQ

/// The admin pages (role admin): people and roles, API tokens, agent keys, macros, SLA policies and the
/// audit log. Each action is the JSON API's own function (`createUser`, `createToken`, `saveMacro`,
/// `replacePolicies`, …), so the checks, the refusals' words and the audit entries are the API's; the
/// pages add forms, the field at fault named next to it with what was typed kept, and a notice after
/// each change (POST, then a redirect to the list). Secrets (a token's, a generated agent key file) are
/// shown once, in the answer to the POST that made them, never in a URL or a log.
extension HTTPAPI {
    func addAdminPages(to router: Router<DeskRequestContext>, _ routes: RouteTable) {
        onPage(router, routes, .get, "/admin", .usersManage) { _, context in adminIndex(context) }
        onPage(router, routes, .get, "/admin/people", .usersManage) { request, context in
            try await peoplePage(context, notice: Self.notice(request))
        }
        onPage(router, routes, .post, "/admin/people", .usersManage) { request, context in try await createPersonPage(request, context) }
        onPage(router, routes, .get, "/admin/people/edit", .usersManage) { request, context in
            try await personPage(request.uri.queryParameters.get("name") ?? "", context, notice: Self.notice(request))
        }
        onPage(router, routes, .post, "/admin/people/edit", .usersManage) { request, context in try await updatePersonPage(request, context) }
        onPage(router, routes, .get, "/admin/tokens", .tokensManage) { request, context in
            try await tokensPage(context, notice: Self.notice(request))
        }
        onPage(router, routes, .post, "/admin/tokens", .tokensManage) { request, context in try await createTokenPage(request, context) }
        onPage(router, routes, .post, "/admin/tokens/revoke", .tokensManage) { request, context in try await revokeTokenPage(request, context) }
        onPage(router, routes, .get, "/admin/agent-keys", .agentKeysManage) { request, context in
            try await agentKeysPage(context, notice: Self.notice(request))
        }
        onPage(router, routes, .post, "/admin/agent-keys", .agentKeysManage) { request, context in try await addAgentKeyPage(request, context) }
        onPage(router, routes, .post, "/admin/agent-keys/revoke", .agentKeysManage) { request, context in
            try await revokeAgentKeyPage(request, context)
        }
        onPage(router, routes, .get, "/admin/macros", .macrosWrite) { request, context in
            try await macrosPage(context, notice: Self.notice(request))
        }
        onPage(router, routes, .get, "/admin/macros/edit", .macrosWrite) { request, context in
            try await macroEditor(request.uri.queryParameters.get("name"), context)
        }
        onPage(router, routes, .post, "/admin/macros/edit", .macrosWrite) { request, context in try await saveMacroPage(request, context) }
        onPage(router, routes, .post, "/admin/macros/delete", .macrosWrite) { request, context in try await deleteMacroPage(request, context) }
        onPage(router, routes, .get, "/admin/sla", .slaWrite) { request, context in slaPage(context, notice: Self.notice(request)) }
        onPage(router, routes, .post, "/admin/sla", .slaWrite) { request, context in try await saveSLAPage(request, context) }
        onPage(router, routes, .get, "/admin/audit", .auditRead) { request, context in try await auditPage(request.uri.queryParameters, context) }
        addArticleEditor(to: router, routes)
    }

    /// A page route for holders of `permission` (`RouteAccess.page`): without a credential a redirect to
    /// sign-in, without the permission a `403` page naming it. A refusal the handler throws (a form with an
    /// unknown field, say) is a page too, not JSON.
    func onPage(_ router: Router<DeskRequestContext>, _ routes: RouteTable, _ method: HTTPRequest.Method, _ path: String,
                _ permission: Permission, use handler: @escaping @Sendable (Request, DeskRequestContext) async throws -> Response) {
        let access = RouteAccess.page(permission)
        routes.record(method, path, access)
        router.on(RouterPath(path), method: method) { request, context in
            do {
                try access.check(context.principal)
            } catch let error as APIError where error.status == .unauthorized {
                return Self.redirect("/sign-in")
            } catch let error as APIError {
                return Self.page(pages.render("admin-refused", title: "Not allowed", ["who": who(context) as Any, "message": error.message]),
                                 status: error.status)
            }
            do {
                return try await handler(request, context)
            } catch let error as APIError {
                var page = adminContext(context, section: "")
                page["message"] = Self.sentence(error.message)
                page["back"] = "/" + path.split(separator: "/").prefix(2).joined(separator: "/")  // the section's page
                return Self.page(pages.render("admin-problem", title: "Not done", page), status: error.status)
            }
        }
    }

    // MARK: Shared parts

    static let adminSections: [(href: String, label: String)] = [
        ("/admin/people", "People and roles"), ("/admin/tokens", "API tokens"), ("/admin/agent-keys", "Agent keys"),
        ("/admin/macros", "Macros"), ("/admin/sla", "SLA policies"), ("/admin/articles", "Knowledge base"), ("/admin/audit", "Audit log"),
    ]

    /// What every admin page has: who is signed in, the CSRF token, the sections' links.
    func adminContext(_ context: DeskRequestContext, section: String, notice: String? = nil, problem: String? = nil) -> [String: Any] {
        ["who": who(context) as Any, "csrf": context.session?.csrf ?? "",
         "nav": Self.adminSections.map { ["href": $0.href, "label": $0.label, "current": $0.href == section] as [String: Any] },
         // An absent value is `false`: Mustache writes a nil inside `Any` as "nil".
         "notice": notice as Any? ?? false, "problem": problem as Any? ?? false]
    }

    /// One form field for the partials: every key present (see `WebPages.adminTemplates`).
    static func field(_ form: String, _ name: String, _ label: String, value: String = "", errors: [String: String] = [:],
                      type: String = "text", help: String? = nil, autocomplete: String? = nil, rows: Int = 4) -> [String: Any] {
        ["id": "\(form)-\(name)", "name": name, "label": label, "value": value, "type": type, "rows": rows,
         "error": errors[name] as Any? ?? false, "help": help as Any? ?? false, "autocomplete": autocomplete as Any? ?? false]
    }

    static func select(_ form: String, _ name: String, _ label: String, options: [(value: String, text: String)], selected: String,
                       errors: [String: String] = [:]) -> [String: Any] {
        ["id": "\(form)-\(name)", "name": name, "label": label, "error": errors[name] as Any? ?? false,
         "options": options.map { ["value": $0.value, "text": $0.text, "selected": $0.value == selected] as [String: Any] }]
    }

    static let roleOptions = Role.allCases.map { (value: $0.rawValue, text: $0.rawValue) }
    static let tierOptions = (0...3).map { (value: "\($0)", text: $0 == 0 ? "0 (bots)" : "\($0)") }

    /// `2026-03-01 14:05` (UTC), or `never`.
    static func when(_ millis: Millis?, never: String = "never") -> String {
        guard let millis else { return never }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }

    /// `1 token`, `3 tokens`.
    static func count(_ number: Int, _ one: String, _ many: String) -> String { "\(number) " + (number == 1 ? one : many) }

    /// A value for a URL's query.
    static func query(_ value: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&+=#")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// The notice a redirect after a change asks for (`?done=…&name=…`): fixed sentences, a name in them.
    static func notice(_ request: Request) -> String? {
        let query = request.uri.queryParameters
        let name = String(query.get("name")?.prefix(80) ?? "")
        switch query.get("done") {
        case "person-created": return "\(name) was added."
        case "person-saved": return "The changes to \(name) were saved."
        case "person-disabled": return "\(name) is disabled."
        case "person-enabled": return "\(name) is enabled again."
        case "token-revoked": return "The token \(name) is revoked: it stops working within 5 seconds."
        case "key-revoked": return "The agent key \(name) is revoked: new connections with it are refused."
        case "macro-saved": return "The macro \(name) was saved."
        case "macro-deleted": return "The macro \(name) was deleted."
        case "article-saved": return "The article \(name) was saved."
        case "article-unchanged": return "Nothing changed in \(name)."
        case "sla-saved": return "The SLA policies were saved and are in force."
        case "sla-reset": return "The config file's SLA policies are in force again."
        default: return nil
        }
    }

    /// A form's fields (the CSRF token was checked by `AccessMiddleware`).
    func adminForm(_ request: Request, allowed: Set<String>, upTo limit: Int = 65_536) async throws -> [String: String] {
        try FormBody.fields(try await collect(request, upTo: limit), allowed: allowed.union(["csrf"]))
    }

    /// A non-empty trimmed value, or nil.
    static func given(_ value: String?) -> String? {
        guard let text = value?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }

    /// `a, b ,c` as `["a", "b", "c"]`.
    static func list(_ value: String?) -> [String] {
        (value ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The field an API refusal names, when it is one of the form's; otherwise `fallback`.
    static func fieldOf(_ error: APIError, among fields: [String], fallback: String) -> String {
        error.field.flatMap { fields.contains($0) ? $0 : nil } ?? fallback
    }

    // MARK: Index

    func adminIndex(_ context: DeskRequestContext) -> Response {
        var page = adminContext(context, section: "/admin")
        page["ticketTypes"] = ticketTypes.types.map { type in
            ["name": type.name, "label": type.label,
             "fields": type.fields.isEmpty ? "no fields" : type.fields.map { $0.label + ($0.required ? "" : " (optional)") }.joined(separator: ", ")]
        }
        return Self.page(pages.render("admin-index", title: "Admin", page))
    }

    // MARK: People

    func peoplePage(_ context: DeskRequestContext, values: [String: String] = [:], errors: [String: String] = [:], notice: String? = nil,
                    status: HTTPResponse.Status = .ok) async throws -> Response {
        let users = try await store.pool.read { db in try db.users() }
        var page = adminContext(context, section: "/admin/people", notice: notice,
                                problem: errors.isEmpty ? nil : "The person was not added: please check the field marked below.")
        page["count"] = Self.count(users.count, "account", "accounts")
        page["people"] = users.map { user -> [String: Any] in
            ["name": user.name, "email": user.email ?? "", "role": user.role.rawValue, "skills": user.skills.joined(separator: ", "),
             "tier": user.tier, "state": user.isDisabled ? "disabled" : (user.passwordHash == nil ? "active, no password" : "active"),
             "disabled": user.isDisabled, "edit": "/admin/people/edit?name=" + Self.query(user.name)]
        }
        let form = "person"
        page["form"] = [
            "name": Self.field(form, "name", "Name", value: values["name"] ?? "", errors: errors,
                               help: "How they sign in; agents act under it.", autocomplete: "off"),
            "email": Self.field(form, "email", "E-mail", value: values["email"] ?? "", errors: errors,
                                type: "email", help: "A customer's tickets are found by it.", autocomplete: "off"),
            "role": Self.select(form, "role", "Role", options: Self.roleOptions, selected: values["role"] ?? Role.agent.rawValue, errors: errors),
            "tier": Self.select(form, "tier", "Tier", options: Self.tierOptions, selected: values["tier"] ?? "1", errors: errors),
            "skills": Self.field(form, "skills", "Skills", value: values["skills"] ?? "", errors: errors,
                                 help: "Separated by commas, e.g. billing, network."),
            "password": Self.field(form, "password", "Password", errors: errors, type: "password",
                                   help: "10 to 72 bytes; empty: none (no sign-in).", autocomplete: "new-password"),
        ]
        return Self.page(pages.render("admin-people", title: "People and roles", page), status: status)
    }

    /// `POST /admin/people`: `createUser`, as `POST /api/v1/users`.
    func createPersonPage(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let fields = try await adminForm(request, allowed: ["name", "email", "role", "tier", "skills", "password"])
        var kept = fields
        kept["password"] = nil  // never sent back in a page
        guard let tier = Int(fields["tier"] ?? "1") else {
            return try await peoplePage(context, values: kept, errors: ["tier": "Tier must be 0 to 3."], status: .badRequest)
        }
        let body = UserBody(name: fields["name"] ?? "", email: Self.given(fields["email"]), role: fields["role"], skills: Self.list(fields["skills"]),
                            tier: tier, password: fields["password"].flatMap { $0.isEmpty ? nil : $0 })
        do {
            let user = try await createUser(body, by: context.principal)
            return Self.redirect("/admin/people?done=person-created&name=" + Self.query(user.name))
        } catch let error as APIError where [.badRequest, .conflict, .notFound].contains(error.status) {
            let field = Self.fieldOf(error, among: ["name", "email", "role", "tier", "skills", "password"], fallback: "name")
            var message = Self.sentence(error.message)
            if fields["password"].map({ !$0.isEmpty }) ?? false, field != "password" { message += " Enter the password again." }
            return try await peoplePage(context, values: kept, errors: [field: message], status: error.status)
        }
    }

    func personPage(_ name: String, _ context: DeskRequestContext, values: [String: String]? = nil, errors: [String: String] = [:],
                    notice: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let user = try await store.pool.read({ db in try db.user(named: name) }) else {
            throw APIError(.notFound, "there is no person named '\(name.prefix(64))'")
        }
        let values = values ?? ["role": user.role.rawValue, "tier": "\(user.tier)", "skills": user.skills.joined(separator: ", "),
                                "email": user.email ?? ""]
        var page = adminContext(context, section: "/admin/people", notice: notice,
                                problem: errors.isEmpty ? nil : "Nothing was changed: please check the message below.")
        page["person"] = ["name": user.name, "role": user.role.rawValue, "email": user.email as Any? ?? false,
                          "state": user.isDisabled ? "disabled" : "active", "disabled": user.isDisabled, "created": Self.when(user.createdAt)] as [String: Any]
        let form = "edit"
        page["form"] = [
            "role": Self.select(form, "role", "Role", options: Self.roleOptions, selected: values["role"] ?? "", errors: errors),
            "tier": Self.select(form, "tier", "Tier", options: Self.tierOptions, selected: values["tier"] ?? "1", errors: errors),
            "skills": Self.field(form, "skills", "Skills", value: values["skills"] ?? "", errors: errors, help: "Separated by commas."),
            "email": Self.field(form, "email", "E-mail", value: values["email"] ?? "", errors: errors, type: "email", autocomplete: "off"),
            "password": Self.field(form, "password", "New password", errors: errors, type: "password", help: "Empty: unchanged.",
                                   autocomplete: "new-password"),
        ]
        page["accessError"] = errors["access"] as Any? ?? false
        return Self.page(pages.render("admin-person", title: user.name, page), status: status)
    }

    /// `POST /admin/people/edit` (`intent` `save`, `disable` or `enable`): `updateUser`, as
    /// `PATCH /api/v1/users/{name}`; an admin demoting or disabling themself gets the API's refusal.
    func updatePersonPage(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let fields = try await adminForm(request, allowed: ["name", "intent", "role", "tier", "skills", "email", "password"])
        let name = fields["name"] ?? ""
        guard let current = try await store.pool.read({ db in try db.user(named: name) }) else {
            throw APIError(.notFound, "there is no person named '\(name.prefix(64))'")
        }
        var body = UserBody()
        var kept = fields
        kept["password"] = nil
        let intent = fields["intent"] ?? "save"
        switch intent {
        case "disable": body.disabled = true
        case "enable": body.disabled = false
        case "save":
            guard let tier = Int(fields["tier"] ?? "") else {
                return try await personPage(name, context, values: kept, errors: ["tier": "Tier must be 0 to 3."], status: .badRequest)
            }
            body.role = fields["role"]
            body.tier = tier
            body.skills = Self.list(fields["skills"])
            let email = Self.given(fields["email"])
            if email?.lowercased() != current.email { body.email = email }
            if let password = fields["password"], !password.isEmpty { body.password = password }
        default: throw APIError(.badRequest, "intent must be save, disable or enable", field: "intent")
        }
        do {
            let user = try await updateUser(body, name, by: context.principal)
            let done = intent == "save" ? "person-saved" : intent == "disable" ? "person-disabled" : "person-enabled"
            return Self.redirect("/admin/people/edit?done=\(done)&name=" + Self.query(user.name))
        } catch let error as APIError where [.badRequest, .conflict].contains(error.status) {
            let field = intent == "save" ? Self.fieldOf(error, among: ["role", "tier", "skills", "email", "password"], fallback: "role") : "access"
            return try await personPage(name, context, values: intent == "save" ? kept : nil, errors: [field: Self.sentence(error.message)],
                                        status: error.status)
        }
    }

    // MARK: Tokens

    func tokensPage(_ context: DeskRequestContext, values: [String: String] = [:], errors: [String: String] = [:], notice: String? = nil,
                    problem: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let (tokens, users) = try await store.pool.read { db in (try db.tokens(), try db.users()) }
        let roles = Dictionary(users.map { ($0.name, $0.role.rawValue) }, uniquingKeysWith: { first, _ in first })
        let now = currentMillis()
        var page = adminContext(context, section: "/admin/tokens", notice: notice,
                                problem: problem ?? (errors.isEmpty ? nil : "No token was made: please check the field marked below."))
        page["count"] = Self.count(tokens.count, "token", "tokens")
        page["hasTokens"] = !tokens.isEmpty
        page["tokens"] = tokens.map { token -> [String: Any] in
            let state = token.revokedAt.map { "revoked " + Self.when($0) }
                ?? (token.isUsable(at: now) ? "active" : "expired")
            return ["prefix": token.prefix, "name": token.name, "user": token.userName,
                    "scopes": token.scopes.map { $0.map(\.rawValue).joined(separator: ", ") } ?? "role " + (roles[token.userName] ?? "?"),
                    "expires": Self.when(token.expiresAt), "lastUsed": Self.when(token.lastUsedAt), "state": state,
                    "active": token.isUsable(at: now)]
        }
        let form = "token"
        let owner = values["user"] ?? context.principal?.name ?? ""
        page["form"] = [
            "name": Self.field(form, "name", "What it is for", value: values["name"] ?? "", errors: errors, autocomplete: "off"),
            "user": Self.select(form, "user", "Account it acts as", options: users.filter { !$0.isDisabled }.map { ($0.name, "\($0.name) (\($0.role.rawValue))") },
                                selected: owner, errors: errors),
            "days": Self.field(form, "expires_in_days", "Expires after (days)", value: values["expires_in_days"] ?? "", errors: errors,
                               type: "number", help: "1 to 3650; empty: never."),
        ]
        page["scopes"] = Permission.allCases.map { ["value": $0.rawValue, "checked": values["scope-" + $0.rawValue] != nil] as [String: Any] }
        page["scopesError"] = errors["scopes"] as Any? ?? false
        return Self.page(pages.render("admin-tokens", title: "API tokens", page), status: status)
    }

    /// `POST /admin/tokens`: `createToken`, as `POST /api/v1/tokens`. The answer is the only page that
    /// ever shows the secret (not cached; not a redirect, which would need it in a URL or kept somewhere).
    func createTokenPage(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let scopeFields = Set(Permission.allCases.map { "scope-" + $0.rawValue })
        let fields = try await adminForm(request, allowed: Set(["user", "name", "expires_in_days"]).union(scopeFields))
        var body = TokenBody(user: Self.given(fields["user"]), name: fields["name"] ?? "")
        let scopes = Permission.allCases.filter { fields["scope-" + $0.rawValue] != nil }.map(\.rawValue)
        body.scopes = scopes.isEmpty ? nil : scopes
        if let days = Self.given(fields["expires_in_days"]) {
            guard let number = Int(days) else {
                return try await tokensPage(context, values: fields, errors: ["expires_in_days": "Expires after must be a number of days, 1 to 3650."],
                                            status: .badRequest)
            }
            body.expiresInDays = number
        }
        do {
            let (record, secret) = try await createToken(body, by: context.principal)
            var page = adminContext(context, section: "/admin/tokens")
            page["name"] = record.name
            page["user"] = record.userName
            page["prefix"] = record.prefix
            page["secret"] = secret
            page["expires"] = record.expiresAt.map { Self.when($0) } as Any? ?? false
            return Self.page(pages.render("admin-token-created", title: "Token made", page), status: .created)
        } catch let error as APIError where [.badRequest, .notFound, .conflict].contains(error.status) {
            let field = Self.fieldOf(error, among: ["name", "user", "expires_in_days", "scopes"], fallback: "name")
            return try await tokensPage(context, values: fields, errors: [field: Self.sentence(error.message)], status: error.status)
        }
    }

    /// `POST /admin/tokens/revoke` (`prefix`): `revokeToken`, as `DELETE /api/v1/tokens/{prefix}`.
    func revokeTokenPage(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let prefix = try await adminForm(request, allowed: ["prefix"])["prefix"] ?? ""
        do {
            _ = try await revokeToken(prefix, by: context.principal)
        } catch let error as APIError where error.status == .notFound {
            return try await tokensPage(context, problem: Self.sentence(error.message), status: .notFound)
        }
        return Self.redirect("/admin/tokens?done=token-revoked&name=" + Self.query(prefix))
    }

    // MARK: Agent keys

    func agentKeysPage(_ context: DeskRequestContext, values: [String: String] = [:], errors: [String: String] = [:], notice: String? = nil,
                       problem: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let (keys, users) = try await store.pool.read { db in (try db.agentKeys(), try db.users()) }
        var page = adminContext(context, section: "/admin/agent-keys", notice: notice,
                                problem: problem ?? (errors.isEmpty ? nil : "No key was added: please check the field marked below."))
        page["coordinatorKey"] = agentChannelKey as Any? ?? false
        page["count"] = Self.count(keys.count, "key", "keys")
        page["hasKeys"] = !keys.isEmpty
        page["keys"] = keys.reversed().map { key -> [String: Any] in
            ["agent": key.userName, "name": key.name, "publicKey": key.publicKey, "created": Self.when(key.createdAt),
             "state": key.revokedAt.map { "revoked " + Self.when($0) } ?? "active", "active": key.revokedAt == nil]
        }
        let form = "key"
        page["form"] = [
            "agent": Self.select(form, "agent", "Account (staff or bot)",
                                 options: users.filter { $0.role != .customer && !$0.isDisabled }.map { ($0.name, "\($0.name) (\($0.role.rawValue))") },
                                 selected: values["agent"] ?? "", errors: errors),
            "name": Self.field(form, "name", "Name of the key", value: values["name"] ?? "", errors: errors, help: "Which machine it is for.",
                               autocomplete: "off"),
            "publicKey": Self.field(form, "public_key", "Public key", value: values["public_key"] ?? "", errors: errors,
                                    help: "40 characters of Z85; only to register a key made elsewhere.", autocomplete: "off"),
        ]
        return Self.page(pages.render("admin-agent-keys", title: "Agent keys", page), status: status)
    }

    /// `POST /admin/agent-keys`: `intent` `register` (a public key made on the agent's machine, as
    /// `POST /api/v1/agent-keys`) or `make` (a pair made here, registered the same way; its key file is
    /// shown on the answer, once).
    func addAgentKeyPage(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let fields = try await adminForm(request, allowed: ["intent", "agent", "name", "public_key"])
        let make = fields["intent"] == "make"
        var keys: CurveKeyPair?
        if make {
            guard agentChannelKey != nil else {
                return try await agentKeysPage(context, values: fields, problem: "This coordinator's agent port is plain TCP: agents connect there without keys.",
                                               status: .conflict)
            }
            keys = try CurveKeyPair.generate()
        }
        let body = AgentKeyBody(agent: Self.given(fields["agent"]), publicKey: keys?.publicKey ?? Self.given(fields["public_key"]),
                                name: Self.given(fields["name"]) ?? "web")
        do {
            let record = try await registerAgentKey(body, by: context.principal)
            var page = adminContext(context, section: "/admin/agent-keys")
            page["agent"] = record.userName
            page["name"] = record.name
            page["publicKey"] = record.publicKey
            page["made"] = keys != nil
            page["coordinatorKey"] = agentChannelKey ?? "none (plain agent port)"
            if let keys, let coordinatorKey = agentChannelKey {
                page["keyFile"] = AgentKey(agent: record.userName, keys: keys, coordinatorKey: coordinatorKey).fileText
            }
            return Self.page(pages.render("admin-agent-key-created", title: make ? "Agent key made" : "Agent key registered", page), status: .created)
        } catch let error as APIError where [.badRequest, .notFound, .conflict].contains(error.status) {
            var values = fields
            if make { values["public_key"] = nil }
            let field = Self.fieldOf(error, among: ["agent", "name", "public_key"], fallback: "agent")
            return try await agentKeysPage(context, values: values, errors: [field: Self.sentence(error.message)], status: error.status)
        }
    }

    /// `POST /admin/agent-keys/revoke` (`public_key`): `revokeAgentKey`, as `POST /api/v1/agent-keys/revoke`.
    func revokeAgentKeyPage(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let key = try await adminForm(request, allowed: ["public_key"])["public_key"] ?? ""
        do {
            try await revokeAgentKey(AgentKeyBody(publicKey: key), by: context.principal)
        } catch let error as APIError where [.badRequest, .notFound].contains(error.status) {
            return try await agentKeysPage(context, problem: Self.sentence(error.message), status: error.status)
        }
        return Self.redirect("/admin/agent-keys?done=key-revoked&name=" + Self.query(String(key.prefix(8))))
    }

    // MARK: Macros

    func macrosPage(_ context: DeskRequestContext, notice: String? = nil, problem: String? = nil,
                    status: HTTPResponse.Status = .ok) async throws -> Response {
        let macros = try await store.pool.read { db in try db.macros() }
        var page = adminContext(context, section: "/admin/macros", notice: notice, problem: problem)
        page["hasMacros"] = !macros.isEmpty
        page["macros"] = macros.map { macro -> [String: Any] in
            let firstLine = macro.reply.split(separator: "\n").first.map(String.init) ?? ""
            return ["name": macro.name, "description": macro.description, "reply": firstLine.count > 80 ? String(firstLine.prefix(79)) + "…" : firstLine,
                    "actions": macro.actions == MacroActions() ? "" : Self.actionsJSON(macro.actions),
                    "edit": "/admin/macros/edit?name=" + Self.query(macro.name)]
        }
        return Self.page(pages.render("admin-macros", title: "Macros", page), status: status)
    }

    static func actionsJSON(_ actions: MacroActions) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(actions)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The sample ticket a macro's preview is rendered for.
    static func sampleTicket(at now: Millis) -> Ticket {
        Ticket(id: 1042, subject: "Cannot sign in after the update", body: "Since this morning's update the app says my password is wrong.",
               requester: "pat.doe@example.com", priority: .p2, category: "access", channel: "web", tags: ["login", "mobile"],
               status: .inProgress, tier: 1, createdAt: now)
    }

    /// `GET /admin/macros/edit?name=…` (a macro's editor) or without a name (a new one).
    func macroEditor(_ name: String?, _ context: DeskRequestContext) async throws -> Response {
        guard let name, !name.isEmpty else { return macroEditorPage(context, original: nil, values: [:]) }
        guard let macro = try await store.pool.read({ db in try db.macro(named: name) }) else {
            throw APIError(.notFound, "there is no macro named '\(name.prefix(64))'")
        }
        return macroEditorPage(context, original: macro.name,
                               values: ["name": macro.name, "description": macro.description, "reply": macro.reply,
                                        "actions": macro.actions == MacroActions() ? "" : Self.actionsJSON(macro.actions)])
    }

    func macroEditorPage(_ context: DeskRequestContext, original: String?, values: [String: String], errors: [String: String] = [:],
                         preview: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        var page = adminContext(context, section: "/admin/macros",
                                problem: errors.isEmpty ? nil : "Not saved: please check the field marked below.")
        page["original"] = original as Any? ?? false
        let form = "macro"
        page["form"] = [
            "name": Self.field(form, "name", "Name (letters, digits, '-', '_', '.')", value: values["name"] ?? "", errors: errors, autocomplete: "off"),
            "description": Self.field(form, "description", "Description", value: values["description"] ?? "", errors: errors),
            "reply": Self.field(form, "reply", "Reply (a Mustache template; empty: the macro only acts)", value: values["reply"] ?? "",
                                errors: errors, rows: 10),
            "actions": Self.field(form, "actions", "Actions (JSON, optional)", value: values["actions"] ?? "", errors: errors,
                                  help: #"For example {"status":"pending_confirmation","add_tags":["answered"]}; also priority, category, remove_tags, escalate {"tier","reason"}, resolve."#,
                                  rows: 3),
        ]
        page["variables"] = MacroTemplate.variables.map { "{{" + $0 + "}}" }.joined(separator: ", ")
        page["tagsExample"] = "{{#ticket.tags}}{{.}} {{/ticket.tags}}"
        if let preview {
            let sample = Self.sampleTicket(at: currentMillis())
            page["preview"] = ["text": preview.isEmpty ? "(This macro sends no reply: it only acts.)" : preview,
                               "sample": ["id": sample.id, "subject": sample.subject, "requester": sample.requester,
                                          "priority": sample.priority.label, "tags": sample.tags.joined(separator: ", ")] as [String: Any]] as [String: Any]
        } else {
            page["preview"] = false
        }
        return Self.page(pages.render("admin-macro", title: original.map { "Macro \($0)" } ?? "New macro", page), status: status)
    }

    /// The field a macro's problem is about, from the check's words (`name '…'`, `reply: …`, an action).
    static func macroField(_ problem: String) -> String {
        if problem.hasPrefix("name") { return "name" }
        if problem.hasPrefix("reply") || problem.hasPrefix("a macro needs a reply") { return "reply" }
        return "actions"
    }

    /// `POST /admin/macros/edit`: `intent` `preview` checks the macro as saving does and renders its reply
    /// for the sample ticket; `save` is `saveMacro`, as `PUT /api/v1/macros/{name}` (a new macro's name
    /// must not be taken: the editor does not replace another macro by accident).
    func saveMacroPage(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let fields = try await adminForm(request, allowed: ["intent", "original", "name", "description", "reply", "actions"],
                                         upTo: Self.maxRequestBytes)
        let original = Self.given(fields["original"])
        var values = fields
        values["name"] = original ?? fields["name"]?.trimmingCharacters(in: .whitespaces) ?? ""
        func refuse(_ field: String, _ message: String, _ status: HTTPResponse.Status = .badRequest) -> Response {
            macroEditorPage(context, original: original, values: values, errors: [field: Self.sentence(message)], status: status)
        }
        var actions = MacroActions()
        if let text = Self.given(fields["actions"]) {
            do {
                actions = try JSONDecoder().decode(Strict<MacroActions>.self, from: Data(text.utf8)).value
            } catch {
                return refuse("actions", "actions: " + APIError.describing(error).message)
            }
        }
        let body = MacroBody(name: values["name"], description: fields["description"] ?? "", reply: fields["reply"] ?? "", actions: actions)
        let checked: CheckedMacro
        do {
            checked = try CheckedMacro(body.macro(name: nil))
        } catch {
            return refuse(Self.macroField("\(error)"), "\(error)")
        }
        guard fields["intent"] == "save" else {
            let preview = checked.template.render(ticket: Self.sampleTicket(at: currentMillis()), agent: context.principal?.name ?? "agent")
            return macroEditorPage(context, original: original, values: values, preview: preview)
        }
        if original == nil, try await store.pool.read({ db in try db.macro(named: checked.definition.name) }) != nil {
            return refuse("name", "a macro named '\(checked.definition.name)' already exists: open it from the list to change it", .conflict)
        }
        do {
            _ = try await saveMacro(body, name: original, by: context.principal)
        } catch let error as APIError where error.status == .badRequest {
            return refuse(Self.fieldOf(error, among: ["name"], fallback: "reply"), error.message)
        }
        return Self.redirect("/admin/macros?done=macro-saved&name=" + Self.query(checked.definition.name))
    }

    /// `POST /admin/macros/delete` (`name`): `removeMacro`, as `DELETE /api/v1/macros/{name}`.
    func deleteMacroPage(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let name = try await adminForm(request, allowed: ["name"])["name"] ?? ""
        do {
            _ = try await removeMacro(name, by: context.principal)
        } catch let error as APIError where error.status == .notFound {
            return try await macrosPage(context, problem: Self.sentence(error.message), status: .notFound)
        }
        return Self.redirect("/admin/macros?done=macro-deleted&name=" + Self.query(name))
    }

    // MARK: SLA policies

    /// The document in force, indented for the textarea (the same JSON `GET /api/v1/sla/policies` answers).
    var slaDocumentForEditing: String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(slaPoliciesJSON.utf8)),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return slaPoliciesJSON }
        return String(decoding: data, as: UTF8.self)
    }

    func slaPage(_ context: DeskRequestContext, document: String? = nil, error: String? = nil, notice: String? = nil,
                 status: HTTPResponse.Status = .ok) -> Response {
        var page = adminContext(context, section: "/admin/sla", notice: notice,
                                problem: error == nil ? nil : "Not saved: the policies in force are unchanged.")
        page["form"] = ["document": Self.field("sla", "document", "Policies (JSON)", value: document ?? slaDocumentForEditing,
                                               errors: error.map { ["document": $0] } ?? [:], rows: 24)]
        return Self.page(pages.render("admin-sla", title: "SLA policies", page), status: status)
    }

    /// `POST /admin/sla`: `intent` `save` is `replacePolicies`, as `PUT /api/v1/sla/policies`; `reset`
    /// as `DELETE` (back to the config file's).
    func saveSLAPage(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let fields = try await adminForm(request, allowed: ["intent", "document"], upTo: Self.maxRequestBytes)
        let reset = fields["intent"] == "reset"
        do {
            _ = try await replacePolicies(document: reset ? nil : fields["document"] ?? "", by: context.principal)
        } catch let error as APIError where error.status == .badRequest {
            return slaPage(context, document: fields["document"], error: Self.sentence(error.message), status: .badRequest)
        }
        return Self.redirect("/admin/sla?done=" + (reset ? "sla-reset" : "sla-saved"))
    }

    // MARK: Audit log

    static let auditKinds: [(value: String, text: String)] = [
        ("", "Every change"), ("user.", "People"), ("token.", "Tokens"), ("agent-key.", "Agent keys"), ("macro.", "Macros"), ("sla.", "SLA policies"),
    ]

    /// `GET /admin/audit?before=ID&kind=token.`: 50 entries at a time, newest first.
    func auditPage(_ query: Parameters, _ context: DeskRequestContext) async throws -> Response {
        let kind = query.get("kind").flatMap { kind in Self.auditKinds.contains { $0.value == kind } ? kind : nil } ?? ""
        var before: Int64?
        if let text = query.get("before"), !text.isEmpty {
            guard let id = Int64(text), id > 0 else { throw APIError(.badRequest, "before must be an entry id", field: "before") }
            before = id
        }
        let limit = 50
        let entries = try await store.pool.read { [before] db in try db.auditEntries(before: before, limit: limit, actionPrefix: kind) }
        var page = adminContext(context, section: "/admin/audit")
        page["filter"] = Self.select("audit", "kind", "Kind of change", options: Self.auditKinds, selected: kind)
        page["hasEntries"] = !entries.isEmpty
        page["entries"] = entries.map { entry -> [String: Any] in
            ["at": Self.when(entry.at), "actor": entry.actor, "action": entry.action, "target": entry.target,
             "before": entry.before.map(Self.indented) as Any? ?? false, "after": entry.after.map(Self.indented) as Any? ?? false,
             "hasChange": entry.before != nil || entry.after != nil]
        }
        let kindQuery = kind.isEmpty ? "" : "&kind=" + Self.query(kind)
        page["older"] = before != nil
        page["newest"] = "/admin/audit" + (kind.isEmpty ? "" : "?kind=" + Self.query(kind))
        page["next"] = entries.count == limit ? "/admin/audit?before=\(entries.last!.id)" + kindQuery as Any : false
        return Self.page(pages.render("admin-audit", title: "Audit log", page))
    }

    /// A JSON value indented for reading (as it is when it is not JSON).
    static func indented(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return json }
        return String(decoding: data, as: UTF8.self)
    }
}
