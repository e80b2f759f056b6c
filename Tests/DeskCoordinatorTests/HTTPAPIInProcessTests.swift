@testable import DeskCoordinator
import DeskModel
import DeskStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The HTTP API driven in process through Hummingbird's test client: the real router, loop and store
/// (in a temporary directory), no child process and no HTTP socket.
@Suite("HTTP API in process")
struct HTTPAPIInProcessTests {
    /// A coordinator on a fresh store, with sockets on free ports.
    /// A coordinator on a fresh data directory, with an admin's token made in its store first; `admin` is
    /// the header fields that send it.
    /// A coordinator on a new data directory. Knowledge search is keyword-only unless `knowledgeModel` names
    /// the embedding model (its result then depends on when the background embedding finishes).
    static func application(knowledgeModel: URL? = nil, knowledgeBot: Bool = false)
        async throws -> (app: some ApplicationProtocol, directory: String, admin: HTTPFields) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-inproc-\(UUID().uuidString)").path
        let token = try await issueToken(directory, account: "test-admin", role: .admin)
        var configuration = CoordinatorConfiguration(dataDirectory: directory, agentEndpoint: "tcp://127.0.0.1:*",
                                                     eventEndpoint: "tcp://127.0.0.1:*", httpPort: 0, heartbeatIntervalMs: 200)
        configuration.signIn.passwordCost = 4  // bcrypt's least: the tests' many sign-ins stay cheap (production: 12)
        configuration.knowledgeModel = knowledgeModel
        configuration.knowledgeBot = knowledgeBot
        var logger = Logger(label: "desk-test")
        logger.logLevel = .warning
        return (try await Coordinator.buildApplication(configuration, logger: logger), directory, bearer(token))
    }

    /// A token made straight in the store of `directory`.
    static func issueToken(_ directory: String, account: String, role: Role, email: String? = nil, scopes: [Permission]? = nil) async throws -> String {
        let store = try TicketStore(directory: directory)
        let token = try await store.issueToken(account: account, role: role, email: email, scopes: scopes).token
        await store.close()
        return token
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer " + token] }

    static func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
    }

    @Test("a ticket missing a field, or with one of the wrong type, gets 400 naming that field")
    func badFieldsName() async throws {
        let (app, directory, admin) = try await Self.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cases: [(body: String, field: String?)] = [
            ("not json", nil),
            (#"{"subject": 5, "body": "b", "requester": "a@b.co"}"#, "subject"),
            (#"{"subject": "s", "requester": "a@b.co"}"#, "body"),
            (#"{"subject": "s", "body": "b", "requester": "a@b.co", "priority": "P7"}"#, "priority"),
        ]
        try await app.test(.router) { client in
            for (body, field) in cases {
                try await client.execute(uri: "/api/v1/tickets", method: .post, headers: admin, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest, "\(body)")
                    let json = Self.json(response.body)
                    #expect(json["field"] as? String == field, "\(body)")
                    #expect((json["error"] as? String)?.isEmpty == false)
                }
            }
        }
    }

    @Test("a body over 1 MiB gets 413; a good ticket gets 201 and reads back")
    func oversizedAndCreated() async throws {
        let (app, directory, admin) = try await Self.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let huge = "{\"subject\":\"s\",\"body\":\"" + String(repeating: "b", count: 2 << 20) + "\",\"requester\":\"a@b.co\"}"
            try await client.execute(uri: "/api/v1/tickets", method: .post, headers: admin, body: ByteBuffer(string: huge)) { response in
                #expect(response.status == .contentTooLarge)
            }
            let good = #"{"subject": "Printer", "body": "jammed", "requester": "a@b.co"}"#
            let id = try await client.execute(uri: "/api/v1/tickets", method: .post, headers: admin, body: ByteBuffer(string: good)) { response in
                #expect(response.status == .created)
                return (Self.json(response.body)["id"] as? NSNumber)?.int64Value ?? 0
            }
            try await client.execute(uri: "/api/v1/tickets/\(id)", method: .get, headers: admin) { response in
                #expect(response.status == .ok)
                #expect(Self.json(response.body)["subject"] as? String == "Printer")
            }
        }
    }

    @Test("an unknown ticket and an unknown path get 404")
    func notFound() async throws {
        let (app, directory, admin) = try await Self.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/tickets/999", method: .get, headers: admin) { response in
                #expect(response.status == .notFound)
                #expect((Self.json(response.body)["error"] as? String)?.isEmpty == false)
            }
            try await client.execute(uri: "/api/v1/nothing-here", method: .get, headers: admin) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}

@Suite("HTTP API in process: overload")
struct HTTPAPIOverloadTests {
    @Test("intake past its in-flight limit answers 503 with Retry-After, and nothing of it is stored")
    func overloadRefuses() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-inproc-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = CoordinatorConfiguration(dataDirectory: directory, agentEndpoint: "tcp://127.0.0.1:*",
                                                     eventEndpoint: "tcp://127.0.0.1:*", httpPort: 0)
        configuration.intakeLimits = IntakeLimits(writerBacklog: 50_000, inFlight: 2)
        let admin = HTTPAPIInProcessTests.bearer(try await HTTPAPIInProcessTests.issueToken(directory, account: "test-admin", role: .admin))
        let app = try await Coordinator.buildApplication(configuration, logger: Logger(label: "desk-test"))
        let item = #"{"subject": "s", "body": "b", "requester": "a@b.co"}"#
        try await app.test(.router) { client in
            let three = "{\"tickets\":[\(item),\(item),\(item)]}"
            try await client.execute(uri: "/api/v1/tickets/batch", method: .post, headers: admin, body: ByteBuffer(string: three)) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
                #expect((HTTPAPIInProcessTests.json(response.body)["error"] as? String)?.contains("overloaded") == true)
            }
            try await client.execute(uri: "/api/v1/tickets?status=pending_assignment", method: .get, headers: admin) { response in
                #expect(response.status == .ok)
                #expect((HTTPAPIInProcessTests.json(response.body)["tickets"] as? [Any])?.isEmpty == true, "nothing stored")
            }
            let two = "{\"tickets\":[\(item),\(item)]}"
            try await client.execute(uri: "/api/v1/tickets/batch", method: .post, headers: admin, body: ByteBuffer(string: two)) { response in
                #expect(response.status == .ok, "within the limit")
            }
        }
    }
}
