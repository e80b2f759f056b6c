import DeskModel
import DeskStore
import Foundation
import Hummingbird
import ZeroMQ

/// Agent keys through the API (admin): register a public key made on the agent's machine (its secret
/// never travels), list them with the coordinator's public key, revoke one. See docs/SECURITY.md.
extension HTTPAPI {
    func addAgentKeyRoutes(to router: Router<DeskRequestContext>, _ routes: RouteTable) {
        router.on(routes, .get, "/api/v1/agent-keys", .requires(.agentKeysManage)) { request, _ in
            try await listAgentKeys(request.uri.queryParameters)
        }
        router.on(routes, .post, "/api/v1/agent-keys", .requires(.agentKeysManage)) { request, context in
            try await registerAgentKey(request, by: context.principal)
        }
        router.on(routes, .post, "/api/v1/agent-keys/revoke", .requires(.agentKeysManage)) { request, context in
            try await revokeAgentKey(request, by: context.principal)
        }
    }

    /// A key as JSON; `coordinatorKey` adds the coordinator's public key (the answer to a registration).
    static func agentKeyJSON(_ key: AgentKeyRecord, coordinatorKey: String? = nil) -> String {
        "{\"agent\":\(JSONText.string(key.userName)),\"public_key\":\(JSONText.string(key.publicKey)),\"name\":\(JSONText.string(key.name)),"
            + "\"created_at\":\(key.createdAt),\"revoked_at\":\(key.revokedAt.map(String.init) ?? "null")"
            + (coordinatorKey.map { ",\"coordinator_key\":\($0)" } ?? "") + "}"
    }

    var coordinatorKeyJSON: String { agentChannelKey.map(JSONText.string) ?? "null" }

    /// `GET /api/v1/agent-keys`: every registered key, and the coordinator's public key (null on a plain port).
    func listAgentKeys(_ query: Parameters) async throws -> Response {
        try Self.refuseUnknown(query, allowed: [])
        let keys = try await store.pool.read { db in try db.agentKeys() }
        return TicketJSON.response("{\"coordinator_key\":\(coordinatorKeyJSON),\"keys\":[" + keys.map { Self.agentKeyJSON($0) }.joined(separator: ",") + "]}")
    }

    /// `POST /api/v1/agent-keys` `{"agent","public_key","name"}`: 201 with the coordinator's public key for
    /// the agent's key file. The account must exist and be staff or a bot (not a customer).
    func registerAgentKey(_ request: Request, by principal: Principal?) async throws -> Response {
        let record = try await registerAgentKey(try await decodeBody(request, as: AgentKeyBody.self, upTo: 4096), by: principal)
        return TicketJSON.response(Self.agentKeyJSON(record, coordinatorKey: coordinatorKeyJSON), status: .created)
    }

    /// Registers a public key for an account, checked and audited (the API's and the admin page's).
    func registerAgentKey(_ body: AgentKeyBody, by principal: Principal?) async throws -> AgentKeyRecord {
        guard let agent = body.agent, !agent.isEmpty else { throw APIError(.badRequest, "field 'agent' is required", field: "agent") }
        guard let key = body.publicKey, CurveKeyPair.isKey(key) else {
            throw APIError(.badRequest, "public_key must be a CURVE public key: 40 characters of Z85", field: "public_key")
        }
        let label = (body.name ?? "api").trimmingCharacters(in: .whitespaces)
        guard !label.isEmpty, label.count <= 64, !label.containsNUL else {
            throw APIError(.badRequest, "name must be 1 to 64 characters", field: "name")
        }
        let actor = Self.actor(principal), now = currentMillis()
        enum Outcome { case registered(AgentKeyRecord), noAccount, customer, taken }
        let outcome: Outcome = try await store.writer.write { db in
            guard let user = try db.user(named: agent) else { return .noAccount }
            guard user.role != .customer else { return .customer }
            guard try db.agentKey(publicKey: key) == nil else { return .taken }
            try db.registerAgentKey(key, userID: user.id, name: label, at: now)
            try db.audit(actor: actor, action: "agent-key.create", target: "agent key \(key.prefix(8)) of \(agent)",
                         after: "{\"agent\":\(JSONText.string(agent)),\"key\":\(JSONText.string(key)),\"name\":\(JSONText.string(label))}", at: now)
            guard let record = try db.agentKey(publicKey: key) else { throw StoreError.conflict("the key just registered is not there") }
            return .registered(record)
        }
        switch outcome {
        case .noAccount: throw APIError(.notFound, "account '\(agent.prefix(64))' not found: create it first (POST /api/v1/users)", field: "agent")
        case .customer: throw APIError(.conflict, "account '\(agent.prefix(64))' is a customer: agent keys are for staff and bot accounts", field: "agent")
        case .taken: throw APIError(.conflict, "this public key is already registered", field: "public_key")
        case .registered(let record): return record
        }
    }

    /// `POST /api/v1/agent-keys/revoke` `{"public_key"}` (a Z85 key does not fit in a URL path): new
    /// connections with it are refused from now on.
    func revokeAgentKey(_ request: Request, by principal: Principal?) async throws -> Response {
        try await revokeAgentKey(try await decodeBody(request, as: AgentKeyBody.self, upTo: 4096), by: principal)
        return Response(status: .noContent)
    }

    func revokeAgentKey(_ body: AgentKeyBody, by principal: Principal?) async throws {
        guard let key = body.publicKey, CurveKeyPair.isKey(key) else {
            throw APIError(.badRequest, "public_key must be a CURVE public key: 40 characters of Z85", field: "public_key")
        }
        let actor = Self.actor(principal), now = currentMillis()
        let revoked = try await store.writer.write { db -> Bool in
            guard try db.revokeAgentKey(key, at: now) else { return false }
            try db.audit(actor: actor, action: "agent-key.revoke", target: "agent key \(key.prefix(8))", at: now)
            return true
        }
        guard revoked else { throw APIError(.notFound, "no active agent key \(key)", field: "public_key") }
    }
}

/// `POST /api/v1/agent-keys` and `…/revoke` bodies.
struct AgentKeyBody: Decodable {
    var agent: String?
    var publicKey: String?
    var name: String?

    enum CodingKeys: String, CodingKey {
        case agent, name
        case publicKey = "public_key"
    }
}
