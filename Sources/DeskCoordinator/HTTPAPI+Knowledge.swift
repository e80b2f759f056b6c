import DeskAutomation
import DeskModel
import DeskStore
import Foundation
import Hummingbird

/// The knowledge base's API: articles (Markdown with their category, tags, audience and status) and
/// keyword search over them (SQLite FTS5, BM25, title over body, stemming). Anyone reads and searches
/// published public articles; staff also internal ones and drafts; leads and admins write.
extension HTTPAPI {
    func addKnowledgeRoutes(to router: Router<DeskRequestContext>, _ routes: RouteTable) {
        router.on(routes, .get, "/api/v1/kb/search", .anyone) { request, context in
            try await searchArticles(request.uri.queryParameters, context.principal)
        }
        router.on(routes, .get, "/api/v1/kb/articles", .anyone) { request, context in
            try await listArticles(request.uri.queryParameters, context.principal)
        }
        router.on(routes, .get, "/api/v1/kb/articles/{id}", .anyone) { _, context in
            guard let id = Int64(context.parameters.get("id") ?? ""), id > 0,
                  let article = try await store.pool.read({ db in try db.article(id) }), Self.mayRead(article, context.principal) else {
                throw APIError(.notFound, "article \(context.parameters.get("id") ?? "") not found")
            }
            return TicketJSON.response(Self.articleJSON(article, withBody: true))
        }
        router.on(routes, .post, "/api/v1/kb/articles", .requires(.kbWrite)) { request, context in
            try await saveArticle(request, context.principal)
        }
    }

    /// Staff read every article; everyone else published public ones only.
    static func mayRead(_ article: KnowledgeArticle, _ principal: Principal?) -> Bool {
        if let principal, principal.role != .customer { return true }
        return article.audience == "public" && article.status == "published"
    }

    static func articleJSON(_ article: KnowledgeArticle, withBody: Bool) -> String {
        "{\"id\":\(article.id),\"file\":\(article.file.map(JSONText.string) ?? "null"),\"title\":\(JSONText.string(article.title)),"
            + "\"category\":\(JSONText.string(article.category)),\"tags\":\(JSONText.array(article.tags)),"
            + "\"audience\":\"\(article.audience)\",\"status\":\"\(article.status)\",\"author\":\(JSONText.string(article.author)),"
            + "\"version\":\(article.version),\"updated_at\":\(article.updatedAt)"
            + (withBody ? ",\"body\":\(JSONText.string(article.body))" : "") + "}"
    }

    /// `GET /api/v1/kb/search?q=…&limit=&category=&tag=`: best first, each with a snippet whose matched
    /// words are in `<mark>` (the rest HTML-escaped). Any text is a query: it never fails on FTS5 syntax.
    /// `ranking` says which ranking answered (`keyword`: the semantic one is not wired in yet).
    func searchArticles(_ query: Parameters, _ principal: Principal?) async throws -> Response {
        try Self.refuseUnknown(query, allowed: ["q", "limit", "category", "tag"])
        var search = KnowledgeSearch(text: query.get("q") ?? "")
        guard search.text.utf8.count <= 4000 else { throw APIError(.badRequest, "q is over 4000 bytes", field: "q") }
        if let text = query.get("limit") {
            guard let limit = Int(text), (1...50).contains(limit) else { throw APIError(.badRequest, "limit must be 1 to 50", field: "limit") }
            search.limit = limit
        }
        search.category = query.get("category").flatMap { $0.isEmpty ? nil : $0 }
        search.tag = query.get("tag").flatMap { $0.isEmpty ? nil : $0 }
        search.audiences = principal.map { $0.role == .customer ? ["public"] : ["public", "internal"] } ?? ["public"]
        let request = search
        let hits = try await store.pool.read { db in try db.searchArticles(request) }
        let items = hits.map { hit in
            "{\"id\":\(hit.article.id),\"title\":\(JSONText.string(hit.article.title)),\"file\":\(hit.article.file.map(JSONText.string) ?? "null"),"
                + "\"category\":\(JSONText.string(hit.article.category)),\"snippet\":\(JSONText.string(hit.snippet)),\"score\":\(hit.score)}"
        }
        return TicketJSON.response("{\"ranking\":\"keyword\",\"results\":[" + items.joined(separator: ",") + "]}")
    }

    /// `GET /api/v1/kb/articles?after=&limit=`: articles in id order, without their bodies.
    func listArticles(_ query: Parameters, _ principal: Principal?) async throws -> Response {
        try Self.refuseUnknown(query, allowed: ["after", "limit"])
        let after = Int64(query.get("after") ?? "0") ?? -1
        guard after >= 0 else { throw APIError(.badRequest, "after must be an article id", field: "after") }
        guard let limit = Int(query.get("limit") ?? "100"), (1...1000).contains(limit) else {
            throw APIError(.badRequest, "limit must be 1 to 1000", field: "limit")
        }
        let page = try await store.pool.read { db in try db.articles(after: after, limit: limit) }
        let readable = page.filter { Self.mayRead($0, principal) }
        return TicketJSON.response("{\"articles\":[" + readable.map { Self.articleJSON($0, withBody: true) }.joined(separator: ",")
                                   + "],\"next_cursor\":" + (page.count == limit ? "\(page.last!.id)" : "null") + "}")
    }

    /// `POST /api/v1/kb/articles`: a new article, or a new version of the one with the same `file` (how
    /// `desk kb import` keeps a folder and the knowledge base in step). `201` new, `200` updated or unchanged
    /// (`changed` says which).
    func saveArticle(_ request: Request, _ principal: Principal?) async throws -> Response {
        let given = try await decodeBody(request, as: ArticleBody.self, upTo: Self.maxRequestBytes)
        let file = given.file.map { $0.trimmingCharacters(in: .whitespaces) }
        if let file, !ArticleFile.isFileName(file) {
            throw APIError(.badRequest, "file is a file name of 1 to 200 letters, digits, '.', '-' and '_', not starting with '.'", field: "file")
        }
        // The same checks as an imported file's.
        let checked: ArticleFile
        do {
            checked = try ArticleFile.parse(ArticleFile(title: given.title ?? "", body: given.body ?? "", category: given.category ?? "",
                                                        tags: given.tags ?? [], audience: given.audience ?? "public",
                                                        status: given.status ?? "published").text, file: file ?? "article")
        } catch {
            let field = error.message.hasPrefix("title") ? "title" : error.message.contains("body") ? "body"
                : error.message.hasPrefix("audience") ? "audience" : error.message.hasPrefix("status") ? "status" : "tags"
            throw APIError(.badRequest, error.message, field: field)
        }
        guard !(checked.title + checked.body).containsNUL else { throw APIError(.badRequest, "the article contains a NUL character", field: "body") }
        let article = KnowledgeArticle(file: file, title: checked.title, body: checked.body, category: checked.category, tags: checked.tags,
                                       audience: checked.audience, status: checked.status, author: principal?.name ?? "")
        let now = currentMillis()
        let (saved, created, changed) = try await store.writer.write { db in try db.saveArticle(article, at: now) }
        return TicketJSON.response(String(Self.articleJSON(saved, withBody: false).dropLast()) + ",\"changed\":\(changed)}",
                                   status: created ? .created : .ok)
    }
}

/// An article as the API receives it.
struct ArticleBody: Decodable {
    var file: String?
    var title: String?
    var body: String?
    var category: String?
    var tags: [String]?
    var audience: String?
    var status: String?
}
