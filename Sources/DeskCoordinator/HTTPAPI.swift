import DeskModel
import DeskStore
import Foundation
import Hummingbird

/// The coordinator's HTTP API: intake, ticket queries, health and metrics.
struct HTTPAPI: Sendable {
    let store: TicketStore
    let inputs: AsyncStream<CoordinatorInput>.Continuation
    let metrics: CoordinatorMetrics
    let routing: RoutingRules
    /// The largest request body accepted, in bytes.
    static let maxRequestBytes = 1 << 20

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/api/v1/tickets") { request, _ in try await createTicket(request) }
        router.get("/api/v1/tickets/{id}") { _, context in try await showTicket(context.parameters.get("id") ?? "") }
        router.get("/api/v1/tickets") { request, _ in try await listTickets(request.uri.queryParameters) }
        router.get("/healthz") { _, _ in
            TicketJSON.response("{\"status\":\"ok\",\"queued\":\(metrics.queuedTickets),\"agents\":\(metrics.connectedAgents)}")
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        return router
    }

    func createTicket(_ request: Request) async throws -> Response {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maxRequestBytes)
        } catch {
            metrics.intakeRejected.increment()
            throw APIError(.contentTooLarge, "request body is over \(Self.maxRequestBytes) bytes")
        }
        let intake: IntakeRequest
        do {
            intake = try JSONDecoder().decode(IntakeRequest.self, from: Data(buffer.readableBytesView))
        } catch {
            metrics.intakeRejected.increment()
            throw APIError.describing(error)
        }
        let new: NewTicket
        do {
            new = routing.route(try intake.validated())
        } catch {
            metrics.intakeRejected.increment()
            throw APIError(.badRequest, error.message, field: error.field)
        }
        let now = currentMillis()
        let (ticket, created) = try await store.writer.write { db in
            try db.insertTicket(new, status: .pendingAssignment, at: now, actor: "api")
        }
        if created { inputs.yield(.ticketCreated(ticket)) }
        return TicketJSON.response(TicketJSON.ticket(ticket), status: created ? .created : .ok)
    }

    func showTicket(_ idText: String) async throws -> Response {
        guard let id = TicketID(idText), id > 0 else { throw APIError(.badRequest, "ticket id must be a positive number", field: "id") }
        let found = try await store.pool.read { db in
            try db.ticket(id).map { ($0, try db.history(of: id)) }
        }
        guard let (ticket, history) = found else { throw APIError(.notFound, "ticket \(id) not found") }
        return TicketJSON.response(TicketJSON.ticket(ticket, history: history))
    }

    func listTickets(_ query: Parameters) async throws -> Response {
        var status: TicketStatus?
        if let text = query.get("status"), !text.isEmpty {
            guard let parsed = TicketStatus(rawValue: text) else {
                throw APIError(.badRequest, "unknown status '\(text)'", field: "status")
            }
            status = parsed
        }
        var priority: Priority?
        if let text = query.get("priority"), !text.isEmpty {
            guard let parsed = Priority(label: text) else {
                throw APIError(.badRequest, "unknown priority '\(text)': expected P1, P2, P3 or P4", field: "priority")
            }
            priority = parsed
        }
        let agent = query.get("agent").flatMap { $0.isEmpty ? nil : $0 }
        let limitText = query.get("limit") ?? "50"
        guard let limit = Int(limitText), (1...500).contains(limit) else {
            throw APIError(.badRequest, "limit must be 1 to 500", field: "limit")
        }
        var cursor: TicketID?
        if let text = query.get("cursor"), !text.isEmpty {
            guard let parsed = TicketID(text) else { throw APIError(.badRequest, "cursor must be a ticket id", field: "cursor") }
            cursor = parsed
        }
        let page = try await store.pool.read { [status, priority, cursor] db in
            try db.listTickets(status: status, priority: priority, agent: agent, after: cursor, limit: limit)
        }
        return TicketJSON.response(TicketJSON.page(page, next: page.count == limit ? page.last?.id : nil))
    }
}
