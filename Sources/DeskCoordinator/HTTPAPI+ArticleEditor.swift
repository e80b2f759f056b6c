import DeskAutomation
import DeskModel
import DeskStore
import Foundation
import HTTPTypes
import Hummingbird

/// The knowledge base's staff pages (`kb:write`: leads and admins): the articles with their status and
/// usefulness, and an editor that saves through the API's own checks (a new version each change), with
/// the standard structure as a new article's template.
extension HTTPAPI {
    /// A new article's body: the standard structure.
    static let articleTemplate = """
        ## Problem

        What the customer sees: the symptoms, the error message.

        ## Diagnosis

        How to tell this is the cause.

        ## Solution

        1. The steps that fix it.

        ## Prevention

        How to keep it from happening again.
        """

    func addArticleEditor(to router: Router<DeskRequestContext>, _ routes: RouteTable) {
        onPage(router, routes, .get, "/admin/articles", .kbWrite) { request, context in
            try await articlesPage(context, notice: Self.notice(request))
        }
        onPage(router, routes, .get, "/admin/articles/edit", .kbWrite) { request, context in
            guard let text = request.uri.queryParameters.get("id"), !text.isEmpty else {
                return articleEditorPage(context, id: nil, values: ["body": Self.articleTemplate, "audience": "public", "status": "draft"])
            }
            guard let id = Int64(text), id > 0, let article = try await store.pool.read({ db in try db.article(id) }) else {
                throw APIError(.notFound, "there is no article \(text.prefix(20))")
            }
            return articleEditorPage(context, id: id, values: [
                "title": article.title, "body": article.body, "category": article.category, "tags": article.tags.joined(separator: ", "),
                "audience": article.audience, "status": article.status])
        }
        onPage(router, routes, .post, "/admin/articles/edit", .kbWrite) { request, context in try await saveArticlePage(request, context) }
    }

    /// `GET /admin/articles`: every article, newest change first, with its usefulness.
    func articlesPage(_ context: DeskRequestContext, notice: String?) async throws -> Response {
        let rows = try await store.pool.read { db in
            try db.articlesByChange(limit: 500).map { article in (article, try db.articleCounts(article.id)) }
        }
        var page = adminContext(context, section: "/admin/articles", notice: notice)
        page["hasArticles"] = !rows.isEmpty
        page["articles"] = rows.map { article, counts -> [String: Any] in
            ["id": article.id, "title": article.title, "category": article.category.isEmpty ? "–" : article.category,
             "audience": article.audience, "status": article.status, "version": article.version, "author": article.author.isEmpty ? "–" : article.author,
             "updated": WebPages.time(article.updatedAt), "views": counts.views, "solved": counts.solved + counts.helpful,
             "notHelpful": counts.notHelpful, "linked": counts.linkedTickets]
        }
        return Self.page(pages.render("admin-articles", title: "Knowledge base", page))
    }

    func articleEditorPage(_ context: DeskRequestContext, id: Int64?, values: [String: String], errors: [String: String] = [:],
                           status: HTTPResponse.Status = .ok) -> Response {
        var page = adminContext(context, section: "/admin/articles", problem: errors.isEmpty ? nil : "Not saved: please check the field marked below.")
        page["id"] = id.map { $0 as Any } ?? false
        let form = "article"
        page["form"] = [
            "title": Self.field(form, "title", "Title", value: values["title"] ?? "", errors: errors, autocomplete: "off"),
            "category": Self.field(form, "category", "Category", value: values["category"] ?? "", errors: errors),
            "tags": Self.field(form, "tags", "Tags (a, b)", value: values["tags"] ?? "", errors: errors),
            "audience": Self.select(form, "audience", "Audience", options: [("public", "public: everyone"), ("internal", "internal: staff only")],
                                    selected: values["audience"] ?? "public", errors: errors),
            "status": Self.select(form, "status", "Status", options: KnowledgeArticle.statuses.map { ($0, $0) }, selected: values["status"] ?? "draft",
                                  errors: errors),
            "body": Self.field(form, "body", "Body (Markdown: problem, diagnosis, solution, prevention)", value: values["body"] ?? "", errors: errors, rows: 18),
        ]
        return Self.page(pages.render("admin-article", title: id.map { "Article \($0)" } ?? "New article", page), status: status)
    }

    /// `POST /admin/articles/edit`: saved with the API's checks (`storeArticle`); the field at fault is named
    /// next to it, what was typed kept.
    func saveArticlePage(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let fields = try await adminForm(request, allowed: ["id", "title", "body", "category", "tags", "audience", "status"], upTo: Self.maxRequestBytes)
        let id = Self.given(fields["id"]).flatMap { Int64($0) }
        let body = ArticleBody(file: nil, title: fields["title"] ?? "", body: fields["body"] ?? "", category: Self.given(fields["category"]) ?? "",
                               tags: Self.list(fields["tags"]), audience: fields["audience"] ?? "public", status: fields["status"] ?? "draft")
        do {
            let (saved, _, changed) = try await storeArticle(body, id: id, context.principal)
            return Self.redirect("/admin/articles?done=\(changed ? "article-saved" : "article-unchanged")&name=" + Self.query(saved.title))
        } catch let error as APIError where error.status == .badRequest {
            return articleEditorPage(context, id: id, values: fields, errors: [error.field ?? "title": Self.sentence(error.message)], status: .badRequest)
        }
    }
}
