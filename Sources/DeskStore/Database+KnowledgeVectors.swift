import DeskModel
import Foundation
import GRDB

extension KnowledgeArticle {
    /// What the model embeds of an article: its title, then its body.
    public static func embeddingText(title: String, body: String) -> String {
        title + "\n\n" + body
    }
}

/// An article whose text changed since its vector was computed: what the embedding service embeds next.
public struct PendingEmbedding: Sendable, Equatable {
    public var articleID: Int64
    public var version: Int
    /// Title and body, as the model sees them.
    public var text: String
}

/// The knowledge base's vectors (one per article, for the version its text had), the queue of articles
/// to embed, and the counts that measure it: deflection (suggested, solved, continued) per day and each
/// article's usefulness.
extension Database {
    /// At most `limit` queued articles in id order, with their current text (an article deleted meanwhile
    /// is dropped from the queue).
    public func pendingEmbeddings(limit: Int) throws -> [PendingEmbedding] {
        let rows = try Row.fetchAll(self, sql: """
            SELECT q.article_id, a.version, a.title, a.body FROM kb_embed_queue q LEFT JOIN kb_articles a ON a.id = q.article_id
            ORDER BY q.article_id LIMIT ?
            """, arguments: [limit])
        return rows.compactMap { row in
            guard let version: Int = row["version"] else { return nil }
            return PendingEmbedding(articleID: row["article_id"], version: version,
                                    text: KnowledgeArticle.embeddingText(title: row["title"], body: row["body"]))
        }
    }

    /// Queued articles not embedded yet.
    public func embeddingBacklog() throws -> Int {
        try Int.fetchOne(self, sql: "SELECT count(*) FROM kb_embed_queue") ?? 0
    }

    /// Stores the vectors computed for these versions, and takes each article off the queue unless its text
    /// changed again meanwhile (then its newer version stays queued). Articles deleted meanwhile are skipped.
    public func saveEmbeddings(_ items: [(articleID: Int64, version: Int, vector: [Float])], model: String) throws {
        for item in items {
            guard try Bool.fetchOne(self, sql: "SELECT 1 FROM kb_articles WHERE id = ?", arguments: [item.articleID]) == true else {
                try execute(sql: "DELETE FROM kb_embed_queue WHERE article_id = ?", arguments: [item.articleID])
                continue
            }
            try execute(sql: "INSERT OR REPLACE INTO kb_vectors (article_id, version, model, vector) VALUES (?, ?, ?, ?)",
                        arguments: [item.articleID, item.version, model, Self.vectorData(item.vector)])
            try execute(sql: "DELETE FROM kb_embed_queue WHERE article_id = ? AND version = ?", arguments: [item.articleID, item.version])
        }
    }

    /// Stored vectors of `model` in article-id order after `cursor`, at most `limit` (to load an index in pages).
    public func articleVectors(model: String, after cursor: Int64, limit: Int) throws -> [(id: Int64, vector: [Float])] {
        try Row.fetchAll(self, sql: "SELECT article_id, vector FROM kb_vectors WHERE model = ? AND article_id > ? ORDER BY article_id LIMIT ?",
                         arguments: [model, cursor, limit]).map { row in (row["article_id"], Self.vector(row["vector"])) }
    }

    /// Vectors of another model (or none) are re-queued: a model change re-embeds everything.
    public func requeueEmbeddings(notOf model: String) throws -> Int {
        try execute(sql: """
            INSERT OR REPLACE INTO kb_embed_queue (article_id, version)
            SELECT a.id, a.version FROM kb_articles a LEFT JOIN kb_vectors v ON v.article_id = a.id
            WHERE (v.article_id IS NULL OR v.model <> ?) AND a.id NOT IN (SELECT article_id FROM kb_embed_queue)
            """, arguments: [model])
        return changesCount
    }

    static func vectorData(_ vector: [Float]) -> Data {
        var data = Data(capacity: vector.count * 4)
        for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func vector(_ data: Data) -> [Float] {
        var out = [Float]()
        out.reserveCapacity(data.count / 4)
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset + 4 <= raw.count {
                out.append(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
                offset += 4
            }
        }
        return out
    }

    // MARK: Counts

    /// Records one step of the knowledge base's use: an event row (`kind`: suggested, opened, solved,
    /// continued, helpful, not_helpful, bot_answered, bot_solved, bot_continued), the day's count of its kind,
    /// and the article's usefulness counter where the kind has one.
    public func recordKnowledgeEvent(_ kind: String, draft: String = "", articleID: Int64? = nil, ticketID: Int64? = nil,
                                     channel: String = "", actor: String = "", at now: Millis) throws {
        try execute(sql: "INSERT INTO kb_events (kind, draft, article_id, ticket_id, channel, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [kind, draft, articleID, ticketID, channel, actor, now])
        try execute(sql: "INSERT INTO kb_counts (day, kind, n) VALUES (?, ?, 1) ON CONFLICT(day, kind) DO UPDATE SET n = n + 1",
                    arguments: [now / 86_400_000, kind])
        if let articleID, let column = Self.articleCounter[kind] {
            try countArticle(articleID, column)
        }
    }

    /// The article counter each event kind moves.
    static let articleCounter = ["opened": "views", "viewed": "views", "suggested": "suggested", "solved": "solved",
                                 "bot_solved": "solved", "helpful": "helpful", "not_helpful": "not_helpful",
                                 "bot_continued": "not_helpful", "linked": "linked_tickets"]

    /// The customer's answer to the knowledge bot's reply on `ticket` (`bot_solved` or `bot_continued`),
    /// recorded once per ticket and only on a ticket the bot answered. Whether it was recorded.
    public func recordBotOutcome(_ ticket: TicketID, _ kind: String, at now: Millis) throws -> Bool {
        let steps = try String.fetchAll(self, sql: "SELECT kind FROM kb_events WHERE ticket_id = ? AND kind LIKE 'bot_%'", arguments: [ticket])
        guard steps.contains("bot_answered"), !steps.contains("bot_solved"), !steps.contains("bot_continued") else { return false }
        try recordKnowledgeEvent(kind, ticketID: ticket, channel: "web", actor: "customer", at: now)
        return true
    }

    /// Adds one to an article's counter (`views`, `suggested`, `solved`, `helpful`, `not_helpful`, `linked_tickets`).
    public func countArticle(_ articleID: Int64, _ column: String) throws {
        precondition(["views", "suggested", "solved", "helpful", "not_helpful", "linked_tickets"].contains(column))
        guard try Bool.fetchOne(self, sql: "SELECT 1 FROM kb_articles WHERE id = ?", arguments: [articleID]) == true else { return }
        try execute(sql: "INSERT INTO kb_article_counts (article_id, \(column)) VALUES (?, 1) ON CONFLICT(article_id) DO UPDATE SET \(column) = \(column) + 1",
                    arguments: [articleID])
    }

    /// Counts of each kind over the days `[fromDay, toDay]` (days since 1970, UTC).
    public func knowledgeCounts(fromDay: Int64, toDay: Int64) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(self, sql: "SELECT kind, sum(n) AS n FROM kb_counts WHERE day BETWEEN ? AND ? GROUP BY kind",
                                    arguments: [fromDay, toDay]) {
            counts[row["kind"]] = row["n"]
        }
        return counts
    }

    /// An article's usefulness counters (zeros when nothing was counted yet).
    public func articleCounts(_ articleID: Int64) throws -> ArticleCounts {
        guard let row = try Row.fetchOne(self, sql: "SELECT * FROM kb_article_counts WHERE article_id = ?", arguments: [articleID]) else {
            return ArticleCounts()
        }
        return ArticleCounts(views: row["views"], suggested: row["suggested"], solved: row["solved"], helpful: row["helpful"],
                             notHelpful: row["not_helpful"], linkedTickets: row["linked_tickets"])
    }

    /// The events of one draft (a customer's attempt before a ticket), in order.
    public func knowledgeEvents(draft: String) throws -> [(kind: String, articleID: Int64?, ticketID: Int64?)] {
        try Row.fetchAll(self, sql: "SELECT kind, article_id, ticket_id FROM kb_events WHERE draft = ? ORDER BY id", arguments: [draft])
            .map { ($0["kind"], $0["article_id"], $0["ticket_id"]) }
    }

    /// Published articles per category.
    public func articlesPerCategory() throws -> [(category: String, count: Int)] {
        try Row.fetchAll(self, sql: "SELECT category, count(*) AS n FROM kb_articles WHERE status = 'published' GROUP BY category ORDER BY category")
            .map { ($0["category"], $0["n"]) }
    }

    /// Articles per author of their current version, most first.
    public func articleContributions() throws -> [(author: String, articles: Int)] {
        try Row.fetchAll(self, sql: "SELECT author, count(*) AS n FROM kb_articles WHERE author <> '' GROUP BY author ORDER BY n DESC, author")
            .map { ($0["author"], $0["n"]) }
    }
}

/// How useful an article has been.
public struct ArticleCounts: Sendable, Equatable {
    public var views = 0
    public var suggested = 0
    public var solved = 0
    public var helpful = 0
    public var notHelpful = 0
    public var linkedTickets = 0

    public init(views: Int = 0, suggested: Int = 0, solved: Int = 0, helpful: Int = 0, notHelpful: Int = 0, linkedTickets: Int = 0) {
        self.views = views
        self.suggested = suggested
        self.solved = solved
        self.helpful = helpful
        self.notHelpful = notHelpful
        self.linkedTickets = linkedTickets
    }
}
