import DeskModel
import Foundation
import GRDB

/// A past question and its public answer: a resolved ticket that had a public reply.
public struct PastAnswer: Sendable, Equatable {
    public var ticketID: TicketID
    /// A snippet of the question (subject and description), HTML-escaped, matched words in `<mark>`.
    public var question: String
    /// A snippet of the public answer, HTML-escaped, matched words in `<mark>`.
    public var answer: String
    public var answeredBy: String
    public var category: String
    public var resolvedAt: Millis
    /// SQLite's BM25 (lower is better).
    public var bm25: Double
}

/// Q&A over past answers: search over resolved tickets' questions and public answers (`kb_answers`, kept by
/// triggers when a ticket is resolved or reopened; internal notes are never in it).
extension Database {
    /// Past answers matching `text`, best first (BM25, the question weighted 2 to the answer's 1): all of
    /// them for staff (`requester` nil), a customer's own (`requester` their address) otherwise; never
    /// `excluding` (the ticket being looked at). Hostile text gives results or none, never an error.
    ///
    /// Past answers are many (a million resolved tickets), and ranking every answer that shares one common
    /// word with the question is what makes a search slow: the answers holding every word are looked for
    /// first, and the ones holding any only when those are fewer than `limit`.
    public func searchAnswers(_ text: String, requester: String?, excluding: TicketID? = nil, limit: Int = 10) throws -> [PastAnswer] {
        guard let all = KnowledgeSearch.ftsQuery(text, all: true) else { return [] }
        let first = try searchAnswers(query: all, requester: requester, excluding: excluding, limit: limit)
        guard first.count < limit, let any = KnowledgeSearch.ftsQuery(text), any != all else { return first }
        let seen = Set(first.map(\.ticketID))
        return first + (try searchAnswers(query: any, requester: requester, excluding: excluding, limit: limit + first.count))
            .filter { !seen.contains($0.ticketID) }.prefix(limit - first.count)
    }

    private func searchAnswers(query: String, requester: String?, excluding: TicketID?, limit: Int) throws -> [PastAnswer] {
        var sql = """
            SELECT a.ticket_id, a.answered_by, a.category, a.resolved_at,
                   snippet(kb_answers_fts, 0, char(57344), char(57345), '…', 32) AS q, snippet(kb_answers_fts, 1, char(57344), char(57345), '…', 24) AS s,
                   bm25(kb_answers_fts, 2.0, 1.0) AS score
            FROM kb_answers_fts JOIN kb_answers a ON a.ticket_id = kb_answers_fts.rowid
            WHERE kb_answers_fts MATCH ?
            """
        var arguments: [(any DatabaseValueConvertible)?] = [query]
        if let requester { sql += " AND a.requester = ? COLLATE NOCASE"; arguments.append(requester) }
        if let excluding { sql += " AND a.ticket_id <> ?"; arguments.append(excluding) }
        sql += " ORDER BY score LIMIT ?"
        arguments.append(max(1, min(50, limit)))
        return try Row.fetchAll(self, sql: sql, arguments: StatementArguments(arguments)).map { row in
            PastAnswer(ticketID: row["ticket_id"], question: Self.markedSnippet(row["q"] ?? ""),
                       answer: Self.markedSnippet(row["s"] ?? "", markdown: true), answeredBy: row["answered_by"], category: row["category"],
                       resolvedAt: row["resolved_at"], bm25: row["score"])
        }
    }

    /// The past answer of one resolved ticket, unmarked: its question, answer and who answered last.
    public func pastAnswer(_ ticket: TicketID) throws -> (question: String, answer: String, answeredBy: String, category: String)? {
        try Row.fetchOne(self, sql: "SELECT question, answer, answered_by, category FROM kb_answers WHERE ticket_id = ?", arguments: [ticket])
            .map { ($0["question"], $0["answer"], $0["answered_by"], $0["category"]) }
    }
}

/// A recent past answer's question and its vector, for the knowledge-gaps list.
public struct AnswerVector: Sendable {
    public var ticketID: TicketID
    public var question: String
    public var vector: [Float]
}

extension Database {
    /// Past answers waiting for their question's vector, newest first, with the question; those resolved
    /// before `since` are dropped from the queue unembedded (gaps look at recent work only).
    public func pendingAnswerEmbeddings(since: Millis, limit: Int) throws -> [(ticketID: TicketID, question: String)] {
        try execute(sql: """
            DELETE FROM kb_answer_embed_queue WHERE ticket_id IN (
                SELECT q.ticket_id FROM kb_answer_embed_queue q LEFT JOIN kb_answers a ON a.ticket_id = q.ticket_id
                WHERE a.ticket_id IS NULL OR a.resolved_at < ? LIMIT 1000)
            """, arguments: [since])
        return try Row.fetchAll(self, sql: """
            SELECT a.ticket_id, a.question FROM kb_answer_embed_queue q JOIN kb_answers a ON a.ticket_id = q.ticket_id
            ORDER BY q.ticket_id DESC LIMIT ?
            """, arguments: [limit]).map { ($0["ticket_id"], $0["question"]) }
    }

    /// Past answers waiting for their vector.
    public func answerEmbeddingBacklog() throws -> Int {
        try Int.fetchOne(self, sql: "SELECT count(*) FROM kb_answer_embed_queue") ?? 0
    }

    /// Stores questions' vectors and takes them off the queue (answers reopened meanwhile are skipped).
    public func saveAnswerEmbeddings(_ items: [(ticketID: TicketID, vector: [Float])], model: String) throws {
        for item in items {
            try execute(sql: "DELETE FROM kb_answer_embed_queue WHERE ticket_id = ?", arguments: [item.ticketID])
            try execute(sql: """
                INSERT OR REPLACE INTO kb_answer_vectors (ticket_id, model, vector)
                SELECT ticket_id, ?, ? FROM kb_answers WHERE ticket_id = ?
                """, arguments: [model, Self.vectorData(item.vector), item.ticketID])
        }
    }

    /// Past answers resolved since `since` with a vector of `model` and neither an article linked in a reply
    /// nor a knowledge-bot answer: the work no article covered. Newest first, at most `limit`.
    public func uncoveredAnswers(since: Millis, model: String, limit: Int) throws -> [AnswerVector] {
        try Row.fetchAll(self, sql: """
            SELECT a.ticket_id, a.question, v.vector FROM kb_answers a JOIN kb_answer_vectors v ON v.ticket_id = a.ticket_id
            WHERE a.resolved_at >= ? AND v.model = ?
              AND NOT EXISTS (SELECT 1 FROM kb_events e WHERE e.ticket_id = a.ticket_id AND e.kind IN ('linked', 'bot_answered'))
            ORDER BY a.resolved_at DESC LIMIT ?
            """, arguments: [since, model, limit]).map {
            AnswerVector(ticketID: $0["ticket_id"], question: $0["question"], vector: Self.vector($0["vector"]))
        }
    }
}

extension Database {
    /// Writes past answers straight into `kb_answers` (its FTS5 index follows by trigger), without tickets:
    /// for benchmarks of the search only (`desk bench kb-search --answers`), never for the service.
    public func insertPastAnswersForBenchmark(_ rows: [(ticketID: TicketID, question: String, answer: String)], at now: Millis) throws {
        let statement = try cachedStatement(sql: """
            INSERT INTO kb_answers (ticket_id, question, answer, requester, answered_by, category, resolved_at) VALUES (?, ?, ?, ?, 'bench', '', ?)
            """)
        for row in rows {
            try statement.execute(arguments: [row.ticketID, row.question, row.answer, "r\(row.ticketID % 10_000)@example.com", now])
        }
    }
}
