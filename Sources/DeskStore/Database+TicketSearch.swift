import DeskModel
import GRDB

/// What the ticket list filters on. Equality filters use indexes (status, assignee, requester, category:
/// migration v8); `tier`, `tag` and `text` are tested row by row within a bounded scan (`scanLimit`).
public struct TicketSearch: Sendable, Equatable {
    public var status: TicketStatus?
    public var priority: Priority?
    public var agent: String?
    public var requester: String?
    public var category: String?
    public var tier: Int?
    public var tag: String?
    /// Text to find in the subject or body (case-insensitive for ASCII letters; `%` and `_` are literal).
    public var text: String?
    /// Newest first (highest id first) instead of oldest first.
    public var newestFirst = false
    /// The last id of the previous page: the page continues after it in the chosen order.
    public var cursor: TicketID?
    public var limit = 50
    /// Only the tickets an agent may see: theirs, or of their queues (skill and tier).
    public var reach: TicketReach?

    /// The most rows one page examines for the row-by-row filters (`tier`, `tag`, `text`). A page that
    /// reaches it before it is full ends early, with a cursor to continue from where the scan stopped.
    public static let scanLimit = 10_000

    public init() {}

    /// Whether a filter is tested row by row (so the scan is bounded).
    var scans: Bool { category != nil || tier != nil || tag != nil || text != nil || reach != nil }
}

/// The tickets within an agent's reach: those they hold, and those of a queue they work (a tier at most
/// theirs, and a skill of theirs or none), as the dispatcher's `canWork` decides.
public struct TicketReach: Sendable, Equatable {
    public var agent: String
    public var skills: [String]
    public var tier: Int

    public init(agent: String, skills: [String], tier: Int) {
        self.agent = agent
        self.skills = skills
        self.tier = tier
    }
}

extension Database {
    /// A page of tickets in id order (oldest or newest first) and the cursor of the next page (nil at the
    /// end). Without `tier`, `tag` or `text` this reads at most `limit` rows through an index; with them it
    /// examines at most `TicketSearch.scanLimit` rows of the indexed selection, so a rare match costs a
    /// bounded scan per page and the client follows `next` for more. Never a scan of all tickets per call.
    public func searchTickets(_ search: TicketSearch) throws -> (tickets: [Ticket], next: TicketID?) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let status = search.status { clauses.append("status = ?"); arguments += [status.rawValue] }
        if let priority = search.priority { clauses.append("priority = ?"); arguments += [priority.rawValue] }
        if let agent = search.agent { clauses.append("assignee = ?"); arguments += [agent] }
        if let requester = search.requester { clauses.append("requester = ?"); arguments += [requester] }
        if let cursor = search.cursor { clauses.append(search.newestFirst ? "id < ?" : "id > ?"); arguments += [cursor] }
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let order = search.newestFirst ? "ORDER BY id DESC" : "ORDER BY id"
        guard search.scans else {
            arguments += [search.limit]
            let page = try Row.fetchAll(self, sql: "SELECT * FROM tickets \(whereClause) \(order) LIMIT ?", arguments: arguments)
                .map { try Ticket(row: $0) }
            return (page, page.count == search.limit ? page.last?.id : nil)
        }
        // Row by row: one pass over at most `scanLimit` ids of the indexed selection, each tested.
        var tests: [String] = []
        var testArguments: StatementArguments = []
        if let category = search.category { tests.append("category = ?"); testArguments += [category] }
        if let tier = search.tier { tests.append("tier = ?"); testArguments += [tier] }
        if let reach = search.reach {
            let marks = Array(repeating: "?", count: reach.skills.count).joined(separator: ",")
            tests.append("(assignee = ? OR (tier <= ? AND (skill = ''" + (reach.skills.isEmpty ? "" : " OR skill IN (\(marks))") + ")))")
            testArguments += [reach.agent, reach.tier]
            testArguments += StatementArguments(reach.skills)
        }
        if let tag = search.tag { tests.append("EXISTS (SELECT 1 FROM json_each(tickets.tags) WHERE value = ?)"); testArguments += [tag] }
        if let text = search.text {
            let pattern = "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            tests.append("(subject LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\')")
            testArguments += [pattern, pattern]
        }
        let rows = try Row.fetchCursor(self, sql: """
            SELECT id, COALESCE((\(tests.joined(separator: " AND "))), 0) AS hit FROM tickets \(whereClause) \(order) LIMIT ?
            """, arguments: testArguments + arguments + [TicketSearch.scanLimit])
        var hits: [TicketID] = []
        var examined = 0
        var lastExamined: TicketID?
        while hits.count < search.limit, let row = try rows.next() {
            examined += 1
            lastExamined = row["id"]
            // SQL's NULL (`assignee = ?` on an unassigned ticket) is no hit, not a crash.
            if (row["hit"] as Bool?) == true { hits.append(row["id"]) }
        }
        let page = try Ticket.fetchAll(self, ids: hits, newestFirst: search.newestFirst)
        if hits.count == search.limit { return (page, hits.last) }
        return (page, examined == TicketSearch.scanLimit ? lastExamined : nil)
    }
}

extension Ticket {
    static func fetchAll(_ db: Database, ids: [TicketID], newestFirst: Bool) throws -> [Ticket] {
        guard !ids.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        return try Row.fetchAll(db, sql: "SELECT * FROM tickets WHERE id IN (\(marks)) ORDER BY id \(newestFirst ? "DESC" : "")",
                                arguments: StatementArguments(ids)).map { try Ticket(row: $0) }
    }
}
