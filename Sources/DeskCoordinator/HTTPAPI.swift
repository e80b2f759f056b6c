import DeskModel
import DeskStore
import Foundation
import Hummingbird
import Synchronization

/// The coordinator's HTTP API: intake, ticket queries, health and metrics.
struct HTTPAPI: Sendable {
    let store: TicketStore
    let inputs: AsyncStream<CoordinatorInput>.Continuation
    let metrics: CoordinatorMetrics
    let routing: RoutingRules
    let escalation: EscalationPolicy
    let slaPolicies: SLAPolicyBox
    let responseTargets: ResponseTargets
    /// The agent (ROUTER) and event (PUB) endpoints as bound, named by `/healthz` so a client that knows
    /// only the HTTP address (`desk loadtest run --attach URL`) can reach the rest.
    let agentEndpoint: String
    let eventEndpoint: String
    /// Tickets handed to the loop and not yet answered, across all requests.
    let intakeInFlight: IntakeCounter
    /// The data directory's free space: intake answers `507` while it is below the reserve.
    let storage: StorageGuard
    /// Past these, intake answers `503` with `Retry-After` instead of queueing more.
    var intakeLimits: IntakeLimits = .standard
    /// Who is asking (tokens, throttles).
    let access: AccessControl
    /// Intake without a credential: per client address and per requester.
    let publicIntake: PublicIntakeLimits
    /// Browser sessions: cookies, CSRF, sign-in throttles.
    let sessions: SessionAccess
    /// What sign-in links start with: the public address of the coordinator (`https://desk.example.com`).
    let linkBase: LinkBase
    /// The agent port's CURVE public key (Z85), for agents' key files; nil on a plain port.
    var agentChannelKey: String?
    /// The web app's pages.
    var pages = WebPages()
    /// The staff workspace's agent sessions, one per person (nil: the workspace cannot act).
    var gateway: WorkspaceGateway?
    /// The knowledge base's embedding model and vector index; nil: keyword search only.
    var knowledge: KnowledgeService?
    /// The built-in knowledge bot (`--knowledge-bot`), offered every new ticket from intake; nil: off.
    var knowledgeBot: KnowledgeBot?
    /// The events the live pages hear (the loop's publisher appends to it).
    var feed = LiveFeed()
    /// The ticket types intake checks and the portal's form offers.
    var ticketTypes = TicketTypes.standard
    /// How long one live stream lasts before the browser reconnects (with `Last-Event-ID`, missing nothing).
    var liveStreamSeconds = 300
    /// The dashboard's overdue count, counted at most every 5 s.
    let overdueCount = CachedCount()
    /// The largest request body accepted, in bytes.
    static let maxRequestBytes = 1 << 20
    /// The largest batch request body, in bytes, and the most tickets in one batch.
    static let maxBatchBytes = 16 << 20
    static let maxBatchTickets = 1000

    func router(routes: RouteTable = RouteTable()) -> Router<DeskRequestContext> {
        let router = Router(context: DeskRequestContext.self, options: .autoGenerateHeadEndpoints)
        // First: middleware applies only to the routes added after it.
        router.add(middleware: UnmatchedRouteMiddleware(table: routes))
        router.add(middleware: RouteMetricsMiddleware(metrics: metrics.requests))
        router.add(middleware: AccessMiddleware(access: access, sessions: sessions))
        router.on(routes, .post, "/api/v1/tickets", .publicOr(.ticketsCreate)) { request, context in try await createTicket(request, context) }
        router.on(routes, .post, "/api/v1/tickets/batch", .requires(.ticketsImport)) { request, _ in try await createTickets(request) }
        router.on(routes, .get, "/api/v1/tickets/{id}", .requires(.ticketsRead)) { _, context in
            try await showTicket(context.parameters.get("id") ?? "", context.principal)
        }
        router.on(routes, .get, "/api/v1/tickets", .requires(.ticketsRead)) { request, context in
            try await listTickets(request.uri.queryParameters, context.principal)
        }
        router.on(routes, .get, "/api/v1/tickets/{id}/conversation", .requires(.ticketsRead)) { _, context in
            try await conversation(context.parameters.get("id") ?? "", context.principal)
        }
        addAutomationRoutes(to: router, routes)
        addSteeringRoutes(to: router, routes)
        addAccessRoutes(to: router, routes)
        addSignInRoutes(to: router, routes)
        addAgentKeyRoutes(to: router, routes)
        addWebRoutes(to: router, routes)
        addPortalRoutes(to: router, routes)
        addWorkspaceRoutes(to: router, routes)
        addLiveRoutes(to: router, routes)
        addKnowledgeRoutes(to: router, routes)
        addHelpRoutes(to: router, routes)
        addAdminPages(to: router, routes)
        router.on(routes, .get, "/healthz", .anyone) { _, _ in
            TicketJSON.response("{\"status\":\"ok\",\"version\":\"\(DeskVersion.current)\",\"queued\":\(metrics.queuedTickets),\"agents\":\(metrics.connectedAgents),"
                                + "\"endpoints\":{\"agents\":\(JSONText.string(agentEndpoint)),\"events\":\(JSONText.string(eventEndpoint))}}")
        }
        router.on(routes, .get, "/metrics", .anyone) { _, _ in
            let articles = try await store.pool.read { db in (try db.articlesPerCategory(), try db.articleContributions()) }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.render(writerBacklog: store.writer.backlog, diskFreeBytes: storage.freeBytes,
                                                                                     commitLatency: store.writer.commitLatency,
                                                                                     knowledge: knowledge.map { ($0.backlogCount, $0.index.count, $0.semanticReady) },
                                                                                     articles: (articles.0.map { ($0.category, $0.count) },
                                                                                                articles.1.map { ($0.author, $0.articles) })))))
        }
        return router
    }

    /// `POST /api/v1/tickets`. Without a credential (the portal's form, e-mail, chat) rate-limited per
    /// client address and per requester; a customer creates only as themself.
    func createTicket(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let intake = try await decodeBody(request, as: IntakeRequest.self, upTo: Self.maxRequestBytes)
        let (ticket, created) = try await createTicket(intake, context)
        return TicketJSON.response(TicketJSON.ticket(ticket), status: created ? .created : .ok)
    }

    /// One ticket from any channel's request (the API's JSON, the portal's form): the customer's own
    /// address, validation, the public rate limits, the commit. The ticket, and whether it is new.
    func createTicket(_ given: IntakeRequest, _ context: DeskRequestContext, offerToBot: Bool = true) async throws -> (Ticket, Bool) {
        var intake = given
        if let principal = context.principal, principal.role == .customer {
            guard let email = principal.email else { throw APIError(.forbidden, "the account '\(principal.name)' has no e-mail address") }
            if let requester = intake.requester, !Principal.sameAddress(requester.trimmingCharacters(in: .whitespaces), email) {
                throw APIError(.forbidden, "a customer creates tickets only as themself (\(email))", field: "requester")
            }
            intake.requester = email
        }
        let new: NewTicket
        do {
            new = prepare(try typed(intake, try intake.validated()))
        } catch {
            metrics.intakeRejected.increment()
            throw APIError(.badRequest, error.message, field: error.field)
        }
        if context.principal == nil {
            let now = currentMillis()
            if let wait = publicIntake.perAddress.take(context.address, now: now) ?? publicIntake.perRequester.take(new.requester, now: now) {
                metrics.intakeRejected.increment()
                throw APIError(.tooManyRequests, "too many tickets from this address or requester without a token; retry in \(wait) s",
                               retryAfter: wait)
            }
        }
        let (ticket, created) = try await submit([new])[0]
        // The knowledge bot may answer it while it waits for a person (never a ticket whose customer already
        // saw the suggestions and chose to send it).
        if created, offerToBot { knowledgeBot?.offer(ticket) }
        return (ticket, created)
    }

    /// `POST /api/v1/tickets/batch`: `{"tickets":[…]}`, up to `maxBatchTickets`. Each item is validated
    /// on its own; the valid ones are committed in one transaction. The answer (200) lists one result per
    /// item, in order: `{"index":0,"status":201,"id":17}` (created), `200` (the idempotency key already
    /// named that ticket) or `400` with the field and the message.
    func createTickets(_ request: Request) async throws -> Response {
        let batch = try await decodeBody(request, as: IntakeBatch.self, upTo: Self.maxBatchBytes)
        guard batch.tickets.count <= Self.maxBatchTickets else {
            metrics.intakeRejected.increment()
            throw APIError(.contentTooLarge, "a batch holds at most \(Self.maxBatchTickets) tickets, got \(batch.tickets.count)",
                           field: "tickets")
        }
        var results = [String](repeating: "", count: batch.tickets.count)
        var valid: [(index: Int, ticket: NewTicket)] = []
        for (index, item) in batch.tickets.enumerated() {
            do {
                let request = try item.request.get()
                valid.append((index, prepare(try typed(request, try request.validated()))))
            } catch let error as IntakeError {
                results[index] = Self.refusal(index, APIError(.badRequest, error.message, field: error.field))
            } catch {
                results[index] = Self.refusal(index, error as? APIError ?? APIError.describing(error))
            }
        }
        metrics.intakeRejected.increment(by: batch.tickets.count - valid.count)
        var createdCount = 0
        if !valid.isEmpty {
            let stored = try await submit(valid.map(\.ticket))
            createdCount = stored.count { $0.created }
            for ((index, _), (ticket, isNew)) in zip(valid, stored) {
                results[index] = "{\"index\":\(index),\"status\":\(isNew ? 201 : 200),\"id\":\(ticket.id)}"
            }
        }
        return TicketJSON.response("{\"created\":\(createdCount),\"rejected\":\(batch.tickets.count - valid.count),"
                                   + "\"results\":[" + results.joined(separator: ",") + "]}")
    }

    /// Routing (skill) and intake escalation rules (tier, priority), before the loop sees the ticket.
    /// The ticket's type and fields checked against the coordinator's types; without a priority of its
    /// own, the one its impact and urgency suggest.
    func typed(_ intake: IntakeRequest, _ new: NewTicket) throws(IntakeError) -> NewTicket {
        guard intake.type != nil || intake.fields != nil else { return new }
        var ticket = new
        let checked = try ticketTypes.check(type: intake.type, fields: intake.fields)
        ticket.type = checked.type
        ticket.fields = checked.fields
        if intake.priority == nil, let suggested = checked.suggested { ticket.priority = suggested }
        return ticket
    }

    func prepare(_ new: NewTicket) -> NewTicket {
        var facts = TicketFacts(new)
        var ticket = routing.route(new, facts: &facts)
        if !escalation.rules.isEmpty { escalation.apply(to: &ticket, facts: &facts) }
        return ticket
    }

    /// Collects a request body of at most `limit` bytes (413 above) and decodes it (400 naming the field);
    /// either refusal counts as a rejected intake.
    func decodeBody<T: Decodable>(_ request: Request, as type: T.Type, upTo limit: Int) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            metrics.intakeRejected.increment()
            throw APIError(.contentTooLarge, "request body is over \(limit) bytes")
        }
        do {
            return try JSONDecoder().decode(Strict<T>.self, from: Data(buffer.readableBytesView)).value
        } catch {
            metrics.intakeRejected.increment()
            throw APIError.describing(error)
        }
    }

    /// Hands tickets to the loop and waits for their commit; refuses with `503` when the coordinator is
    /// overloaded.
    func submit(_ news: [NewTicket]) async throws -> [(ticket: Ticket, created: Bool)] {
        if storage.isLow {
            metrics.intakeRejected.increment(by: news.count)
            metrics.intakeDiskLow.increment(by: news.count)
            throw storage.refusal
        }
        let backlog = store.writer.backlog
        let inFlight = intakeInFlight.add(news.count)
        defer { intakeInFlight.subtract(news.count) }
        guard backlog <= intakeLimits.writerBacklog, inFlight <= intakeLimits.inFlight else {
            metrics.intakeRejected.increment(by: news.count)
            metrics.intakeOverloaded.increment(by: news.count)
            throw APIError(.serviceUnavailable, "the coordinator is overloaded (\(backlog) changes waiting for the store, "
                           + "\(inFlight) tickets in intake): retry shortly", retryAfter: 1)
        }
        return try await withCheckedThrowingContinuation { continuation in
            if case .terminated = inputs.yield(.intake(news, reply: { continuation.resume(with: $0) })) {
                continuation.resume(throwing: APIError(.serviceUnavailable, "the coordinator is shutting down"))
            }
        }
    }

    static func refusal(_ index: Int, _ error: APIError) -> String {
        "{\"index\":\(index),\"status\":\(error.status.code),\"error\":\(JSONText.string(error.message))"
            + (error.field.map { ",\"field\":\(JSONText.string($0))" } ?? "") + "}"
    }

    /// `GET /api/v1/tickets/{id}` with its history (staff). A customer gets their own ticket without the
    /// history (which holds internal notes); a ticket out of the caller's reach is `404`, as if absent.
    func showTicket(_ idText: String, _ principal: Principal?) async throws -> Response {
        guard let id = TicketID(idText), id > 0 else { throw APIError(.badRequest, "ticket id must be a positive number", field: "id") }
        let staff = principal?.role != .customer
        let found = try await store.pool.read { db in
            try db.ticket(id).map { ($0, staff ? try db.history(of: id) : nil) }
        }
        guard let (ticket, history) = found, Self.reaches(principal, ticket) else { throw APIError(.notFound, "ticket \(id) not found") }
        return TicketJSON.response(history.map { TicketJSON.ticket(ticket, history: $0) } ?? TicketJSON.ticket(ticket))
    }

    /// Whether `principal` may see `ticket` (see `Principal.mayRead`).
    static func reaches(_ principal: Principal?, _ ticket: Ticket) -> Bool {
        guard let principal else { return false }
        return principal.mayRead(requester: ticket.requester, skill: ticket.skill, tier: ticket.tier, assignee: ticket.assignee)
    }

    /// Refuses query parameters a list does not take (`?q=…` once silently listed every ticket).
    static func refuseUnknown(_ query: Parameters, allowed: [String]) throws {
        for (key, _) in query where !allowed.contains(String(key)) {
            throw APIError(.badRequest, "unknown query parameter '\(key.prefix(64))' ("
                           + (allowed.isEmpty ? "this list takes none" : "this list takes " + allowed.joined(separator: ", ")) + ")",
                           field: String(key.prefix(64)))
        }
    }
}

/// The body of a batch intake: each item decodes on its own, so one malformed ticket is refused alone.
/// Checks its own keys (`tickets` only), like `IntakeRequest`, so intake skips `Strict`'s audit.
struct IntakeBatch: ChecksOwnKeys {
    struct Item: Decodable {
        let request: Result<IntakeRequest, APIError>
        init(from decoder: any Decoder) throws {
            do {
                request = .success(try Strict<IntakeRequest>(from: decoder).value)
            } catch {
                request = .failure(APIError.describing(error, droppingPrefix: decoder.codingPath.count))
            }
        }
    }
    let tickets: [Item]

    enum CodingKeys: String, CodingKey { case tickets }

    init(from decoder: any Decoder) throws {
        let raw = try decoder.container(keyedBy: StrictKey.self)
        if let unknown = raw.allKeys.first(where: { $0.stringValue != "tickets" }) {
            throw UnknownFieldError(path: [unknown.stringValue])
        }
        tickets = try decoder.container(keyedBy: CodingKeys.self).decode([Item].self, forKey: .tickets)
    }
}

/// Rate limits of intake without a credential.
struct PublicIntakeLimits: Sendable {
    let perAddress: IntakeRateLimit
    let perRequester: IntakeRateLimit

    /// 60 a minute per address (bursts of 20), 10 a minute per requester (bursts of 5).
    static func standard() -> PublicIntakeLimits {
        PublicIntakeLimits(perAddress: IntakeRateLimit(perMinute: 60, burst: 20), perRequester: IntakeRateLimit(perMinute: 10, burst: 5))
    }
}

/// A shared count of tickets in intake, for the overload refusal.
final class IntakeCounter: Sendable {
    private let value = Atomic<Int>(0)
    /// Adds `count`; returns the new total.
    func add(_ count: Int) -> Int { value.add(count, ordering: .relaxed).newValue }
    func subtract(_ count: Int) { value.subtract(count, ordering: .relaxed) }
}
