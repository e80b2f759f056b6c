import DeskModel
import DeskStore
import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import Synchronization

/// The live side of the web app: `/live`, a Server-Sent Events stream of ticket events (what changed, not
/// the content: pages fetch what they show with the reader's own rights), and the lead dashboard.
extension HTTPAPI {
    /// Event kinds a customer hears of, on their own tickets only: nothing internal (notes, assignments,
    /// escalations, SLA warnings).
    static let customerKinds: Set<TicketEventKind> = [.created, .replied, .statusChanged, .resolved, .reopened, .customerReplied, .macroApplied]

    func addLiveRoutes(to router: Router<DeskRequestContext>, _ routes: RouteTable) {
        router.on(routes, .get, "/live", .signedIn) { request, context in try await liveStream(request, context) }
        router.on(routes, .get, "/lead", .anyone) { _, context in try await dashboard(context) }
        router.on(routes, .get, "/static/desk.js", .anyone) { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: WebPages.script)))
        }
    }

    /// `GET /live`: which tickets changed, coalesced: at most one message every 250 ms per stream,
    /// `id: BOOT-N` and `data: {"tickets":[7,9],"more":false}` (at most 50 ids; `more` when there were
    /// more, or when the stream fell behind and skipped ahead). It resumes after a `Last-Event-ID` this
    /// process still holds, else starts from now (with an `event: reset` first when the client missed
    /// events, so it reloads). Staff hear every ticket; a customer only their own tickets (those they had
    /// when the stream opened) and only public kinds. A comment line every 15 s keeps proxies from closing
    /// it. The work per stream is bounded whatever the event rate: the loop only appends to the ring.
    func liveStream(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        guard let principal = context.principal else { throw APIError(.unauthorized, "sign in first") }
        let feed = self.feed
        var cursor = feed.lastID
        var reset = false
        if let last = request.headers[HTTPField.Name("Last-Event-ID")!] {
            if let number = feed.parse(last), number <= cursor { cursor = number } else { reset = true }
        }
        var owned: Set<TicketID>?
        if principal.role == .customer {
            var search = TicketSearch()
            search.requester = (principal.email ?? "").lowercased()
            search.newestFirst = true
            search.limit = 500
            let query = search
            owned = Set(try await store.pool.read { db in try db.searchTickets(query).tickets.map(\.id) })
        }
        let gateway = self.gateway, name = principal.name, staff = principal.role != .customer
        let start = cursor, startReset = reset, lifetime = liveStreamSeconds, mine = owned
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                        body: ResponseBody { writer in
            if staff { gateway?.streamOpened(name) }
            defer { if staff { gateway?.streamClosed(name) } }
            var cursor = start
            // The first lines name where the stream stands, so a reconnect resumes from here even before any event.
            try await writer.write(ByteBuffer(string: "retry: 1000\nid: \(feed.eventID(start))\n"
                                              + (startReset ? "event: reset\ndata: {}\n\n" : ": connected\n\n")))
            let started = ContinuousClock.now
            var lastWrite = ContinuousClock.now
            while !Task.isCancelled, !Task.isShuttingDownGracefully, ContinuousClock.now - started < .seconds(lifetime) {
                let pass = mine.map { owned in
                    feed.changes(after: cursor) { ticket, kind in owned.contains(ticket) && Self.customerKinds.contains(kind) }
                } ?? feed.changes(after: cursor)
                if pass.reset {
                    cursor = pass.last
                    try await writer.write(ByteBuffer(string: "id: \(feed.eventID(cursor))\nevent: reset\ndata: {}\n\n"))
                    lastWrite = .now
                } else if !pass.tickets.isEmpty {
                    cursor = pass.last
                    try await writer.write(ByteBuffer(string: "id: \(feed.eventID(cursor))\ndata: {\"tickets\":["
                                                      + pass.tickets.map(String.init).joined(separator: ",") + "],\"more\":\(pass.more)}\n\n"))
                    lastWrite = .now
                } else {
                    cursor = pass.last  // events, but none this reader hears of
                    if ContinuousClock.now - lastWrite > .seconds(15) {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        lastWrite = .now
                    }
                }
                try await Task.sleep(for: .milliseconds(250))
            }
            try await writer.finish(nil)
        })
    }

    /// `GET /lead`: the lead dashboard (lead and admin).
    func dashboard(_ context: DeskRequestContext) async throws -> Response {
        guard let principal = context.principal else { return Self.redirect("/sign-in") }
        guard principal.role == .lead || principal.role == .admin else { return Self.redirect(principal.role == .customer ? "/portal" : "/work") }
        let snapshot: DashboardSnapshot = try await withCheckedThrowingContinuation { continuation in
            if case .terminated = inputs.yield(.steering(.dashboard(reply: { continuation.resume(returning: $0) }))) {
                continuation.resume(throwing: APIError(.serviceUnavailable, "the coordinator is shutting down"))
            }
        }
        let now = currentMillis()
        let nextDue = snapshot.nextDue
        let (oldest, breaching) = try await store.pool.read { db in
            (try db.oldestQueued(), try nextDue.compactMap { entry in try db.ticket(entry.ticket).map { ($0, entry.due) } })
        }
        let overdue = try await overdueCount.value(now: now) { try await store.pool.read { db in try db.overdueCount(now: now) } }
        let hours = feed.hourly(now: now, hours: Int((now % 86_400_000) / 3_600_000) + 1)
        let p99 = metrics.dispatchLatency.upperBound(0.99)
        return Self.page(pages.render("dashboard", title: "Dashboard", [
            "who": who(context) as Any,
            "queued": snapshot.byPriority.reduce(0, +), "open": snapshot.open,
            "byPriority": Priority.allCases.map { ["name": $0.label, "count": snapshot.byPriority.indices.contains($0.rawValue) ? snapshot.byPriority[$0.rawValue] : 0] },
            "byQueue": snapshot.byQueue.map { ["skill": $0.skill.isEmpty ? "(any)" : $0.skill, "tier": $0.tier, "count": $0.count] },
            "oldest": oldest.map { ["id": $0.id, "waiting": WebPages.span(now - $0.createdAt)] } as Any,
            "createdToday": hours.reduce(0) { $0 + $1.created }, "resolvedToday": hours.reduce(0) { $0 + $1.resolved },
            "hours": hours.suffix(8).reversed().map { hour in
                ["hour": String(format: "%02d:00", Int(hour.hour % 24)), "created": hour.created, "resolved": hour.resolved,
                 "trend": hour.created - hour.resolved > 0 ? "+\(hour.created - hour.resolved)" : "\(hour.created - hour.resolved)"]
            },
            "agents": snapshot.agents.filter(\.connected).map { agent in
                ["name": agent.profile.name, "state": agent.away ? "away" : (agent.load >= agent.profile.capacity ? "full" : "available"),
                 "load": agent.load, "capacity": agent.profile.capacity]
            },
            "breaches": breaching.map { ticket, due -> [String: Any] in
                let (text, cls) = WebPages.countdown(due: due, from: ticket.createdAt, now: now)
                return ["id": ticket.id, "subject": ticket.subject, "due": due, "span": max(1, due - ticket.createdAt), "dueText": text, "dueClass": cls]
            },
            "overdue": overdue, "dispatchP99": p99.map { $0.isFinite ? String(format: "≤ %g ms", $0 * 1000) : "over 300 s" } ?? "no dispatch yet",
        ]))
    }
}

/// A number that is costly to count, counted again at most every `maxAge` milliseconds (the dashboard's
/// overdue tickets: a count over the open tickets, not done per page view).
final class CachedCount: Sendable {
    let maxAge: Millis
    private let state = Mutex<(at: Millis, value: Int)?>(nil)

    init(maxAge: Millis = 5000) { self.maxAge = maxAge }

    func value(now: Millis, count: () async throws -> Int) async throws -> Int {
        if let cached = state.withLock({ $0 }), now - cached.at < maxAge { return cached.value }
        let value = try await count()
        state.withLock { $0 = (now, value) }
        return value
    }
}
