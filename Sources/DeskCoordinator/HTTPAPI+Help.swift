import DeskAutomation
import DeskModel
import DeskStore
import Foundation
import Hummingbird

/// The help centre (`/help`): search and categories over the published articles the reader may see
/// (public for everyone, internal ones too for staff), and each article rendered from its Markdown.
extension HTTPAPI {
    func addHelpRoutes(to router: Router<DeskRequestContext>, _ routes: RouteTable) {
        router.on(routes, .get, "/help", .anyone) { request, context in try await helpCentre(request, context) }
        router.on(routes, .get, "/help/articles/{id}", .anyone) { request, context in
            guard let id = Int64(context.parameters.get("id") ?? ""), id > 0,
                  let article = try await store.pool.read({ db in try db.article(id) }), Self.mayRead(article, context.principal),
                  article.status == "published" || context.principal.map({ $0.role != .customer }) == true else {
                return Self.page(pages.render("not-found", title: "Not found", ["who": who(context) as Any]), status: .notFound)
            }
            // A view counts for the article's usefulness; opened from a draft's suggestions (`?draft=`), it is
            // that draft's `opened` step too (a draft this server did not offer the article is only a view).
            let draft = request.uri.queryParameters.get("draft").flatMap { Self.isDraftID(String($0)) ? String($0) : nil }
            var opened = false  // the draft's `opened` step counts the view itself
            if let draft, article.audience == "public", article.status == "published" {
                opened = (try? await recordStep(FeedbackBody(outcome: "opened", draft: draft, articleID: id),
                                                actor: context.principal?.name ?? "", channel: "web")) != nil
            }
            if !opened { try? await store.writer.write { db in try db.countArticle(id, "views") } }
            return helpArticlePage(article, context)
        }
        router.on(routes, .post, "/help/articles/{id}/feedback", .anyone) { request, context in
            let fields = try FormBody.fields(try await collect(request, upTo: 4_096), allowed: ["csrf", "helpful"])
            guard let id = Int64(context.parameters.get("id") ?? ""), id > 0, let article = try await store.pool.read({ db in try db.article(id) }),
                  article.audience == "public", article.status == "published", ["yes", "no"].contains(fields["helpful"] ?? "") else {
                return Self.page(pages.render("not-found", title: "Not found", ["who": who(context) as Any]), status: .notFound)
            }
            _ = try await recordStep(FeedbackBody(outcome: fields["helpful"] == "yes" ? "helpful" : "not_helpful", articleID: id),
                                     actor: context.principal?.name ?? "", channel: "web")
            return helpArticlePage(article, context, thanked: true)
        }
    }

    /// An article rendered from its Markdown, with "Did this help?" (public articles) or the thanks for an answer.
    func helpArticlePage(_ article: KnowledgeArticle, _ context: DeskRequestContext, thanked: Bool = false) -> Response {
        Self.page(pages.render("help-article", title: article.title, [
                "who": who(context) as Any, "title": article.title, "category": article.category.isEmpty ? false as Any : article.category,
                "urlCategory": Self.urlComponent(article.category), "internal": article.audience == "internal",
                "html": SafeMarkdown.html(article.body), "id": article.id, "csrf": context.session?.csrf ?? "",
                "askHelpful": article.audience == "public" && article.status == "published" && !thanked, "thanked": thanked,
            ]))
    }

    static func urlComponent(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    func helpCentre(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let audiences = context.principal.map { $0.role == .customer ? ["public"] : ["public", "internal"] } ?? ["public"]
        let text = String((query.get("q") ?? "").prefix(1000))
        var search = KnowledgeSearch(text: text)
        search.audiences = audiences
        search.limit = 10
        let category = query.get("category").flatMap { $0.isEmpty ? nil : String($0.prefix(64)) }
        let hits = text.isEmpty ? [] : try await rankedSearch(search).hits
        let (categories, listed) = try await store.pool.read { db in
            (try db.articleCategories(audiences: audiences),
             try category.map { try db.articles(inCategory: $0, audiences: audiences) })
        }
        return Self.page(pages.render("help", title: "Help centre", [
            "who": who(context) as Any, "q": text, "searched": !text.isEmpty,
            "results": hits.map { ["id": $0.article.id, "title": $0.title, "snippet": $0.snippet] },
            "categories": categories.map { ["name": $0.category.isEmpty ? "General" : $0.category, "urlName": Self.urlComponent($0.category),
                                            "count": $0.count] },
            "category": listed.map { articles in
                ["name": (category ?? "").isEmpty ? "General" : category ?? "", "articles": articles.map { ["id": $0.id, "title": $0.title] }]
            } as Any,
        ]))
    }
}
