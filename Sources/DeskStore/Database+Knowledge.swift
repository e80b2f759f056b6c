import DeskModel
import Foundation
import GRDB

/// A knowledge-base article as stored: Markdown body, where it came from (`file`, for import and export),
/// who may read it (`public`, or `internal` for staff) and whether it is `draft`, `published` or `archived`.
public struct KnowledgeArticle: Sendable, Equatable {
    public var id: Int64
    public var file: String?
    public var title: String
    public var body: String
    public var category: String
    public var tags: [String]
    public var audience: String
    public var status: String
    public var author: String
    public var version: Int
    public var createdAt: Millis
    public var updatedAt: Millis

    public init(id: Int64 = 0, file: String? = nil, title: String, body: String, category: String = "", tags: [String] = [],
                audience: String = "public", status: String = "published", author: String = "", version: Int = 1,
                createdAt: Millis = 0, updatedAt: Millis = 0) {
        self.id = id
        self.file = file
        self.title = title
        self.body = body
        self.category = category
        self.tags = tags
        self.audience = audience
        self.status = status
        self.author = author
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public static let audiences = ["public", "internal"]
    public static let statuses = ["draft", "published", "archived"]

    init(row: Row) {
        self.init(id: row["id"], file: row["file"], title: row["title"], body: row["body"], category: row["category"],
                  tags: Ticket.decodeTags(row["tags"]), audience: row["audience"], status: row["status"], author: row["author"],
                  version: row["version"], createdAt: row["created_at"], updatedAt: row["updated_at"])
    }
}

/// One search hit: the article, a snippet of its body with the matched words between `<mark>` and
/// `</mark>` (the rest HTML-escaped), and its scores.
public struct KnowledgeHit: Sendable, Equatable {
    public var article: KnowledgeArticle
    /// The title, HTML-escaped, with its matched words in `<mark>`.
    public var title: String
    public var snippet: String
    /// The ranking's score: higher is better (keyword alone: the negated BM25).
    public var score: Double
    /// SQLite's BM25 (lower is better), when the keyword search found the article.
    public var bm25: Double?
    /// The cosine similarity to the query, when the semantic search found the article.
    public var cosine: Double?
}

/// What a search may return: the audiences the searcher may read, and optional filters.
public struct KnowledgeSearch: Sendable, Equatable {
    public var text: String
    public var audiences: [String] = ["public"]
    public var category: String?
    public var tag: String?
    public var limit = 10

    public init(text: String) { self.text = text }

    /// The customer's words as an FTS5 query that can never be FTS5 syntax: every run of letters and
    /// digits becomes a quoted term (quotes inside dropped), joined by OR, at most 32 terms of at most 64
    /// characters. Operators (`AND`, `NEAR`, `*`, `^`, `:`, parentheses, quotes) are only words or
    /// nothing. Common English words ("the", "to", "my") are left out when other words remain: they match
    /// nearly every article, and marked in a snippet they only hide the words that matter. With `all`, the
    /// terms are joined by AND (every word must match). Nil when no word is left (the search is then empty,
    /// not an error).
    public static func ftsQuery(_ text: String, all: Bool = false) -> String? {
        var terms: [String] = []
        var common: [String] = []
        var current = ""
        func flush() {
            if !current.isEmpty {
                let term = "\"" + current.prefix(64) + "\""
                if stopWords.contains(current.lowercased()) {
                    if common.count < 32 { common.append(term) }
                } else if terms.count < 32 {
                    terms.append(term)
                }
            }
            current = ""
        }
        for character in text.prefix(4000) {
            if character.isLetter || character.isNumber { current.append(character) } else { flush() }
        }
        flush()
        let chosen = terms.isEmpty ? common : terms
        return chosen.isEmpty ? nil : chosen.joined(separator: all ? " AND " : " OR ")
    }

    /// Words too common to find anything by.
    static let stopWords: Set<String> = [
        "a", "about", "an", "and", "any", "are", "as", "at", "be", "but", "by", "can", "could", "do", "does", "for", "from", "get", "has",
        "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "so", "some", "that",
        "the", "their", "them", "then", "there", "this", "to", "was", "we", "what", "when", "where", "which", "who", "why", "will", "with",
        "would", "you", "your",
    ]
}

extension Database {
    /// Adds an article, or, when `file` names one already stored, replaces it (a new version, the old
    /// text kept in `kb_article_versions`). The stored article.
    public func saveArticle(_ given: KnowledgeArticle, at now: Millis) throws -> (article: KnowledgeArticle, created: Bool, changed: Bool) {
        let existing = try given.file.flatMap { file in
            try Row.fetchOne(self, sql: "SELECT * FROM kb_articles WHERE file = ?", arguments: [file]).map(KnowledgeArticle.init(row:))
        } ?? (given.id > 0 ? try Row.fetchOne(self, sql: "SELECT * FROM kb_articles WHERE id = ?", arguments: [given.id]).map(KnowledgeArticle.init(row:)) : nil)
        if let existing {
            if existing.title == given.title && existing.body == given.body && existing.category == given.category && existing.tags == given.tags
                && existing.audience == given.audience && existing.status == given.status { return (existing, false, false) }
            try execute(sql: "INSERT INTO kb_article_versions (article_id, version, title, body, author, at) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: [existing.id, existing.version, existing.title, existing.body, existing.author, existing.updatedAt])
            try execute(sql: """
                UPDATE kb_articles SET title = ?, body = ?, category = ?, tags = ?, audience = ?, status = ?, author = ?,
                       version = version + 1, updated_at = ? WHERE id = ?
                """, arguments: [given.title, given.body, given.category, JSONText.array(given.tags), given.audience, given.status,
                                 given.author, now, existing.id])
            return (try article(existing.id)!, false, true)
        }
        try execute(sql: """
            INSERT INTO kb_articles (file, title, body, category, tags, audience, status, author, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [given.file, given.title, given.body, given.category, JSONText.array(given.tags), given.audience, given.status,
                             given.author, now, now])
        return (try article(lastInsertedRowID)!, true, true)
    }

    public func article(_ id: Int64) throws -> KnowledgeArticle? {
        try Row.fetchOne(self, sql: "SELECT * FROM kb_articles WHERE id = ?", arguments: [id]).map(KnowledgeArticle.init(row:))
    }

    /// The categories of the published articles of these audiences, with how many each holds.
    public func articleCategories(audiences: [String]) throws -> [(category: String, count: Int)] {
        guard !audiences.isEmpty else { return [] }
        return try Row.fetchAll(self, sql: """
            SELECT category, count(*) AS n FROM kb_articles WHERE status = 'published'
            AND audience IN (\(audiences.map { _ in "?" }.joined(separator: ","))) GROUP BY category ORDER BY category
            """, arguments: StatementArguments(audiences)).map { ($0["category"], $0["n"]) }
    }

    /// The published articles of a category (these audiences), by title, at most `limit`.
    public func articles(inCategory category: String, audiences: [String], limit: Int = 100) throws -> [KnowledgeArticle] {
        guard !audiences.isEmpty else { return [] }
        var arguments: [(any DatabaseValueConvertible)?] = [category]
        arguments += audiences.map { $0 as (any DatabaseValueConvertible)? }
        arguments.append(limit)
        return try Row.fetchAll(self, sql: """
            SELECT * FROM kb_articles WHERE category = ? AND status = 'published'
            AND audience IN (\(audiences.map { _ in "?" }.joined(separator: ","))) ORDER BY title LIMIT ?
            """, arguments: StatementArguments(arguments)).map(KnowledgeArticle.init(row:))
    }

    /// An article's earlier versions, newest first: (version, title, body, author, when it was saved).
    public func articleVersions(_ id: Int64) throws -> [(version: Int, title: String, body: String, author: String, at: Millis)] {
        try Row.fetchAll(self, sql: "SELECT version, title, body, author, at FROM kb_article_versions WHERE article_id = ? ORDER BY version DESC",
                         arguments: [id]).map { ($0["version"], $0["title"], $0["body"], $0["author"], $0["at"]) }
    }

    /// Articles whose last change is newest first, at most `limit` (the staff list).
    public func articlesByChange(limit: Int) throws -> [KnowledgeArticle] {
        try Row.fetchAll(self, sql: "SELECT * FROM kb_articles ORDER BY updated_at DESC, id DESC LIMIT ?", arguments: [limit])
            .map(KnowledgeArticle.init(row:))
    }

    /// Articles in id order, after `cursor`, at most `limit`.
    public func articles(after cursor: Int64 = 0, limit: Int = 100) throws -> [KnowledgeArticle] {
        try Row.fetchAll(self, sql: "SELECT * FROM kb_articles WHERE id > ? ORDER BY id LIMIT ?", arguments: [cursor, limit])
            .map(KnowledgeArticle.init(row:))
    }

    /// Published articles matching the search's words, best first: BM25 with the title weighted 5 to the
    /// body's 1, Porter stemming, filtered by audience, category and tag. Hostile text gives results or
    /// none, never an error (`KnowledgeSearch.ftsQuery`).
    public func searchArticles(_ search: KnowledgeSearch) throws -> [KnowledgeHit] {
        try rankArticles(search, keyword: keywordCandidates(search, limit: search.limit), semantic: [], ranking: .keyword)
    }

    /// The filters every search applies (published, the searcher's audiences, category, tag), as SQL on
    /// `kb_articles` aliased `a`, with their arguments.
    private func articleFilter(_ search: KnowledgeSearch) -> (sql: String, arguments: [(any DatabaseValueConvertible)?]) {
        var sql = " AND a.status = 'published' AND a.audience IN (\(search.audiences.map { _ in "?" }.joined(separator: ",")))"
        var arguments = search.audiences.map { $0 as (any DatabaseValueConvertible)? }
        if let category = search.category { sql += " AND a.category = ?"; arguments.append(category) }
        if let tag = search.tag { sql += " AND EXISTS (SELECT 1 FROM json_each(a.tags) WHERE json_each.value = ?)"; arguments.append(tag) }
        return (sql, arguments)
    }

    /// The keyword ranking's first `limit` candidates, ids and BM25 only (lower is better), filtered as the
    /// search asks: the cheap half of a search, which can run while the query is being embedded.
    public func keywordCandidates(_ search: KnowledgeSearch, limit: Int = 50) throws -> [(id: Int64, bm25: Double)] {
        guard let query = KnowledgeSearch.ftsQuery(search.text), !search.audiences.isEmpty else { return [] }
        let filter = articleFilter(search)
        return try Row.fetchAll(self, sql: """
            SELECT a.id, bm25(kb_fts, 5.0, 1.0) AS score FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid
            WHERE kb_fts MATCH ?\(filter.sql) ORDER BY score LIMIT ?
            """, arguments: StatementArguments([query] + filter.arguments + [max(1, min(100, limit))])).map { ($0["id"], $0["score"]) }
    }

    /// The search ranked by `ranking` over the keyword candidates and `semantic` (article ids with their
    /// cosine similarity to the query, best first, as `VectorIndex.nearest` gives them): at most
    /// `search.limit` published articles the searcher may read, best first. Articles only the semantic
    /// ranking found pass the same filters (audience, category, tag) and carry the start of their body as
    /// snippet; keyword matches their marked words. Snippets are made for the final hits only.
    public func rankArticles(_ search: KnowledgeSearch, keyword: [(id: Int64, bm25: Double)], semantic: [(id: Int64, cosine: Double)],
                             ranking: HybridRanking) throws -> [KnowledgeHit] {
        let keywordIDs = Set(keyword.map(\.id))
        let readable = semantic.isEmpty || ranking == .keyword ? []
            : try readableIDs(semantic.map(\.id).filter { !keywordIDs.contains($0) }, search).union(keywordIDs)
        let ranked = ranking.rank(keyword: keyword, semantic: semantic.filter { readable.contains($0.id) }).prefix(search.limit)
        guard !ranked.isEmpty else { return [] }
        let ids = ranked.map(\.id)
        let marks = keyword.isEmpty ? [:] : try keywordMarks(ids.filter { keywordIDs.contains($0) }, search)
        let rows = Dictionary(uniqueKeysWithValues: try Row.fetchAll(self, sql: """
            SELECT * FROM kb_articles WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))
            """, arguments: StatementArguments(ids)).map { row in (row["id"] as Int64, KnowledgeArticle(row: row)) })
        return ranked.compactMap { candidate in
            guard let article = rows[candidate.id] else { return nil }
            let mark = marks[candidate.id]
            return KnowledgeHit(article: article, title: mark?.title ?? Self.markedSnippet(article.title),
                                snippet: mark?.snippet ?? Self.markedSnippet(Self.opening(article.body), markdown: true),
                                score: candidate.score, bm25: candidate.bm25, cosine: candidate.cosine)
        }
    }

    /// The search ranked from scratch (both halves here; the semantic list given): for tools and tests.
    public func rankArticles(_ search: KnowledgeSearch, semantic: [(id: Int64, cosine: Double)], ranking: HybridRanking,
                             candidates: Int = 50) throws -> [KnowledgeHit] {
        try rankArticles(search, keyword: keywordCandidates(search, limit: max(candidates, search.limit)), semantic: semantic, ranking: ranking)
    }

    /// The marked title and snippet of these keyword matches.
    private func keywordMarks(_ ids: [Int64], _ search: KnowledgeSearch) throws -> [Int64: (title: String, snippet: String)] {
        guard !ids.isEmpty, let query = KnowledgeSearch.ftsQuery(search.text) else { return [:] }
        var marks: [Int64: (title: String, snippet: String)] = [:]
        for row in try Row.fetchAll(self, sql: """
            SELECT rowid, highlight(kb_fts, 0, char(57344), char(57345)) AS hl, snippet(kb_fts, 1, char(57344), char(57345), '…', 16) AS snip
            FROM kb_fts WHERE kb_fts MATCH ? AND rowid IN (\(ids.map { _ in "?" }.joined(separator: ",")))
            """, arguments: StatementArguments([query] + ids.map { $0 as (any DatabaseValueConvertible)? })) {
            marks[row["rowid"]] = (Self.markedSnippet(row["hl"] ?? ""), Self.markedSnippet(row["snip"] ?? "", markdown: true))
        }
        return marks
    }

    /// Of these article ids, those the search's filters allow (published, audience, category, tag).
    private func readableIDs(_ ids: [Int64], _ search: KnowledgeSearch) throws -> Set<Int64> {
        guard !ids.isEmpty, !search.audiences.isEmpty else { return [] }
        let filter = articleFilter(search)
        return Set(try Int64.fetchAll(self, sql: """
            SELECT a.id FROM kb_articles a WHERE a.id IN (\(ids.map { _ in "?" }.joined(separator: ",")))\(filter.sql)
            """, arguments: StatementArguments(ids.map { $0 as (any DatabaseValueConvertible)? } + filter.arguments)))
    }

    /// The first words of a Markdown body, as plain text (about 30 words), for a hit without matched words.
    static func opening(_ body: String) -> String {
        var words: [Substring] = []
        for line in body.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("```") && !line.hasPrefix("---") {
            for word in line.split(whereSeparator: \.isWhitespace) {
                words.append(word)
                if words.count == 30 { return words.joined(separator: " ") + " …" }
            }
        }
        return words.joined(separator: " ")
    }

    /// The text HTML-escaped, with SQLite's private-use markers turned into `<mark>` tags and runs of white
    /// space made one space; from a Markdown body (`markdown`), its emphasis, heading and code marks (`*`,
    /// `#`, `` ` ``) left out: a snippet is plain words.
    static func markedSnippet(_ raw: String, markdown: Bool = false) -> String {
        var out = ""
        var lastWasSpace = false
        for character in raw {
            if markdown, character == "*" || character == "#" || character == "`" { continue }
            if character.isWhitespace {
                if !lastWasSpace { out.append(" ") }
                lastWasSpace = true
                continue
            }
            lastWasSpace = false
            switch character {
            case "\u{E000}": out += "<mark>"
            case "\u{E001}": out += "</mark>"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
