@testable import DeskCoordinator
import DeskModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The admin pages through the real router and store, signed in by session cookie as a browser is (the
/// browser test drives them in Chromium).
@Suite("admin pages") struct AdminPagesTests {
    typealias API = HTTPAPIInProcessTests
    typealias SignIn = SignInTests

    static let pages = ["/admin", "/admin/people", "/admin/people/edit?name=ada", "/admin/tokens", "/admin/agent-keys", "/admin/macros",
                        "/admin/macros/edit", "/admin/sla", "/admin/audit"]
    static let posts = ["/admin/people", "/admin/people/edit", "/admin/tokens", "/admin/tokens/revoke", "/admin/agent-keys",
                        "/admin/agent-keys/revoke", "/admin/macros/edit", "/admin/macros/delete", "/admin/sla"]

    /// A signed-in browser: its cookie, and the CSRF token its forms carry.
    struct Browser {
        let cookie: HTTPFields
        let csrf: String
        var form: HTTPFields {
            var fields = cookie
            fields[.contentType] = "application/x-www-form-urlencoded"
            return fields
        }
    }

    static func signIn(_ client: some TestClientProtocol, _ name: String, _ password: String) async throws -> Browser {
        let answer = try await SignIn.signIn(client, name: name, password: password)
        let secret = try #require(answer.secret, "\(name) signs in: \(answer.text)")
        return Browser(cookie: [.cookie: "desk_session=\(secret)"], csrf: answer.csrf)
    }

    /// The admin `ada` and one person of every other role, each signed in.
    static func people(_ client: some TestClientProtocol, _ admin: HTTPFields) async throws -> [Role: Browser] {
        var browsers: [Role: Browser] = [:]
        for (name, role) in [("ada", Role.admin), ("lee", .lead), ("abe", .agent), ("cy", .customer)] {
            try await SignIn.createPerson(client, admin, name: name, role: role, password: "\(name)'s long password")
            browsers[role] = try await signIn(client, name, "\(name)'s long password")
        }
        return browsers
    }

    /// A page's text with Mustache's five escapes undone.
    static func unescaped(_ html: String) -> String {
        html.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }

    static func encode(_ fields: [(String, String)]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return ByteBuffer(string: fields.map { "\($0.0)=" + ($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") }.joined(separator: "&"))
    }

    /// A form post as the browser sends it, with the page's CSRF field.
    static func post(_ client: some TestClientProtocol, _ browser: Browser, _ uri: String, _ fields: [(String, String)]) async throws -> (HTTPResponse.Status, String, String?) {
        try await client.execute(uri: uri, method: .post, headers: browser.form, body: encode([("csrf", browser.csrf)] + fields)) { response in
            (response.status, String(buffer: response.body), response.headers[.location])
        }
    }

    static func get(_ client: some TestClientProtocol, _ browser: Browser?, _ uri: String) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: uri, method: .get, headers: browser?.cookie ?? [:]) { ($0.status, String(buffer: $0.body)) }
    }

    @Test("every admin page sends anyone without a session to sign-in and refuses customers, agents and leads with a 403 page")
    func refusesNonAdmins() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let browsers = try await Self.people(client, admin)
            for uri in Self.pages {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .seeOther && response.headers[.location] == "/sign-in", "\(uri) anonymous: \(response.status)")
                }
                for role in [Role.customer, .agent, .lead] {
                    let (status, html) = try await Self.get(client, browsers[role], uri)
                    #expect(status == .forbidden && html.contains("id=\"refused\"") && html.contains("role \(role.rawValue) does not have it"),
                            "\(uri) as \(role): \(status)")
                    #expect(html.contains("<html") && !html.contains("id=\"people\""), "a page, and nothing of the admin's")
                }
                let (status, html) = try await Self.get(client, browsers[.admin], uri)
                #expect(status == .ok && html.contains("aria-label=\"Admin sections\""), "\(uri) as admin: \(status)")
                #expect(!html.contains("id=\"notice\"") && !html.contains("id=\"problem\"") && !html.contains(">nil<"), "\(uri): \(html)")
            }
            for uri in Self.posts {
                try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                         body: ByteBuffer(string: "name=x")) { response in
                    #expect(response.status == .seeOther && response.headers[.location] == "/sign-in", "POST \(uri) anonymous")
                }
                for role in [Role.customer, .agent, .lead] {
                    let (status, html, _) = try await Self.post(client, browsers[role]!, uri, [("name", "eve")])
                    #expect(status == .forbidden && html.contains("id=\"refused\""), "POST \(uri) as \(role): \(status)")
                }
            }
            // A cookie that is no longer good: sent to sign-in, and the cookie cleared (not a JSON 401).
            try await client.execute(uri: "/admin/people", method: .get, headers: [.cookie: "desk_session=stale"]) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/sign-in"
                        && response.headers[.setCookie]?.contains("Max-Age=0") == true, "\(response.status)")
            }
            // Only an admin's home page links to the admin pages.
            #expect(try await Self.get(client, browsers[.admin], "/").1.contains("href=\"/admin\""))
            #expect(!(try await Self.get(client, browsers[.lead], "/").1.contains("href=\"/admin\"")))
        }
    }

    @Test("every admin form needs the session's CSRF token: without it nothing changes")
    func csrfOnEveryPost() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let ada = try await Self.people(client, admin)[.admin]!
            for uri in Self.posts {
                for csrf in [nil, "wrong"] {
                    let body = "name=mallory&role=admin&tier=1" + (csrf.map { "&csrf=\($0)" } ?? "")
                    try await client.execute(uri: uri, method: .post, headers: ada.form, body: ByteBuffer(string: body)) { response in
                        #expect(response.status == .forbidden && String(buffer: response.body).contains("CSRF"), "POST \(uri) csrf \(csrf ?? "none")")
                    }
                }
            }
            try await client.execute(uri: "/api/v1/users/mallory", method: .get, headers: admin) { #expect($0.status == .notFound) }
            // With it, the same form works.
            let (status, _, location) = try await Self.post(client, ada, "/admin/people", [("name", "mallory"), ("role", "agent"), ("tier", "1")])
            #expect(status == .seeOther && location == "/admin/people?done=person-created&name=mallory")
        }
    }

    @Test("a person is added and changed through the forms; a refused field is named next to it with the text kept")
    func peopleForms() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let ada = try await Self.people(client, admin)[.admin]!
            var (status, html, location) = try await Self.post(client, ada, "/admin/people", [
                ("name", "bo"), ("email", "not an address"), ("role", "agent"), ("tier", "2"), ("skills", "billing, network"),
                ("password", "bo's long password"),
            ])
            #expect(status == .badRequest && html.contains("id=\"person-email-error\">Email must be an e-mail address like name@example.com."), "\(html)")
            #expect(html.contains("value=\"not an address\"") && html.contains("value=\"billing, network\"") && html.contains("value=\"bo\""))
            #expect(!html.contains("bo&#39;s long password"), "a password is never sent back")
            #expect(html.contains("<option value=\"2\" selected>"), "the tier chosen is kept")
            (status, html, location) = try await Self.post(client, ada, "/admin/people", [
                ("name", "bo"), ("email", "bo@example.com"), ("role", "agent"), ("tier", "2"), ("skills", "Billing, network"),
                ("password", "bo's long password"),
            ])
            #expect(status == .seeOther && location == "/admin/people?done=person-created&name=bo")
            html = try await Self.get(client, ada, location!).1
            #expect(html.contains("id=\"notice\">bo was added.") && html.contains("<td data-label=\"Skills\">billing, network</td>"), "\(html)")
            // The same name again: the API's conflict, next to the name.
            (status, html, _) = try await Self.post(client, ada, "/admin/people", [("name", "bo"), ("role", "agent"), ("tier", "1")])
            #expect(status == .conflict && html.contains("id=\"person-name-error\">User &#39;bo&#39; already exists."), "\(html)")
            // A change of role and tier, then disabling and enabling.
            (status, _, location) = try await Self.post(client, ada, "/admin/people/edit", [
                ("name", "bo"), ("intent", "save"), ("role", "lead"), ("tier", "3"), ("skills", "billing"), ("email", "bo@example.com"), ("password", ""),
            ])
            #expect(status == .seeOther && location == "/admin/people/edit?done=person-saved&name=bo")
            try await client.execute(uri: "/api/v1/users/bo", method: .get, headers: admin) { response in
                let user = API.json(response.body)
                #expect(user["role"] as? String == "lead" && user["tier"] as? Int == 3 && user["skills"] as? [String] == ["billing"], "\(user)")
            }
            (status, _, location) = try await Self.post(client, ada, "/admin/people/edit", [("name", "bo"), ("intent", "disable")])
            #expect(status == .seeOther && location == "/admin/people/edit?done=person-disabled&name=bo")
            html = try await Self.get(client, ada, location!).1
            #expect(html.contains("bo is disabled.") && html.contains("id=\"enable-person\""))
            #expect(try await SignIn.signIn(client, name: "bo", password: "bo's long password").status == .unauthorized)
            (status, _, _) = try await Self.post(client, ada, "/admin/people/edit", [("name", "bo"), ("intent", "enable")])
            #expect(status == .seeOther)
            #expect(try await SignIn.signIn(client, name: "bo", password: "bo's long password").status == .ok)
            // A bad tier from a hand-made form is named too.
            (status, html, _) = try await Self.post(client, ada, "/admin/people/edit", [("name", "bo"), ("intent", "save"), ("role", "lead"), ("tier", "9")])
            #expect(status == .badRequest && html.contains("id=\"edit-tier-error\">Tier must be 0 to 3."), "\(html)")
        }
    }

    @Test("an admin cannot demote or disable themself: the API's refusal is on the page and nothing changes")
    func adminCannotDemoteThemself() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let ada = try await Self.people(client, admin)[.admin]!
            var (status, html, _) = try await Self.post(client, ada, "/admin/people/edit", [
                ("name", "ada"), ("intent", "save"), ("role", "lead"), ("tier", "1"), ("skills", ""), ("email", ""),
            ])
            #expect(status == .conflict
                    && html.contains("id=\"edit-role-error\">An admin cannot disable their own account or take away their own admin role."), "\(html)")
            #expect(html.contains("<option value=\"lead\" selected>"), "what was chosen is kept on the page")
            (status, html, _) = try await Self.post(client, ada, "/admin/people/edit", [("name", "ada"), ("intent", "disable")])
            #expect(status == .conflict && html.contains("id=\"access-error\">An admin cannot disable"), "\(html)")
            try await client.execute(uri: "/api/v1/users/ada", method: .get, headers: admin) { response in
                let user = API.json(response.body)
                #expect(user["role"] as? String == "admin" && user["disabled"] as? Bool == false, "\(user)")
            }
        }
    }

    @Test("a token's secret is shown once, on the answer that made it, and nowhere after; revoking stops it")
    func tokenSecretOnce() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let ada = try await Self.people(client, admin)[.admin]!
            var (status, html, _) = try await Self.post(client, ada, "/admin/tokens", [
                ("name", "mail gateway"), ("user", "abe"), ("expires_in_days", "30"), ("scope-outbox", "on"), ("scope-tickets:read", "on"),
            ])
            #expect(status == .created && html.contains("it will not be shown again"), "\(html)")
            let secret = try #require(html.firstMatch(of: /desk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}/).map { String($0.output) }, "\(html)")
            let prefix = String(secret.prefix(13))
            #expect(html.components(separatedBy: secret).count == 2, "the secret once on its page")
            try await client.execute(uri: "/api/v1/me", method: .get, headers: API.bearer(secret)) { response in
                #expect(response.status == .ok && API.json(response.body)["name"] as? String == "abe")
            }
            for page in ["/admin/tokens", "/admin/audit", "/admin/people"] {
                let text = try await Self.get(client, ada, page).1
                #expect(!text.contains(secret) && !text.contains(String(secret.suffix(43))), "\(page) does not show the secret")
            }
            html = try await Self.get(client, ada, "/admin/tokens").1
            #expect(html.contains("<code>\(prefix)</code>") && html.contains("tickets:read, outbox"), "\(html)")
            // Validation next to the field, with the text kept.
            (status, html, _) = try await Self.post(client, ada, "/admin/tokens", [("name", "nightly"), ("user", "abe"), ("expires_in_days", "9999")])
            #expect(status == .badRequest && html.contains("id=\"token-expires_in_days-error\">Expires_in_days must be 1 to 3650."), "\(html)")
            #expect(html.contains("value=\"nightly\"") && html.contains("value=\"9999\""))
            (status, html, _) = try await Self.post(client, ada, "/admin/tokens", [("name", ""), ("user", "abe")])
            #expect(status == .badRequest && html.contains("id=\"token-name-error\""), "\(html)")
            // Revoked: it stops working at once, and the list says so.
            let location: String?
            (status, _, location) = try await Self.post(client, ada, "/admin/tokens/revoke", [("prefix", prefix)])
            #expect(status == .seeOther && location == "/admin/tokens?done=token-revoked&name=\(prefix)")
            html = try await Self.get(client, ada, location!).1
            #expect(html.contains("The token \(prefix) is revoked") && html.contains("revoked 20"), "\(html)")
            try await client.execute(uri: "/api/v1/me", method: .get, headers: API.bearer(secret)) { #expect($0.status == .unauthorized) }
            (status, html, _) = try await Self.post(client, ada, "/admin/tokens/revoke", [("prefix", "desk_00000000")])
            #expect(status == .notFound && html.contains("Token &#39;desk_00000000&#39; not found."), "\(html)")
        }
    }

    @Test("an agent key made on the page: its key file is shown once; registering and revoking a public key")
    func agentKeys() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let ada = try await Self.people(client, admin)[.admin]!
            var (status, html, _) = try await Self.post(client, ada, "/admin/agent-keys", [("intent", "make"), ("agent", "abe"), ("name", "laptop")])
            #expect(status == .created && html.contains("it will not be shown again"), "\(html)")
            // Z85 has '&', '<' and '>': the page shows the file escaped, as text.
            let file = Self.unescaped(html)
            let secretKey = try #require(file.firstMatch(of: /secret-key = (\S{40})/).map { String($0.output.1) }, "\(html)")
            #expect(file.contains("agent = abe") && file.contains("coordinator-key = "))
            html = try await Self.get(client, ada, "/admin/agent-keys").1
            #expect(html.contains("laptop") && !Self.unescaped(html).contains(secretKey), "the list never shows a secret key")
            // A customer cannot hold one: the API's refusal next to the account.
            (status, html, _) = try await Self.post(client, ada, "/admin/agent-keys", [("intent", "make"), ("agent", "cy"), ("name", "x")])
            #expect(status == .conflict && html.contains("id=\"key-agent-error\">Account &#39;cy&#39; is a customer"), "\(html)")
            (status, html, _) = try await Self.post(client, ada, "/admin/agent-keys", [("intent", "register"), ("agent", "abe"), ("public_key", "short")])
            #expect(status == .badRequest && html.contains("id=\"key-public_key-error\">Public_key must be a CURVE public key") && html.contains("value=\"short\""))
            let publicKey = try #require(try await client.execute(uri: "/api/v1/agent-keys", method: .get, headers: admin) { response in
                ((API.json(response.body)["keys"] as? [[String: Any]])?.first?["public_key"] as? String)
            })
            let location: String?
            (status, _, location) = try await Self.post(client, ada, "/admin/agent-keys/revoke", [("public_key", publicKey)])
            #expect(status == .seeOther && location?.hasPrefix("/admin/agent-keys?done=key-revoked") == true)
            #expect(try await Self.get(client, ada, location!).1.contains("is revoked: new connections with it are refused."))
        }
    }

    @Test("the macro editor: a template error next to the reply with the text kept, a preview for a sample ticket, then saved")
    func macroEditor() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let ada = try await Self.people(client, admin)[.admin]!
            let broken = "Hello {{requester.nme}},\nwe are on it."
            var (status, html, _) = try await Self.post(client, ada, "/admin/macros/edit", [
                ("intent", "preview"), ("name", "on-it"), ("description", "First answer"), ("reply", broken), ("actions", ""),
            ])
            #expect(status == .badRequest && html.contains("id=\"macro-reply-error\">Reply: template line 1"), "\(html)")
            #expect(html.contains("Hello {{requester.nme}},\nwe are on it.</textarea>"), "the text kept")
            (status, html, _) = try await Self.post(client, ada, "/admin/macros/edit", [
                ("intent", "preview"), ("name", "on-it"), ("description", "First answer"), ("reply", "Hello {{requester.name}},\nwe are on #{{ticket.id}}."),
                ("actions", "{\"status\":\"nope\"}"),
            ])
            #expect(status == .badRequest && html.contains("id=\"macro-actions-error\""), "\(html)")
            let good = "Hello {{requester.name}},\nwe are on #{{ticket.id}} ({{ticket.subject}}).\n{{agent.name}}"
            (status, html, _) = try await Self.post(client, ada, "/admin/macros/edit", [
                ("intent", "preview"), ("name", "on-it"), ("description", "First answer"), ("reply", good),
                ("actions", "{\"add_tags\":[\"answered\"]}"),
            ])
            #expect(status == .ok && html.contains("<pre id=\"macro-preview\">Hello pat.doe,\nwe are on #1042 (Cannot sign in after the update).\nada</pre>"), "\(html)")
            try await client.execute(uri: "/api/v1/macros/on-it", method: .get, headers: admin) { #expect($0.status == .notFound, "a preview saves nothing") }
            let location: String?
            (status, _, location) = try await Self.post(client, ada, "/admin/macros/edit", [
                ("intent", "save"), ("name", "on-it"), ("description", "First answer"), ("reply", good), ("actions", "{\"add_tags\":[\"answered\"]}"),
            ])
            #expect(status == .seeOther && location == "/admin/macros?done=macro-saved&name=on-it")
            try await client.execute(uri: "/api/v1/macros/on-it", method: .get, headers: admin) { response in
                let macro = API.json(response.body)
                #expect(macro["reply"] as? String == good && (macro["actions"] as? [String: Any])?["add_tags"] as? [String] == ["answered"], "\(macro)")
            }
            // A new macro may not take an existing one's name; its own editor replaces it.
            (status, html, _) = try await Self.post(client, ada, "/admin/macros/edit", [("intent", "save"), ("name", "on-it"), ("reply", "x")])
            #expect(status == .conflict && html.contains("id=\"macro-name-error\""), "\(html)")
            (status, _, _) = try await Self.post(client, ada, "/admin/macros/edit", [("intent", "save"), ("original", "on-it"), ("name", "ignored"), ("reply", "Hi.")])
            #expect(status == .seeOther)
            html = try await Self.get(client, ada, "/admin/macros/edit?name=on-it").1
            #expect(html.contains(">\nHi.</textarea>"), "\(html)")
            (status, _, _) = try await Self.post(client, ada, "/admin/macros/delete", [("name", "on-it")])
            #expect(status == .seeOther)
            try await client.execute(uri: "/api/v1/macros/on-it", method: .get, headers: admin) { #expect($0.status == .notFound) }
            // The audit log has each change, newest first.
            html = try await Self.get(client, ada, "/admin/audit?kind=macro.").1
            let actions = html.matches(of: /<td data-label="What">(macro\.[a-z]+)<\/td>/).map { String($0.output.1) }
            #expect(actions == ["macro.delete", "macro.update", "macro.create"], "\(actions)")
        }
    }

    @Test("SLA policies: the document in force in a textarea; a bad one refused next to it and kept; a good one in force")
    func slaPolicies() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let ada = try await Self.people(client, admin)[.admin]!
            var html = try await Self.get(client, ada, "/admin/sla").1
            #expect(html.contains("id=\"sla-document\"") && html.contains("&quot;policies&quot;"), "\(html)")
            let bad = #"{"policies":[{"name":"urgent","first_response":"soon"}],"defaults":false}"#
            var (status, page, location) = try await Self.post(client, ada, "/admin/sla", [("intent", "save"), ("document", bad)])
            #expect(status == .badRequest && page.contains("id=\"sla-document-error\"") && page.contains("&quot;soon&quot;"), "\(page)")
            let good = #"{"policies":[{"name":"urgent","when":{"priority":"P1"},"first_response":"30m"}],"defaults":true}"#
            (status, _, location) = try await Self.post(client, ada, "/admin/sla", [("intent", "save"), ("document", good)])
            #expect(status == .seeOther && location == "/admin/sla?done=sla-saved")
            try await client.execute(uri: "/api/v1/sla/policies", method: .get, headers: admin) { response in
                #expect(String(buffer: response.body).contains("\"name\":\"urgent\""))
            }
            html = try await Self.get(client, ada, location!).1
            #expect(html.contains("The SLA policies were saved") && html.contains("urgent"))
            (status, _, location) = try await Self.post(client, ada, "/admin/sla", [("intent", "reset")])
            #expect(status == .seeOther && location == "/admin/sla?done=sla-reset")
        }
    }

    @Test("the audit log: newest first, 50 a page, the next page by link, one kind at a time")
    func auditPages() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let ada = try await Self.people(client, admin)[.admin]!
            for index in 0..<50 {
                try await client.execute(uri: "/api/v1/users", method: .post, headers: admin,
                                         body: ByteBuffer(string: "{\"name\":\"p\(index)\",\"role\":\"agent\"}")) { #expect($0.status == .created) }
            }
            let (status, _, _) = try await Self.post(client, ada, "/admin/macros/edit", [("intent", "save"), ("name", "m"), ("reply", "Hi.")])
            #expect(status == .seeOther)
            func targets(_ html: String) -> [String] { html.matches(of: /<td data-label="On">([^<]*)<\/td>/).map { String($0.output.1) } }
            let first = try await Self.get(client, ada, "/admin/audit").1
            #expect(targets(first).count == 50 && targets(first).first == "macro m" && targets(first)[1] == "user p49", "\(targets(first))")
            let next = try #require(first.firstMatch(of: /href="(\/admin\/audit\?before=\d+)" id="older-entries"/).map { String($0.output.1) })
            let second = try await Self.get(client, ada, next).1
            #expect(targets(second).last == "user test-admin" && !targets(second).contains("macro m") && second.contains(">Newest</a>"), "\(targets(second))")
            let macros = try await Self.get(client, ada, "/admin/audit?kind=macro.").1
            #expect(targets(macros) == ["macro m"] && macros.contains("<option value=\"macro.\" selected>") && !macros.contains("older-entries"))
            let (refused, page) = try await Self.get(client, ada, "/admin/audit?before=x")
            #expect(refused == .badRequest && page.contains("id=\"problem-detail\">Before must be an entry id.") && page.contains("href=\"/admin/audit\""))
            // A form no page makes (an unknown field) is refused with a page too, not JSON.
            let (status2, html2, _) = try await Self.post(client, ada, "/admin/tokens/revoke", [("prefix", "x"), ("extra", "1")])
            #expect(status2 == .badRequest && html2.contains("Unknown field &#39;extra&#39;.") && html2.contains("href=\"/admin/tokens\">Back"), "\(html2)")
        }
    }

    @Test("hostile text is shown as text on every admin page, never as markup")
    func escaping() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let ada = try await Self.people(client, admin)[.admin]!
            let hostile = "<script>alert(1)</script>\"'"
            var (status, _, _) = try await Self.post(client, ada, "/admin/tokens", [("name", hostile), ("user", "abe")])
            #expect(status == .created)
            (status, _, _) = try await Self.post(client, ada, "/admin/macros/edit", [("intent", "save"), ("name", "x"), ("description", hostile),
                                                                                    ("reply", "Hi {{ticket.subject}}.")])
            #expect(status == .seeOther)
            // A name the API refuses comes back in the form, escaped.
            let html: String
            (status, html, _) = try await Self.post(client, ada, "/admin/people", [("name", hostile), ("role", "agent"), ("tier", "1")])
            #expect(status == .badRequest && html.contains("value=\"&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;\""), "\(html)")
            #expect(!html.contains("<script>"))
            for page in ["/admin/tokens", "/admin/macros", "/admin/macros/edit?name=x", "/admin/audit"] {
                let text = try await Self.get(client, ada, page).1
                #expect(!text.contains("<script>") && text.contains("&lt;script&gt;"), "\(page): \(text)")
            }
            let notice = try await Self.get(client, ada, "/admin/people?done=person-created&name=%3Cscript%3E").1
            #expect(!notice.contains("<script>") && notice.contains("&lt;script&gt; was added."))
        }
    }
}
