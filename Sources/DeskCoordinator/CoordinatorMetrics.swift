import DeskModel
import Synchronization

/// The coordinator's counters and gauges, rendered as Prometheus text at `/metrics`.
///
/// Lock-free atomics: the loop and the HTTP handlers update them from any thread. Names start with
/// `desk_`; no label carries an id.
public final class CoordinatorMetrics: Sendable {
    /// One monotonically increasing counter.
    public final class Counter: Sendable {
        let name: String
        let help: String
        private let value = Atomic<Int>(0)
        init(_ name: String, _ help: String) {
            self.name = name
            self.help = help
        }
        public func increment(by amount: Int = 1) { value.add(amount, ordering: .relaxed) }
        public var current: Int { value.load(ordering: .relaxed) }
    }

    let ticketsCreated = Counter("desk_tickets_created_total", "Tickets accepted by intake.")
    let ticketsResolved = Counter("desk_tickets_resolved_total", "Tickets resolved by agents.")
    let assignments = Counter("desk_assignments_total", "Leases granted and sent to agents.")
    let leasesExpired = Counter("desk_leases_expired_total", "Leases ended because their agent went silent.")
    let escalations = Counter("desk_escalations_total", "Tickets escalated to a higher tier.")
    let staleReports = Counter("desk_stale_reports_total", "Reports refused for a stale lease epoch.")
    let duplicateReports = Counter("desk_duplicate_reports_total", "Report retries acknowledged without effect.")
    let protocolErrors = Counter("desk_protocol_errors_total", "Agent frames refused as malformed.")
    let agentMessages = Counter("desk_agent_messages_total", "Messages received from agents.")
    let intakeRejected = Counter("desk_intake_rejected_total", "Intake requests refused as invalid.")
    let macrosApplied = Counter("desk_macros_applied_total", "Macros applied to tickets (by staff or bots).")
    let slaWarnings = Counter("desk_sla_warnings_total", "SLA warnings fired.")
    let slaBreaches = Counter("desk_sla_breaches_total", "SLA breaches fired.")
    let helloRefusedNameInUse = Counter("desk_hello_refused_name_in_use_total",
                                        "HELLOs refused because another connected process uses the agent name.")
    let agentHandshakesRefused = Counter("desk_agent_handshakes_refused_total",
                                         "Agent connections refused by the ZAP handler: no CURVE, or a key not registered (or revoked).")
    let helloRefusedIdentity = Counter("desk_hello_refused_identity_total",
                                       "Agent messages refused because their connection's key belongs to another agent account.")
    let botClaims = Counter("desk_bot_claims_total", "New tickets claimed by a bot pool at intake.")
    let intakeDiskLow = Counter("desk_intake_disk_low_total", "Tickets refused with 507 because the store's disk was below its reserve.")
    let intakeOverloaded = Counter("desk_intake_overloaded_total", "Tickets refused with 503 because the coordinator was overloaded.")
    let webhooksDelivered = Counter("desk_webhook_deliveries_delivered_total", "Webhook deliveries answered with a 2xx.")
    let webhooksFailed = Counter("desk_webhook_deliveries_failed_total", "Webhook deliveries given up after their last attempt.")
    let webhooksDropped = Counter("desk_webhook_deliveries_dropped_total", "Webhook deliveries dropped because the delivery queue was full.")
    let kbSuggested = Counter("desk_knowledge_suggestions_total", "Drafts offered knowledge-base suggestions before a ticket.")
    let kbSolved = Counter("desk_knowledge_deflections_total", "Drafts the customer said an article solved (no ticket).")
    let kbContinued = Counter("desk_knowledge_continued_total", "Drafts sent on as tickets after their suggestions.")
    let kbBotAnswered = Counter("desk_knowledge_bot_answers_total", "New tickets the knowledge bot answered with articles.")
    let kbBotSolved = Counter("desk_knowledge_bot_solved_total", "Knowledge-bot answers the customer confirmed (resolved).")
    let kbBotContinued = Counter("desk_knowledge_bot_continued_total", "Knowledge-bot answers the customer said did not help (to people).")
    let kbBotSkipped = Counter("desk_knowledge_bot_skipped_total", "New tickets left to people because the knowledge bot's queue was full.")
    /// HTTP API requests per route template (recorded by `RouteMetricsMiddleware`).
    public let requests = HTTPRequestMetrics()
    /// HTTP connections open, refused and timed out (recorded by `GuardedHTTP1Channel`).
    public let connections = HTTPConnections()
    /// From a ticket's creation to its first lease committed and sent, with bucket edges at the dispatch
    /// objective (50 ms at p99, docs/BENCHMARKS.md) and on up the SLA scale.
    let dispatchLatency = LatencyHistogram(buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300])
    private let queuedByPriority = Mutex<[Int]>([0, 0, 0, 0, 0])
    private let queued = Atomic<Int>(0)
    private let stranded = Atomic<Int>(0)
    private let agents = Atomic<Int>(0)
    private let webhooksHeld = Atomic<Int>(0)

    public init() {}

    /// Tickets waiting, by priority (index 1 … 4); `desk_queue_depth` is their sum.
    func setQueued(byPriority counts: [Int]) {
        queuedByPriority.withLock { $0 = counts }
        queued.store(counts.reduce(0, +), ordering: .relaxed)
    }
    func setAgents(_ count: Int) { agents.store(count, ordering: .relaxed) }
    func setStranded(_ count: Int) { stranded.store(count, ordering: .relaxed) }
    func setWebhooksQueued(_ count: Int) { webhooksHeld.store(count, ordering: .relaxed) }
    /// Webhook deliveries held by the delivery service: waiting, backing off or in flight.
    public var queuedWebhooks: Int { webhooksHeld.load(ordering: .relaxed) }
    public var queuedTickets: Int { queued.load(ordering: .relaxed) }
    public var connectedAgents: Int { agents.load(ordering: .relaxed) }

    /// Prometheus text exposition format 0.0.4; `writerBacklog` is the store writer's queue length.
    public func render(writerBacklog: Int = 0, diskFreeBytes: Int64 = .max, commitLatency: LatencyHistogram? = nil,
                       knowledge: (backlog: Int, vectors: Int, semantic: Bool)? = nil,
                       articles: (categories: [(String, Int)], authors: [(String, Int)])? = nil) -> String {
        var out = ""
        for counter in [ticketsCreated, ticketsResolved, assignments, leasesExpired, escalations, staleReports,
                        duplicateReports, protocolErrors, agentMessages, intakeRejected, intakeOverloaded, intakeDiskLow, macrosApplied, botClaims,
                        helloRefusedNameInUse, agentHandshakesRefused, helloRefusedIdentity, slaWarnings, slaBreaches, webhooksDelivered, webhooksFailed, webhooksDropped,
                        kbSuggested, kbSolved, kbContinued, kbBotAnswered, kbBotSolved, kbBotContinued, kbBotSkipped] {
            out += "# HELP \(counter.name) \(counter.help)\n# TYPE \(counter.name) counter\n\(counter.name) \(counter.current)\n"
        }
        out += "# HELP desk_queue_depth Tickets waiting for an agent.\n# TYPE desk_queue_depth gauge\ndesk_queue_depth \(queuedTickets)\n"
        let byPriority = queuedByPriority.withLock { $0 }
        out += "# HELP desk_queue_depth_by_priority Tickets waiting for an agent, by priority.\n# TYPE desk_queue_depth_by_priority gauge\n"
        for priority in Priority.allCases {
            out += "desk_queue_depth_by_priority{priority=\"\(priority.label)\"} \(byPriority[priority.rawValue])\n"
        }
        out += dispatchLatency.render(name: "desk_dispatch_latency_seconds",
                                      help: "Time from a ticket's creation to its first lease committed and sent to an agent.")
        if let commitLatency {
            out += commitLatency.render(name: "desk_store_commit_latency_seconds",
                                        help: "Time from a change's submission to the store's writer to its commit.")
        }
        out += "# HELP desk_tickets_stranded Tickets waiting in queues no connected agent can take.\n# TYPE desk_tickets_stranded gauge\n"
            + "desk_tickets_stranded \(stranded.load(ordering: .relaxed))\n"
        out += "# HELP desk_agents_connected Agents connected now.\n# TYPE desk_agents_connected gauge\ndesk_agents_connected \(connectedAgents)\n"
        out += "# HELP desk_store_writer_backlog Changes waiting for the store's writer.\n# TYPE desk_store_writer_backlog gauge\n"
            + "desk_store_writer_backlog \(writerBacklog)\n"
        if diskFreeBytes != .max {
            out += "# HELP desk_store_disk_free_bytes Free space on the store's file system.\n# TYPE desk_store_disk_free_bytes gauge\n"
                + "desk_store_disk_free_bytes \(diskFreeBytes)\n"
        }
        out += "# HELP desk_webhook_deliveries_queued Webhook deliveries waiting, backing off or in flight.\n"
            + "# TYPE desk_webhook_deliveries_queued gauge\ndesk_webhook_deliveries_queued \(queuedWebhooks)\n"
        if let knowledge {
            out += "# HELP desk_knowledge_embedding_backlog Knowledge-base articles whose text changed since their vector was computed.\n"
                + "# TYPE desk_knowledge_embedding_backlog gauge\ndesk_knowledge_embedding_backlog \(knowledge.backlog)\n"
                + "# HELP desk_knowledge_vectors Knowledge-base articles with a vector in the index.\n# TYPE desk_knowledge_vectors gauge\ndesk_knowledge_vectors \(knowledge.vectors)\n"
                + "# HELP desk_knowledge_semantic_search 1 when knowledge search ranks by meaning too, 0 when by keywords only.\n"
                + "# TYPE desk_knowledge_semantic_search gauge\ndesk_knowledge_semantic_search \(knowledge.semantic ? 1 : 0)\n"
        }
        if let articles {
            out += "# HELP desk_knowledge_articles Published knowledge-base articles, by category.\n# TYPE desk_knowledge_articles gauge\n"
            for (category, count) in articles.categories { out += "desk_knowledge_articles{category=\"\(Self.label(category))\"} \(count)\n" }
            out += "# HELP desk_knowledge_articles_by_author Knowledge-base articles, by the author of their current version.\n"
                + "# TYPE desk_knowledge_articles_by_author gauge\n"
            for (author, count) in articles.authors { out += "desk_knowledge_articles_by_author{author=\"\(Self.label(author))\"} \(count)\n" }
        }
        return out + requests.render() + connections.render()
    }

    /// A label value as the exposition format wants it: backslash, double quote and newline escaped.
    static func label(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
