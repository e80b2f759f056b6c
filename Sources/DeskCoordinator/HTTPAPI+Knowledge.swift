import DeskAutomation
import DeskEmbedding
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
            guard let principal = context.principal, principal.role != .customer else {
                return TicketJSON.response(Self.articleJSON(article, withBody: true))
            }
            // Staff also see how useful it has been.
            let counts = try await store.pool.read { db in try db.articleCounts(id) }
            return TicketJSON.response(String(Self.articleJSON(article, withBody: true).dropLast())
                + ",\"usefulness\":{\"views\":\(counts.views),\"suggested\":\(counts.suggested),\"solved\":\(counts.solved),"
                + "\"not_helpful\":\(counts.notHelpful),\"helpful\":\(counts.helpful),\"linked_tickets\":\(counts.linkedTickets)}}")
        }
        router.on(routes, .get, "/api/v1/kb/articles/{id}/versions", .requires(.kbDraft)) { _, context in
            guard let id = Int64(context.parameters.get("id") ?? ""), id > 0,
                  let (article, versions) = try await store.pool.read({ db in try db.article(id).map { ($0, try db.articleVersions(id)) } }) else {
                throw APIError(.notFound, "article \(context.parameters.get("id") ?? "") not found")
            }
            let earlier = versions.map { version in
                "{\"version\":\(version.version),\"title\":\(JSONText.string(version.title)),\"body\":\(JSONText.string(version.body)),"
                    + "\"author\":\(JSONText.string(version.author)),\"saved_at\":\(version.at)}"
            }
            return TicketJSON.response("{\"id\":\(id),\"version\":\(article.version),\"versions\":[" + earlier.joined(separator: ",") + "]}")
        }
        router.on(routes, .post, "/api/v1/kb/articles", .requires(.kbWrite)) { request, context in
            try await saveArticle(request, context.principal)
        }
        router.on(routes, .post, "/api/v1/kb/suggest", .anyone) { request, context in
            try await suggestArticles(request, context)
        }
        router.on(routes, .post, "/api/v1/kb/feedback", .anyone) { request, context in
            try await recordFeedback(request, context)
        }
        router.on(routes, .get, "/api/v1/kb/answers", .requires(.ticketsRead)) { request, context in
            try await searchPastAnswers(request.uri.queryParameters, context.principal)
        }
        router.on(routes, .post, "/api/v1/kb/articles/from-ticket/{id}", .requires(.kbDraft)) { _, context in
            try await draftFromTicket(context.parameters.get("id") ?? "", context.principal)
        }
        router.on(routes, .get, "/api/v1/kb/gaps", .requires(.reportsRead)) { request, _ in
            try await knowledgeGaps(request.uri.queryParameters)
        }
        router.on(routes, .get, "/api/v1/kb/stats", .requires(.reportsRead)) { request, _ in
            try await knowledgeStats(request.uri.queryParameters)
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
    /// `ranking` says which ranking answered: `hybrid` (meaning and keywords) when the embedding model is
    /// installed and the articles are embedded, `keyword` otherwise. Each result carries its combined
    /// `score` (higher is better), its `keyword` score (the negated BM25) and its `semantic` one (cosine)
    /// where that ranking found it.
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
        let (ranking, hits) = try await rankedSearch(search)
        return TicketJSON.response("{\"ranking\":\"\(ranking)\",\"results\":[" + hits.map(Self.hitJSON).joined(separator: ",") + "]}")
    }

    static func hitJSON(_ hit: KnowledgeHit) -> String {
        "{\"id\":\(hit.article.id),\"title\":\(JSONText.string(hit.article.title)),\"file\":\(hit.article.file.map(JSONText.string) ?? "null"),"
            + "\"category\":\(JSONText.string(hit.article.category)),\"snippet\":\(JSONText.string(hit.snippet)),\"score\":\(Self.rounded(hit.score)),"
            + "\"keyword\":\(hit.bm25.map { "\(Self.rounded(-$0))" } ?? "null"),\"semantic\":\(hit.cosine.map { "\(Self.rounded($0))" } ?? "null"),"
            + "\"link\":\(JSONText.string("/help/articles/\(hit.article.id)"))}"
    }

    static func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }

    /// The search ranked by meaning and keywords when the embedding model is ready (`hybrid`), by keywords
    /// alone otherwise (`keyword`): the ranking's name and the hits, best first.
    /// The two halves run at once: the query's embedding and vector scan on one core, the keyword
    /// candidates (FTS5) on the other; then the fusion and the final hits' snippets.
    func rankedSearch(_ search: KnowledgeSearch) async throws -> (ranking: String, hits: [KnowledgeHit]) {
        let knowledge = self.knowledge
        async let meaning = knowledge?.nearest(to: search.text, k: 50)
        let keyword = try await store.pool.read { db in try db.keywordCandidates(search, limit: max(50, search.limit)) }
        let semantic = await meaning ?? []
        let hits = try await store.pool.read { db in
            try db.rankArticles(search, keyword: keyword, semantic: semantic, ranking: semantic.isEmpty ? .keyword : HybridRanking.standard)
        }
        return (semantic.isEmpty ? "keyword" : "hybrid", hits)
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
        let (saved, created, changed) = try await storeArticle(given, id: nil, principal)
        return TicketJSON.response(String(Self.articleJSON(saved, withBody: false).dropLast()) + ",\"changed\":\(changed)}",
                                   status: created ? .created : .ok)
    }

    /// Checks an article as an imported file is checked and saves it: a new one, or a new version of the one
    /// with the same `file` (or, from the editor, `id`). Throws `APIError` naming the field at fault.
    func storeArticle(_ given: ArticleBody, id: Int64?, _ principal: Principal?) async throws -> (KnowledgeArticle, created: Bool, changed: Bool) {
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
        let article = KnowledgeArticle(id: id ?? 0, file: file, title: checked.title, body: checked.body, category: checked.category,
                                       tags: checked.tags, audience: checked.audience, status: checked.status, author: principal?.name ?? "")
        let now = currentMillis()
        if let id, try await store.pool.read({ db in try db.article(id) }) == nil { throw APIError(.notFound, "article \(id) not found") }
        let result = try await store.writer.write { db in try db.saveArticle(article, at: now) }
        if result.changed { knowledge?.wake() }
        return result
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

/// A draft for suggestions: what the customer is about to send.
struct SuggestBody: Decodable {
    var subject: String?
    var body: String?
    var type: String?
    /// The draft's id from an earlier answer: the same attempt, typed further (counted once).
    var draft: String?
    /// Where the draft comes from: `api` (default), `web`, `email`.
    var channel: String?
}

/// One step of a customer's use of the suggestions, or a reader's rating of an article.
struct FeedbackBody: Decodable {
    var outcome: String
    var draft: String?
    var articleID: Int64?
    var ticketID: Int64?

    enum CodingKeys: String, CodingKey {
        case outcome, draft
        case articleID = "article_id"
        case ticketID = "ticket_id"
    }
}

/// Suggestions before a ticket (deflection): what a draft may be answered by, the steps the customer takes
/// with them, and the measurements.
extension HTTPAPI {
    /// How strong a match must be to be shown before a ticket (docs/BENCHMARKS.md, the unanswerable questions).
    static let suggestionThreshold = SuggestionThreshold()
    static let feedbackOutcomes = ["opened", "solved", "continued", "helpful", "not_helpful"]

    /// Up to 3 published public articles strong enough to answer `subject` and `body`, best first (none
    /// when nothing is relevant: weak matches are never shown), and the ranking that found them.
    func suggestions(subject: String, body: String, limit: Int = 3) async throws -> (ranking: String, hits: [KnowledgeHit]) {
        var search = KnowledgeSearch(text: subject + "\n" + body)
        search.audiences = ["public"]
        search.limit = limit
        let (ranking, hits) = try await rankedSearch(search)
        let strong = hits.filter { Self.suggestionThreshold.isStrong(bm25: $0.bm25, cosine: $0.cosine, semantic: ranking == "hybrid") }
        return (ranking, strong)
    }

    /// Whether `text` is a draft id as `suggest` makes them.
    static func isDraftID(_ text: String) -> Bool {
        text.hasPrefix("d-") && (10...66).contains(text.utf8.count)
            && text.utf8.dropFirst(2).allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 || $0 == 45 }
    }

    /// Records that a draft was offered these articles: the draft's `suggested` event once, each article's
    /// `suggested` counter once per draft.
    func recordSuggested(draft: String, articles: [Int64], channel: String, actor: String) async throws {
        let now = currentMillis()
        try await store.writer.write { db in
            let seen = try db.knowledgeEvents(draft: draft)
            if !seen.contains(where: { $0.kind == "suggested" && $0.articleID == nil }) {
                try db.recordKnowledgeEvent("suggested", draft: draft, channel: channel, actor: actor, at: now)
            }
            for article in articles where !seen.contains(where: { $0.kind == "offered" && $0.articleID == article }) {
                try db.execute(sql: "INSERT INTO kb_events (kind, draft, article_id, channel, actor, at) VALUES ('offered', ?, ?, ?, ?, ?)",
                               arguments: [draft, article, channel, actor, now])
                try db.countArticle(article, "suggested")
            }
        }
    }

    /// `POST /api/v1/kb/suggest` `{"subject", "body", "type"?, "draft"?, "channel"?}`: up to 3 articles that
    /// may answer the draft, each with title, snippet and link, or none; and the draft's id, to send back
    /// with the customer's next step (`/api/v1/kb/feedback`) or the next call while they type.
    func suggestArticles(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let given = try await decodeBody(request, as: SuggestBody.self, upTo: Self.maxRequestBytes)
        let subject = given.subject ?? "", body = given.body ?? ""
        guard !(subject + body).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError(.badRequest, "subject or body must have some text", field: "subject")
        }
        guard subject.utf8.count <= 1_000 else { throw APIError(.badRequest, "subject is over 1000 bytes", field: "subject") }
        guard body.utf8.count <= 100_000 else { throw APIError(.badRequest, "body is over 100000 bytes", field: "body") }
        if let type = given.type, !type.isEmpty, ticketTypes.type(named: type) == nil {
            throw APIError(.badRequest, "type \(type) is not a ticket type (GET /api/v1/ticket-types lists them)", field: "type")
        }
        let channel = given.channel ?? "api"
        guard ["api", "web", "email"].contains(channel) else { throw APIError(.badRequest, "channel must be api, web or email", field: "channel") }
        if let draft = given.draft, !Self.isDraftID(draft) { throw APIError(.badRequest, "draft is not a draft id this server gave", field: "draft") }
        let draft = given.draft ?? "d-" + AccessSecret.random().prefix(24)
        let (ranking, hits) = try await suggestions(subject: subject, body: body)
        if !hits.isEmpty {
            try await recordSuggested(draft: draft, articles: hits.map(\.article.id), channel: channel, actor: context.principal?.name ?? "")
            metrics.kbSuggested.increment()
        }
        return TicketJSON.response("{\"ranking\":\"\(ranking)\",\"draft\":\(JSONText.string(draft)),\"suggestions\":["
                                   + hits.map(Self.hitJSON).joined(separator: ",") + "]}")
    }

    /// `POST /api/v1/kb/feedback` `{"outcome", "draft"?, "article_id"?, "ticket_id"?}`: a step of a draft
    /// that was offered suggestions — `opened` an article, `solved` (a deflection: no ticket), `continued`
    /// (went on to send it; `ticket_id` the ticket it became) — or a rating of an article, `helpful` or
    /// `not_helpful`. `solved` and `continued` are each once per draft, and never both.
    func recordFeedback(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let given = try await decodeBody(request, as: FeedbackBody.self, upTo: 4_096)
        let recorded = try await recordStep(given, actor: context.principal?.name ?? "", channel: "api")
        return TicketJSON.response("{\"outcome\":\(JSONText.string(given.outcome)),\"recorded\":\(recorded)}")
    }

    /// Records one step; whether it was new (a repeated `solved` or `continued` of a draft is not).
    func recordStep(_ given: FeedbackBody, actor: String, channel: String) async throws -> Bool {
        guard Self.feedbackOutcomes.contains(given.outcome) else {
            throw APIError(.badRequest, "outcome must be one of \(Self.feedbackOutcomes.joined(separator: ", "))", field: "outcome")
        }
        let needsDraft = ["solved", "continued", "opened"].contains(given.outcome)
        if needsDraft, given.draft == nil { throw APIError(.badRequest, "\(given.outcome) needs the draft the suggestions came with", field: "draft") }
        if ["opened", "helpful", "not_helpful"].contains(given.outcome), given.articleID == nil {
            throw APIError(.badRequest, "\(given.outcome) needs article_id", field: "article_id")
        }
        if let draft = given.draft, !Self.isDraftID(draft) { throw APIError(.badRequest, "draft is not a draft id this server gave", field: "draft") }
        let now = currentMillis()
        let outcome = given.outcome
        let recorded = try await store.writer.write { db in
            if let id = given.articleID, try db.article(id).map({ $0.audience == "public" && $0.status == "published" }) != true {
                throw APIError(.notFound, "article \(id) not found", field: "article_id")
            }
            let steps = try given.draft.map { try db.knowledgeEvents(draft: $0) } ?? []
            if let draft = given.draft, !steps.contains(where: { $0.kind == "suggested" }) {
                throw APIError(.notFound, "draft \(draft) was offered no suggestions", field: "draft")
            }
            if outcome == "solved" || outcome == "continued" {
                if steps.contains(where: { $0.kind == outcome }) { return false }
                let other = outcome == "solved" ? "continued" : "solved"
                if steps.contains(where: { $0.kind == other }) {
                    throw APIError(.conflict, "draft \(given.draft!) was already \(other)", field: "outcome")
                }
            }
            try db.recordKnowledgeEvent(outcome, draft: given.draft ?? "", articleID: given.articleID, ticketID: given.ticketID,
                                        channel: channel, actor: actor, at: now)
            return true
        }
        if recorded {
            switch outcome {
            case "solved": metrics.kbSolved.increment()
            case "continued": metrics.kbContinued.increment()
            default: break
            }
        }
        return recorded
    }

    /// `GET /api/v1/kb/stats?days=`: over the last `days` (default 30, UTC days, today included): drafts
    /// offered suggestions, solved by one (deflections), continued; the deflection rate; the knowledge bot's
    /// answers and how many the customer confirmed; published articles per category, articles per author;
    /// the embedding backlog.
    func knowledgeStats(_ query: Parameters) async throws -> Response {
        try Self.refuseUnknown(query, allowed: ["days"])
        guard let days = Int64(query.get("days") ?? "30"), (1...3_660).contains(days) else {
            throw APIError(.badRequest, "days must be 1 to 3660", field: "days")
        }
        let today = currentMillis() / 86_400_000
        let (counts, categories, authors) = try await store.pool.read { db in
            (try db.knowledgeCounts(fromDay: today - days + 1, toDay: today), try db.articlesPerCategory(), try db.articleContributions())
        }
        let vectors = knowledge?.index.count ?? 0  // the vectors search uses (as desk_knowledge_vectors), not a count of the table
        func rate(_ part: Int, _ whole: Int) -> String { whole == 0 ? "null" : "\(Self.rounded(Double(part) / Double(whole)))" }
        let suggested = counts["suggested"] ?? 0, solved = counts["solved"] ?? 0
        let botAnswered = counts["bot_answered"] ?? 0, botSolved = counts["bot_solved"] ?? 0
        let state: String = switch knowledge?.current {
        case .ready: "ready"
        case .waiting: "waiting"
        case .unavailable, nil: "unavailable"
        }
        return TicketJSON.response("""
            {"days":\(days),"suggested":\(suggested),"solved":\(solved),"continued":\(counts["continued"] ?? 0),\
            "opened":\(counts["opened"] ?? 0),"deflection_rate":\(rate(solved, suggested)),\
            "bot_answered":\(botAnswered),"bot_solved":\(botSolved),"bot_continued":\(counts["bot_continued"] ?? 0),\
            "bot_resolution_rate":\(rate(botSolved, botAnswered)),\
            "articles_per_category":[\(categories.map { "{\"category\":\(JSONText.string($0.category)),\"articles\":\($0.count)}" }.joined(separator: ","))],\
            "contributions":[\(authors.map { "{\"author\":\(JSONText.string($0.author)),\"articles\":\($0.articles)}" }.joined(separator: ","))],\
            "embedding":{"state":"\(state)","vectors":\(vectors),"backlog":\(knowledge?.backlogCount ?? 0),\
            "answers_backlog":\(knowledge?.answerBacklogCount ?? 0)}}
            """)
    }
}

/// Q&A over past answers and knowledge that grows from the work.
extension HTTPAPI {
    /// `GET /api/v1/kb/answers?q=&limit=`: resolved tickets whose question or public answer match, best first:
    /// staff see every one, a customer their own. Never internal notes.
    func searchPastAnswers(_ query: Parameters, _ principal: Principal?) async throws -> Response {
        try Self.refuseUnknown(query, allowed: ["q", "limit"])
        let text = query.get("q") ?? ""
        guard text.utf8.count <= 4000 else { throw APIError(.badRequest, "q is over 4000 bytes", field: "q") }
        guard let limit = Int(query.get("limit") ?? "10"), (1...50).contains(limit) else { throw APIError(.badRequest, "limit must be 1 to 50", field: "limit") }
        guard let principal else { throw APIError(.unauthorized, "sign in to search past answers") }
        let requester: String?
        if principal.role == .customer {
            guard let email = principal.email else { throw APIError(.forbidden, "the account '\(principal.name)' has no e-mail address") }
            requester = email
        } else {
            requester = nil
        }
        let found = try await store.pool.read { db in try db.searchAnswers(text, requester: requester, limit: limit) }
        return TicketJSON.response("{\"results\":[" + found.map { answer in
            "{\"ticket\":\(answer.ticketID),\"question\":\(JSONText.string(answer.question)),\"answer\":\(JSONText.string(answer.answer)),"
                + "\"answered_by\":\(JSONText.string(answer.answeredBy)),\"category\":\(JSONText.string(answer.category)),"
                + "\"resolved_at\":\(answer.resolvedAt),\"score\":\(Self.rounded(-answer.bm25))}"
        }.joined(separator: ",") + "]}")
    }

    /// `POST /api/v1/kb/articles/from-ticket/{id}` (staff): a draft article from a resolved ticket's public
    /// answer, in the standard structure (problem, solution), credited to whoever answered it; a lead
    /// reviews and publishes it. `201` with the draft.
    func draftFromTicket(_ text: String, _ principal: Principal?) async throws -> Response {
        TicketJSON.response(Self.articleJSON(try await makeDraft(fromTicket: text, principal), withBody: true), status: .created)
    }

    /// The draft article made from a resolved ticket's public answer (see `draftFromTicket`).
    func makeDraft(fromTicket text: String, _ principal: Principal?) async throws -> KnowledgeArticle {
        guard let principal, principal.role != .customer else { throw APIError(.forbidden, "staff turn answers into articles") }
        let id = try Self.ticketID(text)
        let now = currentMillis()
        let saved = try await store.writer.write { db -> KnowledgeArticle in
            guard let answer = try db.pastAnswer(id) else {
                throw APIError(.conflict, "ticket \(id) has no public answer of a resolved ticket to draft from", field: "id")
            }
            let lines = answer.question.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
            let title = String(lines.first ?? "").trimmingCharacters(in: .whitespaces)
            let problem = lines.count > 1 ? String(lines[1]) : ""
            let body = "## Problem\n\n\(problem.trimmingCharacters(in: .whitespacesAndNewlines))\n\n## Solution\n\n"
                + answer.answer.trimmingCharacters(in: .whitespacesAndNewlines) + "\n\n_Drafted from ticket #\(id)._\n"
            let draft = KnowledgeArticle(title: title.isEmpty ? "Ticket \(id)" : String(title.prefix(200)), body: body, category: answer.category,
                                         audience: "internal", status: "draft", author: answer.answeredBy.isEmpty ? principal.name : answer.answeredBy)
            let article = try db.saveArticle(draft, at: now).article
            try db.recordKnowledgeEvent("drafted", articleID: article.id, ticketID: id, channel: "web", actor: principal.name, at: now)
            return article
        }
        knowledge?.wake()
        return saved
    }

    /// What the staff ticket page shows beside a ticket: resolved tickets with similar questions and the
    /// articles that may answer it (staff see internal ones too), three of each.
    func related(to ticket: Ticket) async throws -> (answers: [PastAnswer], articles: [KnowledgeHit]) {
        let text = ticket.subject + "\n" + String(ticket.body.prefix(2_000))
        var search = KnowledgeSearch(text: text)
        search.audiences = ["public", "internal"]
        search.limit = 3
        let articles = try await rankedSearch(search).hits.filter {
            Self.suggestionThreshold.isStrong(bm25: $0.bm25, cosine: $0.cosine, semantic: $0.cosine != nil)
        }
        let id = ticket.id
        let answers = try await store.pool.read { db in try db.searchAnswers(text, requester: nil, excluding: id, limit: 3) }
        return (answers, articles)
    }

    /// An article linked in a public reply (`…/help/articles/N`) counts as linked to the ticket.
    func countLinkedArticles(in body: String, ticket: TicketID, actor: String) async {
        let ids = Set(body.matches(of: /\/help\/articles\/([0-9]{1,18})/).compactMap { Int64($0.output.1) })
        guard !ids.isEmpty else { return }
        let now = currentMillis()
        try? await store.writer.write { db in
            for article in ids where try db.article(article) != nil {
                try db.recordKnowledgeEvent("linked", articleID: article, ticketID: ticket, channel: "web", actor: actor, at: now)
            }
        }
    }
}

extension HTTPAPI {
    /// Questions count as one knowledge gap when their embeddings are at least this similar.
    static let gapSimilarity: Float = 0.6

    /// `GET /api/v1/kb/gaps?days=30&limit=10` (leads, admins): clusters of recent resolved tickets with
    /// similar questions that no article covered (none linked in a reply, no knowledge-bot answer),
    /// largest first: what the knowledge base should answer next. Reads the questions' stored vectors (the
    /// background service embeds each answer once, for 30 days back), at most the 1,000 newest.
    func knowledgeGaps(_ query: Parameters) async throws -> Response {
        try Self.refuseUnknown(query, allowed: ["days", "limit"])
        guard let days = Int64(query.get("days") ?? "30"), (1...30).contains(days) else { throw APIError(.badRequest, "days must be 1 to 30", field: "days") }
        guard let limit = Int(query.get("limit") ?? "10"), (1...100).contains(limit) else { throw APIError(.badRequest, "limit must be 1 to 100", field: "limit") }
        guard let knowledge, knowledge.isReady else {
            return TicketJSON.response("{\"state\":\"unavailable\",\"gaps\":[],\"message\":"
                + "\"the embedding model is not loaded: gaps need the questions' vectors (docs/OPERATIONS.md)\"}")
        }
        let since = currentMillis() - days * 86_400_000
        let model = Embedder.modelName
        let answers = try await store.pool.read { db in try db.uncoveredAnswers(since: since, model: model, limit: 1_000) }
        let clusters = Clusters.group(answers.map(\.vector), threshold: Self.gapSimilarity).filter { $0.count >= 2 }.prefix(limit)
        let gaps = clusters.map { members in
            let questions = members.prefix(3).map { answers[$0].question.split(separator: "\n").first.map(String.init) ?? "" }
            return "{\"size\":\(members.count),\"tickets\":[\(members.prefix(20).map { "\(answers[$0].ticketID)" }.joined(separator: ","))],"
                + "\"questions\":\(JSONText.array(questions))}"
        }
        return TicketJSON.response("{\"state\":\"ready\",\"days\":\(days),\"answers\":\(answers.count),\"backlog\":\(knowledge.answerBacklogCount),"
            + "\"gaps\":[" + gaps.joined(separator: ",") + "]}")
    }
}
