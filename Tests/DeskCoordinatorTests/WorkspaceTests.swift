@testable import DeskCoordinator
import DeskModel
import DeskStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The staff workspace, the customer's ticket page and the live stream through the real router, store,
/// loop and agent port: a web desk is a CURVE agent session on the coordinator's own port.
@Suite("web workspace") struct WorkspaceTests {
    typealias API = HTTPAPIInProcessTests
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    struct People {
        var admin, agent, lead, customer, otherCustomer: HTTPFields
    }

    static func application(liveSeconds: Int = 300) async throws -> (app: some ApplicationProtocol, directory: String, people: People) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-work-\(UUID().uuidString)").path
        let store = try TicketStore(directory: directory)
        func token(_ name: String, _ role: Role, _ email: String? = nil) async throws -> HTTPFields {
            API.bearer(try await store.issueToken(account: name, role: role, email: email).token)
        }
        let people = People(admin: try await token("ada", .admin), agent: try await token("wes", .agent), lead: try await token("lee", .lead),
                            customer: try await token("cara", .customer, "cara@example.com"),
                            otherCustomer: try await token("carl", .customer, "carl@example.com"))
        await store.close()
        var configuration = CoordinatorConfiguration(dataDirectory: directory, agentEndpoint: "tcp://127.0.0.1:*",
                                                     eventEndpoint: "tcp://127.0.0.1:*", httpPort: 0, heartbeatIntervalMs: 200)
        configuration.liveStreamSeconds = liveSeconds
        configuration.knowledgeModel = nil
        var logger = Logger(label: "desk-test")
        logger.logLevel = .warning
        return (try await Coordinator.buildApplication(configuration, logger: logger), directory, people)
    }

    static func body(_ fields: [String: String]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return ByteBuffer(string: fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&"))
    }

    /// The value of the hidden input `name` on a page.
    static func hidden(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"([^\"]*)\"", options: .regularExpression) else { return nil }
        return String(html[range]).components(separatedBy: "value=\"")[1].dropLast().description
    }

    static func create(_ client: some TestClientProtocol, _ subject: String, requester: String = "cara@example.com") async throws -> Int {
        try await client.execute(uri: "/api/v1/tickets", method: .post, headers: [.contentType: "application/json"],
                                 body: ByteBuffer(string: #"{"subject":"\#(subject)","body":"Details.","requester":"\#(requester)"}"#)) { response in
            #expect(response.status == .created)
            return API.json(response.body)["id"] as? Int ?? 0
        }
    }

    static func history(_ client: some TestClientProtocol, _ id: Int, _ admin: HTTPFields) async throws -> [(kind: String, actor: String)] {
        try await client.execute(uri: "/api/v1/tickets/\(id)", method: .get, headers: admin) { response in
            (API.json(response.body)["history"] as? [[String: Any]] ?? []).map { ($0["kind"] as? String ?? "", $0["actor"] as? String ?? "") }
        }
    }

    /// Opens the person's desk (GET /work) and waits until ticket `id` is theirs; returns the ticket page.
    static func held(_ client: some TestClientProtocol, _ id: Int, by person: HTTPFields) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let page = try await client.execute(uri: "/work/tickets/\(id)", method: .get, headers: person) { String(buffer: $0.body) }
            if page.contains("id=\"actions\"") { return page }
            _ = try await client.execute(uri: "/work", method: .get, headers: person) { $0.status }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Timeout(description: "ticket \(id) never reached the desk's page within 10 s")
    }

    struct Timeout: Error, CustomStringConvertible { let description: String }

    @Test("a web desk acts under its lease: a resent form is one action; a form from another epoch, or after the lease ended, sends nothing")
    func deskActsOnceUnderItsLease() async throws {
        let (app, directory, people) = try await Self.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/work", method: .get, headers: people.agent) { response in
                #expect(String(buffer: response.body).contains("Online, taking tickets"), "the desk connected to the agent port")
            }
            let id = try await Self.create(client, "Wi-Fi drops")
            let page = try await Self.held(client, id, by: people.agent)
            let key = try #require(Self.hidden("key", in: page)), epoch = try #require(Self.hidden("epoch", in: page))
            for _ in 0..<2 {  // a double click, a resend: one note
                try await client.execute(uri: "/work/tickets/\(id)", method: .post, headers: people.agent.merging(Self.form),
                                         body: Self.body(["key": key, "epoch": epoch, "action": "note", "body": "checked the AP"])) { response in
                    #expect(response.status == .seeOther && response.headers[.location] == "/work/tickets/\(id)?done=note", "\(response.status)")
                }
            }
            #expect(try await Self.history(client, id, people.admin).filter { $0.kind == "noted" }.count == 1)
            // A page rendered under another epoch: refused before anything is sent.
            try await client.execute(uri: "/work/tickets/\(id)", method: .post, headers: people.agent.merging(Self.form),
                                     body: Self.body(["key": "k2", "epoch": "\((Int(epoch) ?? 0) + 7)", "action": "reply", "body": "hello"])) { response in
                let html = String(buffer: response.body)
                #expect(response.status == .conflict && html.contains("no longer yours") && html.contains("Nothing was sent"), "\(html)")
            }
            // Resolved in one tab; the other tab's reply is refused, and the history shows the one resolution.
            try await client.execute(uri: "/work/tickets/\(id)", method: .post, headers: people.agent.merging(Self.form),
                                     body: Self.body(["key": "k3", "epoch": epoch, "action": "resolve", "resolution": "moved the AP"])) { response in
                #expect(response.status == .seeOther)
            }
            try await client.execute(uri: "/work/tickets/\(id)", method: .post, headers: people.agent.merging(Self.form),
                                     body: Self.body(["key": "k4", "epoch": epoch, "action": "reply", "body": "late"])) { response in
                #expect(response.status == .conflict)
            }
            let kinds = try await Self.history(client, id, people.admin).map(\.kind)
            #expect(kinds.filter { $0 == "resolved" }.count == 1 && !kinds.contains("replied"), "\(kinds)")
            // An absent value leaves its section out (a boxed nil once printed "nil" in an error box).
            try await client.execute(uri: "/work/tickets/\(id)", method: .get, headers: people.agent) { response in
                let html = String(buffer: response.body)
                #expect(!html.contains("nil") && !html.contains("id=\"action-error\""), "\(html)")
            }
            try await client.execute(uri: "/portal/new", method: .get) { response in
                #expect(!String(buffer: response.body).contains("id=\"sign-out\""), "an anonymous page offers no sign-out")
            }
            // A customer never gets the staff page; an agent never gets the dashboard.
            try await client.execute(uri: "/work/tickets/\(id)", method: .get, headers: people.customer) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/portal")
            }
            try await client.execute(uri: "/lead", method: .get, headers: people.agent) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/work")
            }
        }
    }

    @Test("pages of one person opened at once make one desk with one key, and it connects")
    func oneDeskPerPersonUnderConcurrentPages() async throws {
        let (app, directory, people) = try await Self.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let pages = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<6 {
                    group.addTask { try await client.execute(uri: "/work", method: .get, headers: people.agent) { String(buffer: $0.body) } }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(pages.count == 6 && pages.allSatisfy { $0.contains("Online, taking tickets") }, "every page sees the desk connected")
            let store = try TicketStore(directory: directory)
            let active = try await store.pool.read { db in try db.agentKeys().filter { $0.userName == "wes" && $0.revokedAt == nil } }
            await store.close()
            #expect(active.count == 1 && active.first?.name == "web workspace", "\(active)")
        }
    }

    @Test("the customer's page shows the public reply and never the note; confirming resolves once; another customer's ticket is not found")
    func customerSeesRepliesAndConfirms() async throws {
        let (app, directory, people) = try await Self.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/work", method: .get, headers: people.agent) { $0.status }
            let id = try await Self.create(client, "Reports page slow")
            let page = try await Self.held(client, id, by: people.agent)
            let epoch = try #require(Self.hidden("epoch", in: page))
            for (key, fields) in [("a", ["action": "reply", "body": "The cache is cleared now."]),
                                  ("b", ["action": "note", "body": "SECRET-NOTE ops flushed it"]),
                                  ("c", ["action": "status", "status": "pending_confirmation"])] {
                try await client.execute(uri: "/work/tickets/\(id)", method: .post, headers: people.agent.merging(Self.form),
                                         body: Self.body(fields.merging(["key": key, "epoch": epoch]) { a, _ in a })) { response in
                    #expect(response.status == .seeOther, "\(key): \(String(buffer: response.body))")
                }
            }
            try await client.execute(uri: "/portal/tickets/\(id)", method: .get, headers: people.customer) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("The cache is cleared now.") && !html.contains("SECRET-NOTE"), "\(html)")
                #expect(html.contains("Answered: please confirm it is solved") && html.contains("id=\"confirm-solved\""))
            }
            try await client.execute(uri: "/portal/tickets/\(id)", method: .get, headers: people.otherCustomer) { response in
                #expect(response.status == .notFound)
            }
            // The reply's mail links to this page (answering and confirming are POSTs from it).
            try await client.execute(uri: "/api/v1/outbox?ticket=\(id)", method: .get, headers: people.admin) { response in
                let messages = API.json(response.body)["messages"] as? [[String: Any]] ?? []
                #expect(messages.count == 1 && (messages.first?["link"] as? String)?.hasSuffix("/portal/tickets/\(id)") == true, "\(messages)")
            }
            try await client.execute(uri: "/portal", method: .get, headers: people.customer) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("/portal/tickets/\(id)") && !html.contains("nil"), "my requests link to each, no boxed nil: \(html)")
            }
            try await client.execute(uri: "/api/v1/tickets/\(id)/confirm", method: .post, headers: people.otherCustomer,
                                     body: ByteBuffer(string: #"{"solved":true}"#)) { response in #expect(response.status == .notFound) }
            try await client.execute(uri: "/api/v1/tickets/\(id)/confirm", method: .post, headers: people.customer,
                                     body: ByteBuffer(string: #"{"solved":true,"extra":1}"#)) { response in #expect(response.status == .badRequest) }
            try await client.execute(uri: "/api/v1/tickets/\(id)/confirm", method: .post, headers: people.customer,
                                     body: ByteBuffer(string: #"{"solved":true}"#)) { response in
                #expect(response.status == .ok && API.json(response.body)["status"] as? String == "resolved", "\(String(buffer: response.body))")
            }
            try await client.execute(uri: "/api/v1/tickets/\(id)/confirm", method: .post, headers: people.customer,
                                     body: ByteBuffer(string: #"{"solved":true}"#)) { response in #expect(response.status == .conflict) }
            let history = try await Self.history(client, id, people.admin)
            #expect(history.filter { $0 == ("resolved", "customer") }.count == 1, "\(history)")
            // The desk's lease ended with it: its page offers no actions.
            try await client.execute(uri: "/work/tickets/\(id)", method: .get, headers: people.agent) { response in
                #expect(!String(buffer: response.body).contains("id=\"actions\""))
            }
        }
    }

    @Test("not solved puts the ticket back in progress with its agent, with the customer's words")
    func notSolvedReopensTheWork() async throws {
        let (app, directory, people) = try await Self.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/work", method: .get, headers: people.agent) { $0.status }
            let id = try await Self.create(client, "Printer jams")
            let page = try await Self.held(client, id, by: people.agent)
            let epoch = try #require(Self.hidden("epoch", in: page))
            try await client.execute(uri: "/work/tickets/\(id)", method: .post, headers: people.agent.merging(Self.form),
                                     body: Self.body(["key": "s", "epoch": epoch, "action": "status", "status": "pending_confirmation"])) { #expect($0.status == .seeOther) }
            try await client.execute(uri: "/portal/tickets/\(id)/confirm", method: .post, headers: people.customer.merging(Self.form),
                                     body: Self.body(["solved": "no", "comment": "still jams on A3"])) { response in
                #expect(response.status == .ok && String(buffer: response.body).contains("back with our team"))
            }
            try await client.execute(uri: "/api/v1/tickets/\(id)", method: .get, headers: people.admin) { response in
                let ticket = API.json(response.body)
                #expect(ticket["status"] as? String == "in_progress" && ticket["assignee"] as? String == "wes", "\(ticket)")
            }
            try await client.execute(uri: "/api/v1/tickets/\(id)/conversation", method: .get, headers: people.customer) { response in
                #expect(String(buffer: response.body).contains("Not solved: still jams on A3"))
            }
        }
    }

    @Test("the live stream: anonymous is refused; a customer hears only their own tickets' public events; staff hear every ticket")
    func liveStreamIsScoped() async throws {
        let (app, directory, people) = try await Self.application(liveSeconds: 1)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            try await client.execute(uri: "/live", method: .get) { response in #expect(response.status == .unauthorized) }
            // A stream names where it stands first; a reconnect with that id hears everything after it.
            let first = try await client.execute(uri: "/live", method: .get, headers: people.customer) { String(buffer: $0.body) }
            let mark = try #require(first.split(separator: "\n").first { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }, "\(first)")
            let mine = try await Self.create(client, "Mine", requester: "cara@example.com")
            let theirs = try await Self.create(client, "Theirs", requester: "carl@example.com")
            let resume: HTTPFields = [HTTPField.Name("Last-Event-ID")!: mark]
            let customer = try await client.execute(uri: "/live", method: .get, headers: people.customer.merging(resume)) { String(buffer: $0.body) }
            let staff = try await client.execute(uri: "/live", method: .get, headers: people.lead.merging(resume)) { String(buffer: $0.body) }
            // An id of another process (or garbage) is told to reload.
            let stale = try await client.execute(uri: "/live", method: .get, headers: people.lead.merging([HTTPField.Name("Last-Event-ID")!: "zz-5"])) {
                String(buffer: $0.body)
            }
            #expect(stale.contains("event: reset"), "\(stale)")
            func changed(_ stream: String) -> Set<Int> {
                Set(stream.split(separator: "\n").filter { $0.hasPrefix("data: {\"tickets\"") }.flatMap { line -> [Int] in
                    let json = (try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8))) as? [String: Any]
                    return json?["tickets"] as? [Int] ?? []
                })
            }
            #expect(changed(customer) == [mine], "\(customer)")
            #expect(changed(staff).isSuperset(of: [mine, theirs]), "\(staff)")
        }
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var fields = self
        fields.append(contentsOf: other)
        return fields
    }
}

/// The live feed's ring: ids in order, a reader too far behind told to reset, ids of another process refused.
@Suite("live feed") struct LiveFeedTests {
    static func event(_ ticket: TicketID, _ kind: TicketEventKind, at: Millis = 7_200_000) -> TicketEvent {
        TicketEvent(ticketID: ticket, at: at, actor: "t", kind: kind, detail: "")
    }

    @Test func readersGetWhatChangedOrAReset() {
        let feed = LiveFeed(capacity: 4)
        #expect(feed.changes(after: 0).tickets.isEmpty && !feed.changes(after: 0).reset)
        feed.append((1...3).map { Self.event($0, .created) })
        let first = feed.changes(after: 1)
        #expect(first.tickets == [2, 3] && first.last == 3 && !first.more)
        feed.append((4...6).map { Self.event($0, .resolved, at: 10_800_000) })  // the ring holds 3...6 now
        #expect(feed.changes(after: 2).tickets == [3, 4, 5, 6] && !feed.changes(after: 2).reset)
        #expect(feed.changes(after: 1).reset, "event 2 is gone: the reader must reload")
        #expect(feed.changes(after: 99).reset, "an id from the future (another process) resets")
        #expect(feed.changes(after: 6).tickets.isEmpty && !feed.changes(after: 6).reset)
        let capped = feed.changes(after: 2, limit: 2)
        #expect(capped.tickets == [3, 4] && capped.more && capped.last == 6, "past the limit: more, and read up to the newest")
        let filtered = feed.changes(after: 2) { ticket, kind in ticket != 4 && kind == .resolved }
        #expect(filtered.tickets == [5, 6] && filtered.last == 6)
        feed.append([Self.event(5, .noted), Self.event(5, .replied)])
        #expect(feed.changes(after: 6).tickets == [5], "one ticket, once, however many events")
        #expect(feed.parse(feed.eventID(5)) == 5 && feed.parse("other-5") == nil && feed.parse("nonsense") == nil)
        let hours = feed.hourly(now: 10_800_000, hours: 2)
        #expect(hours.map(\.created) == [3, 0] && hours.map(\.resolved) == [0, 3], "\(hours)")
        feed.seed(created: [2: 10], resolved: [:])
        #expect(feed.hourly(now: 10_800_000, hours: 2).map(\.created) == [13, 0])
    }
}

/// Ticket types at intake, for every channel, and as the portal's form.
@Suite("ticket types at intake") struct TicketTypeIntakeTests {
    typealias API = HTTPAPIInProcessTests

    @Test("the API names the type's field at fault; a complete request stores its type and fields and gets the suggested priority")
    func apiChecksTypes() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let base = #""subject":"API down","body":"500 on every call","requester":"ops@example.com","type":"incident""#
            try await client.execute(uri: "/api/v1/tickets", method: .post, body: ByteBuffer(string: "{\(base),\"fields\":{\"impact\":\"everyone\"}}")) { response in
                let json = API.json(response.body)
                #expect(response.status == .badRequest && json["field"] as? String == "fields.product_area", "\(json)")
            }
            let fields = #""fields":{"product_area":"API","impact":"everyone","urgency":"work is stopped"}"#
            let id = try await client.execute(uri: "/api/v1/tickets", method: .post, body: ByteBuffer(string: "{\(base),\(fields)}")) { response in
                let json = API.json(response.body)
                #expect(response.status == .created && json["priority"] as? String == "P1" && json["type"] as? String == "incident", "\(json)")
                #expect((json["fields"] as? [String: String])?["urgency"] == "work is stopped", "\(json)")
                return json["id"] as? Int ?? 0
            }
            try await client.execute(uri: "/api/v1/tickets/\(id)", method: .get, headers: admin) { response in
                let json = API.json(response.body)
                #expect(json["type"] as? String == "incident" && (json["fields"] as? [String: String])?["product_area"] == "API", "stored: \(json)")
            }
            // A priority the request names wins over the suggestion; the batch checks types too.
            let batch = "{\"tickets\":[{\(base),\(fields),\"priority\":\"P4\"},"
                + #"{"subject":"x","body":"y","requester":"ops@example.com","type":"nonsense"}]}"#
            try await client.execute(uri: "/api/v1/tickets/batch", method: .post, headers: admin, body: ByteBuffer(string: batch)) { response in
                let results = API.json(response.body)["results"] as? [[String: Any]] ?? []
                #expect(results.count == 2 && results[0]["status"] as? Int == 201 && results[1]["status"] as? Int == 400, "\(results)")
                #expect(results.count == 2 && (results[1]["field"] as? String) != nil, "\(results)")
            }
            try await client.execute(uri: "/api/v1/ticket-types", method: .get) { response in
                let types = API.json(response.body)["types"] as? [[String: Any]] ?? []
                #expect(types.map { $0["name"] as? String ?? "" } == ["incident", "question", "access_request", "feature_request"])
            }
        }
    }

    @Test("the portal form renders the type's fields and names the one missing next to it, keeping what was typed")
    func portalFormForAType() async throws {
        let (app, directory, _) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/portal/new?type=access_request", method: .get) { String(buffer: $0.body) }
            #expect(page.contains("id=\"f_system\"") && page.contains("Which access or role") && page.contains("name=\"type\" value=\"access_request\""))
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            try await client.execute(uri: "/portal/new", method: .post, headers: form,
                                     body: ByteBuffer(string: "type=access_request&requester=pat%40example.com&subject=VPN&body=Need+it&f_system=VPN&f_access=")) { response in
                let html = String(buffer: response.body)
                #expect(response.status == .badRequest && html.contains("id=\"f_access-error\"") && html.contains("Which access or role is required."), "\(html)")
                #expect(html.contains("value=\"VPN\""), "what was typed is kept")
            }
            try await client.execute(uri: "/portal/new", method: .post, headers: form,
                                     body: ByteBuffer(string: "type=access_request&requester=pat%40example.com&subject=VPN&body=Need+it&f_system=VPN&f_access=user")) { response in
                #expect(response.status == .created)
            }
        }
    }
}

/// The help centre and the articles API through the real router and store.
@Suite("help centre") struct HelpCentreTests {
    typealias API = HTTPAPIInProcessTests

    @Test("anyone searches and reads published public articles; internal ones only staff; markup in an article stays text")
    func helpCentre() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            for (file, title, body, audience) in [("vpn.md", "The VPN drops every hour", "## Solution\nUpdate the client. <script>alert(1)</script>", "public"),
                                                   ("oncall.md", "VPN outage: whom to page", "Page the network on-call.", "internal")] {
                let json = try JSONSerialization.data(withJSONObject: ["file": file, "title": title, "body": body, "category": "network", "audience": audience])
                try await client.execute(uri: "/api/v1/kb/articles", method: .post, headers: admin, body: ByteBuffer(bytes: json)) { response in
                    #expect(response.status == .created, "\(String(buffer: response.body))")
                }
            }
            let page = try await client.execute(uri: "/help?q=vpn+dropping", method: .get) { String(buffer: $0.body) }
            #expect(page.contains("The <mark>VPN</mark> <mark>drops</mark> every hour") && !page.contains("whom to page"), "\(page)")
            #expect(page.contains("network</a> (1)"), "the category counts what the reader may see")
            let id = try #require(page.range(of: #"/help/articles/(\d+)"#, options: .regularExpression).map { String(page[$0].split(separator: "/").last!) })
            try await client.execute(uri: "/help/articles/\(id)", method: .get) { response in
                let html = String(buffer: response.body)
                #expect(response.status == .ok && html.contains("<h3>Solution</h3>") && html.contains("&lt;script&gt;") && !html.contains("<script>alert"), "\(html)")
            }
            let staff = try await client.execute(uri: "/help?q=vpn", method: .get, headers: admin) { String(buffer: $0.body) }
            #expect(staff.contains("whom to page"), "staff also find internal articles")
            try await client.execute(uri: "/api/v1/kb/search?q=%22NEAR(vpn*%20AND", method: .get) { response in
                let json = API.json(response.body)
                #expect(response.status == .ok && json["ranking"] as? String == "keyword" && (json["results"] as? [[String: Any]])?.count == 1, "\(json)")
            }
            try await client.execute(uri: "/api/v1/kb/articles", method: .post, body: ByteBuffer(string: #"{"title":"x","body":"y"}"#)) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/api/v1/kb/articles", method: .post, headers: admin, body: ByteBuffer(string: #"{"title":"","body":"y"}"#)) { response in
                #expect(response.status == .badRequest && API.json(response.body)["field"] as? String == "title")
            }
        }
    }
}
