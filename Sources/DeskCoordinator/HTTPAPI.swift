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
    /// The largest request body accepted, in bytes.
    static let maxRequestBytes = 1 << 20
    /// The largest batch request body, in bytes, and the most tickets in one batch.
    static let maxBatchBytes = 16 << 20
    static let maxBatchTickets = 1000

    func router() -> Router<BasicRequestContext> {
        let router = Router(options: .autoGenerateHeadEndpoints)
        let routes = RouteTable()
        // First: middleware applies only to the routes added after it.
        router.add(middleware: UnmatchedRouteMiddleware(table: routes))
        router.add(middleware: RouteMetricsMiddleware(metrics: metrics.requests))
        router.on(routes, .post, "/api/v1/tickets") { request, _ in try await createTicket(request) }
        router.on(routes, .post, "/api/v1/tickets/batch") { request, _ in try await createTickets(request) }
        router.on(routes, .get, "/api/v1/tickets/{id}") { _, context in try await showTicket(context.parameters.get("id") ?? "") }
        router.on(routes, .get, "/api/v1/tickets") { request, _ in try await listTickets(request.uri.queryParameters) }
        router.on(routes, .get, "/api/v1/tickets/{id}/conversation") { _, context in try await conversation(context.parameters.get("id") ?? "") }
        addAutomationRoutes(to: router, routes)
        addSteeringRoutes(to: router, routes)
        router.on(routes, .get, "/healthz") { _, _ in
            TicketJSON.response("{\"status\":\"ok\",\"version\":\"\(DeskVersion.current)\",\"queued\":\(metrics.queuedTickets),\"agents\":\(metrics.connectedAgents),"
                                + "\"endpoints\":{\"agents\":\(JSONText.string(agentEndpoint)),\"events\":\(JSONText.string(eventEndpoint))}}")
        }
        router.on(routes, .get, "/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.render(writerBacklog: store.writer.backlog, diskFreeBytes: storage.freeBytes,
                                                                                     commitLatency: store.writer.commitLatency))))
        }
        return router
    }

    func createTicket(_ request: Request) async throws -> Response {
        let intake = try await decodeBody(request, as: IntakeRequest.self, upTo: Self.maxRequestBytes)
        let new: NewTicket
        do {
            new = prepare(try intake.validated())
        } catch {
            metrics.intakeRejected.increment()
            throw APIError(.badRequest, error.message, field: error.field)
        }
        let (ticket, created) = try await submit([new])[0]
        return TicketJSON.response(TicketJSON.ticket(ticket), status: created ? .created : .ok)
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
                valid.append((index, prepare(try item.request.get().validated())))
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

    func showTicket(_ idText: String) async throws -> Response {
        guard let id = TicketID(idText), id > 0 else { throw APIError(.badRequest, "ticket id must be a positive number", field: "id") }
        let found = try await store.pool.read { db in
            try db.ticket(id).map { ($0, try db.history(of: id)) }
        }
        guard let (ticket, history) = found else { throw APIError(.notFound, "ticket \(id) not found") }
        return TicketJSON.response(TicketJSON.ticket(ticket, history: history))
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

/// A shared count of tickets in intake, for the overload refusal.
final class IntakeCounter: Sendable {
    private let value = Atomic<Int>(0)
    /// Adds `count`; returns the new total.
    func add(_ count: Int) -> Int { value.add(count, ordering: .relaxed).newValue }
    func subtract(_ count: Int) { value.subtract(count, ordering: .relaxed) }
}
