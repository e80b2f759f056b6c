@testable import DeskCoordinator
import DeskModel
import DeskStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// docs/SECURITY.md's table of every endpoint × caller is the contract: the routes the coordinator
/// registers must be exactly the table's rows with the same permission, and every route answers every
/// kind of caller as the table says (`yes`: past access control, whatever the handler then answers;
/// `401` with `WWW-Authenticate`; `403` naming the missing permission), signed in by token and by session
/// cookie alike. Expired, revoked and narrowed tokens are checked on every route too.
@Suite("access matrix") struct AccessMatrixTests {
    /// The table's callers, in its column order.
    static let columns: [Role?] = [nil, .customer, .agent, .lead, .admin]

    /// One row of the table: `| `METHOD PATH` | needs | no token | customer | agent | lead | admin |`.
    struct Row: Equatable, CustomStringConvertible {
        let method: String, path: String, needs: String, cells: [String]
        var description: String { "| `\(method) \(path)` | \(needs) | " + cells.joined(separator: " | ") + " |" }
    }

    static func documentedRows() throws -> [Row] {
        let text = try String(contentsOfFile: repositoryFile("docs/SECURITY.md"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: "## Who may call what") else { throw MatrixError("docs/SECURITY.md has no '## Who may call what'") }
        let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("## ") } ?? lines.endIndex
        return lines[start..<end].filter { $0.hasPrefix("| `") }.map { line in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let endpoint = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`")).split(separator: " ", maxSplits: 1)
            return Row(method: String(endpoint[0]), path: String(endpoint.count > 1 ? endpoint[1] : ""), needs: cells[1],
                       cells: Array(cells.dropFirst(2)))
        }
    }

    /// What the code's route table says, in the table's words.
    static func row(_ route: RouteTable.Route) -> Row {
        func cell(_ role: Role?) -> String {
            switch route.access {
            case .anyone: return "yes"
            case .signedIn: return role == nil ? "401" : "yes"
            case .publicOr(let permission): return role.map { permission.roles.contains($0) ? "yes" : "403" } ?? "yes, rate-limited"
            case .requires(let permission): return role.map { permission.roles.contains($0) ? "yes" : "403" } ?? "401"
            case .page(let permission): return role.map { permission.roles.contains($0) ? "yes" : "403" } ?? "sign-in"
            }
        }
        return Row(method: route.method.rawValue, path: route.template, needs: route.access.description, cells: columns.map(cell))
    }

    @Test("docs/SECURITY.md lists exactly the registered routes, each with the access the code gives it")
    func documentedTableIsTheCodesTable() async throws {
        let routes = RouteTable()
        let (app, directory) = try await Self.application(routes: routes)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = app
        let code = routes.all.map(Self.row)
        let documented = try Self.documentedRows()
        #expect(code.count > 20, "the route table was read: \(code.count) routes")
        let missing = code.filter { !documented.contains($0) }, stale = documented.filter { !code.contains($0) }
        #expect(missing.isEmpty && stale.isEmpty, """
            docs/SECURITY.md and the code disagree.
            Rows the code has that the docs lack or show differently:
            \(missing.map(\.description).joined(separator: "\n"))
            Rows in the docs the code does not have:
            \(stale.map(\.description).joined(separator: "\n"))
            """)
    }

    @Test("every route answers every caller as the documented table says, and refuses expired, revoked and narrowed tokens")
    func everyRouteAnswersEveryCallerAsDocumented() async throws {
        let routes = RouteTable()
        let (app, directory) = try await Self.application(routes: routes)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try TicketStore(directory: directory)
        let now = Millis(Date().timeIntervalSince1970 * 1000)
        var issued: [Role: String] = [:]
        for role in Role.allCases {
            issued[role] = try await store.issueToken(account: "matrix-\(role.rawValue)", role: role,
                                                      email: role == .customer ? "matrix-customer@example.com" : nil).token
        }
        let expired = try await store.issueToken(account: "matrix-admin", role: .admin, label: "expired", expiresAt: now - 1000).token
        let revoked = try await store.issueToken(account: "matrix-admin", role: .admin, label: "revoked")
        _ = try await store.writer.write { db in try db.revokeToken(id: revoked.record.id, at: now) }
        let narrowed = try await store.issueToken(account: "matrix-admin", role: .admin, label: "read only", scopes: [.ticketsRead]).token
        // A browser session per role, answering as the role's token does; sign-out gets sessions of its own.
        let (sessions, spareSessions) = try await store.writer.write { db in
            var sessions: [Role: SessionRecordAndSecret] = [:], spare: [Role: SessionRecordAndSecret] = [:]
            for role in Role.allCases {
                guard let user = try db.user(named: "matrix-\(role.rawValue)") else { continue }
                for index in 0..<2 {
                    let (record, secret) = try db.createSession(userID: user.id, address: "matrix", expiresAt: now + 3_600_000, at: now)
                    if index == 0 { sessions[role] = .init(csrf: record.csrf, secret: secret) } else { spare[role] = .init(csrf: record.csrf, secret: secret) }
                }
            }
            return (sessions, spare)
        }
        #expect(sessions.count == Role.allCases.count && spareSessions.count == Role.allCases.count)
        await store.close()
        let tokens = issued
        let documented = try Self.documentedRows()
        let table = routes.all

        try await app.test(.router) { client in
            // One ticket of someone else to point `{id}` at.
            var ticket = "1"
            try await client.execute(uri: "/api/v1/tickets", method: .post, headers: Self.bearer(tokens[.admin]!),
                                     body: ByteBuffer(string: #"{"subject":"s","body":"b","requester":"someone@example.com"}"#)) { response in
                #expect(response.status == .created)
                ticket = "\(Self.json(response.body)["id"] as? Int ?? 1)"
            }
            for route in table {
                let path = route.template.replacingOccurrences(of: "{id}", with: ticket)
                    .replacingOccurrences(of: "{name}", with: "nobody").replacingOccurrences(of: "{prefix}", with: "desk_00000000")
                    .replacingOccurrences(of: "{secret}", with: String(repeating: "A", count: 43))
                let method = HTTPRequest.Method(route.method.rawValue)!
                let body = [.post, .put, .patch].contains(method) ? ByteBuffer(string: "{}") : nil
                let row = try #require(documented.first { $0.method == route.method.rawValue && $0.path == route.template },
                                       "\(route.method) \(route.template) is not in docs/SECURITY.md")
                let permission: String? = switch route.access {
                case .publicOr(let p), .requires(let p), .page(let p): p.rawValue
                default: nil
                }
                // Every caller by token, then every signed-in caller by session cookie (with its CSRF token).
                let callers: [(role: Role?, headers: HTTPFields, column: Int)] = Self.columns.enumerated().map { column, role in
                    (role, role.map { Self.bearer(tokens[$0]!) } ?? [:], column)
                } + Self.columns.enumerated().compactMap { column, role in
                    guard let role, let session = (route.template == "/auth/sign-out" ? spareSessions : sessions)[role] else { return nil }
                    return (role, [.cookie: "desk_session=\(session.secret)", .xCSRFToken: session.csrf], column)
                }
                for (role, headers, column) in callers {
                    let expected = row.cells[column]
                    let by = headers[.cookie] == nil ? "token" : "session"
                    try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
                        let what = "\(route.method) \(path) as \(role?.rawValue ?? "no token") by \(by) (documented: \(expected)): \(response.status) \(Self.text(response.body))"
                        switch expected {
                        case "401":
                            #expect(response.status == .unauthorized && response.headers[.wwwAuthenticate] != nil, "\(what)")
                        case "sign-in":  // a page: anyone without a credential is sent to sign in
                            #expect(response.status == .seeOther && response.headers[.location] == "/sign-in", "\(what)")
                        case "403":
                            // A page says it in HTML, where Mustache writes an apostrophe as &#39;.
                            let body = Self.text(response.body).replacingOccurrences(of: "&#39;", with: "'")
                            #expect(response.status == .forbidden && body.contains("permission '\(permission ?? "?")'"), "\(what)")
                        default:
                            #expect(expected.hasPrefix("yes"), "\(what)")
                            #expect(response.status != .unauthorized && response.status != .forbidden, "\(what)")
                        }
                    }
                }
                // A credential that is no longer good is refused everywhere, even where no credential is needed.
                for bad in [expired, revoked.token, "desk_deadbeef_" + String(repeating: "A", count: 43), "Basic x"] {
                    let header: HTTPFields = bad.hasPrefix("Basic") ? [.authorization: bad] : Self.bearer(bad)
                    try await client.execute(uri: path, method: method, headers: header, body: body) { response in
                        #expect(response.status == .unauthorized, "\(route.method) \(path) with \(bad.prefix(14))…: \(response.status)")
                    }
                }
                // A token narrowed to tickets:read passes only where tickets:read (or nothing) is asked.
                try await client.execute(uri: path, method: method, headers: Self.bearer(narrowed), body: body) { response in
                    let allowed = permission == nil || permission == Permission.ticketsRead.rawValue
                    let what = "\(route.method) \(path) with a tickets:read token: \(response.status) \(Self.text(response.body))"
                    if allowed {
                        #expect(response.status != .unauthorized && response.status != .forbidden, "\(what)")
                    } else {
                        #expect(response.status == .forbidden && Self.text(response.body).contains("is limited to tickets:read"), "\(what)")
                    }
                }
            }
        }
    }
}

extension AccessMatrixTests {
    /// A session made in the store: the cookie's secret and its CSRF token.
    struct SessionRecordAndSecret: Sendable {
        let csrf: String
        let secret: String
    }

    struct MatrixError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func application(routes: RouteTable) async throws -> (app: some ApplicationProtocol, directory: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-matrix-\(UUID().uuidString)").path
        var configuration = CoordinatorConfiguration(dataDirectory: directory, agentEndpoint: "tcp://127.0.0.1:*",
                                                     eventEndpoint: "tcp://127.0.0.1:*", httpPort: 0, heartbeatIntervalMs: 200)
        configuration.credentialFailuresPerMinute = 10_000  // every route is probed with bad tokens from one address
        configuration.liveStreamSeconds = 0  // GET /live answers its first lines and ends
        var logger = Logger(label: "desk-test")
        logger.logLevel = .critical
        return (try await Coordinator.buildApplication(configuration, logger: logger, routes: routes), directory)
    }

    /// A file of this repository, found from this source file's path.
    static func repositoryFile(_ path: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(path).path
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer " + token] }
    static func text(_ buffer: ByteBuffer) -> String { String(buffer: buffer) }
    static func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
    }
}
