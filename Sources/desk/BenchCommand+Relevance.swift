import ArgumentParser
import DeskAutomation
import DeskEmbedding
import DeskModel
import DeskStore
import Foundation

extension BenchCommand {
    /// `desk bench kb-relevance`: how well the knowledge base's search finds the article that answers a
    /// question (issue 16), for keyword (BM25), semantic (embeddings) and combined rankings, on a real FAQ:
    /// hit@1, hit@3 and MRR (within the first 10), and how often a question the corpus cannot answer would
    /// be offered a suggestion, against how many answerable ones would still get theirs.
    ///
    /// Everything runs in process on a scratch SQLite store: the same FTS5 index, the same
    /// `Database.rankArticles` and the same embedding model as the server.
    struct Relevance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kb-relevance",
            abstract: "Knowledge-search relevance on a FAQ: hit@1, hit@3, MRR per ranking; wrongly offered suggestions.",
            discussion: "The corpus folder is what loadtest/bench/kb/faq_to_articles.py writes (titled/, untitled/, questions.tsv); "
                + "loadtest/bench/kb-relevance.sh does it all.")
        @Option(help: "The converted FAQ: titled/, untitled/ and questions.tsv.") var corpus: String
        @Option(help: "Customer-style rewordings: FILE<TAB>question per line.") var rewordings: String
        @Option(help: "Questions the corpus cannot answer, one per line.") var unanswerable: String
        @Option(help: "The model directory (default: DESK_MODEL_DIR, else .desk/models/all-MiniLM-L6-v2).") var model: String?

        static let rankings: [HybridRanking] = [.keyword, .semantic, .reciprocalRank(k: 60), .weighted(weight: 0.1), .weighted(weight: 0.2),
                                                .weighted(weight: 0.3), .weighted(weight: 0.5), .weighted(weight: 1.0)]

        func run() async throws {
            let embedder = try Embedder(directory: model.map { URL(fileURLWithPath: $0) } ?? Embedder.defaultDirectory())
            let questions = try Self.pairs(corpus + "/questions.tsv")
            let reworded = try Self.pairs(rewordings)
            let unanswered = try String(contentsOfFile: unanswerable, encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
            print("corpus: \(corpus); rankings compared: \(Self.rankings.map(\.description).joined(separator: ", ")); standard: \(HybridRanking.standard)")

            let untitled = try await Self.load(corpus + "/untitled", embedder: embedder)
            print("\n## Articles without their question titles (\(untitled.ids.count) articles), queried with the questions (\(questions.count))\n")
            try Self.report(untitled, questions, embedder: embedder)

            let titled = try await Self.load(corpus + "/titled", embedder: embedder)
            print("\n## Articles with their titles (\(titled.ids.count)), queried with customer-style rewordings (\(reworded.count))\n")
            let answerable = try Self.report(titled, reworded, embedder: embedder)

            print("\n## Suggestions before a ticket: \(unanswered.count) questions the FAQ cannot answer, \(reworded.count) it can\n")
            let strangers = try Self.topHits(titled, unanswered, embedder: embedder)
            print("| threshold (best article's cosine) | unanswerable offered a suggestion | answerable offered their article (top 3) | answerable offered anything |")
            print("|---|---|---|---|")
            for step in 6...14 {
                let tau = Double(step) * 0.05
                let wrong = strangers.filter { ($0.first?.cosine ?? -1) >= tau }.count
                let right = answerable.filter { row in row.top.prefix(3).contains { $0.article.id == row.target && ($0.cosine ?? -1) >= tau } }.count
                let any = answerable.filter { ($0.top.first?.cosine ?? -1) >= tau }.count
                print("| \(String(format: "%.2f", tau))\(abs(tau - SuggestionThreshold().minimumCosine) < 0.001 ? " (standard)" : "") | "
                    + "\(Self.percent(wrong, strangers.count)) | \(Self.percent(right, answerable.count)) | \(Self.percent(any, answerable.count)) |")
            }
            let keywordOnly = try Self.topHits(titled, unanswered, embedder: nil)
            let keywordAnswerable = try Self.topHits(titled, reworded.map(\.question), embedder: nil)
            print("\nkeyword only (no model), by the best article's BM25:\n")
            print("| threshold (BM25 at most) | unanswerable offered a suggestion | answerable offered anything |")
            print("|---|---|---|")
            for threshold in [-2.0, -4, -6, -8, -10, -12, -15] {
                let wrong = keywordOnly.filter { ($0.first?.bm25 ?? 0) <= threshold }.count
                let any = keywordAnswerable.filter { ($0.first?.bm25 ?? 0) <= threshold }.count
                print("| \(Int(threshold))\(threshold == SuggestionThreshold().maximumBM25 ? " (standard)" : "") | "
                    + "\(Self.percent(wrong, keywordOnly.count)) | \(Self.percent(any, keywordAnswerable.count)) |")
            }
        }

        struct Corpus {
            let store: TicketStore
            let ids: [String: Int64]
            let index: VectorIndex
        }

        static func pairs(_ path: String) throws -> [(file: String, question: String)] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
                let parts = line.split(separator: "\t", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]).hasSuffix(".md") ? String(parts[0]) : parts[0] + ".md", String(parts[1])) : nil
            }
        }

        /// A scratch store with every article of `directory`, and their vectors.
        static func load(_ directory: String, embedder: Embedder) async throws -> Corpus {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("desk-relevance-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            let store = try TicketStore(directory: scratch, durability: .normal)
            var ids: [String: Int64] = [:]
            var texts: [(Int64, String)] = []
            for name in try FileManager.default.contentsOfDirectory(atPath: directory).filter({ $0.hasSuffix(".md") }).sorted() {
                let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
                let file: ArticleFile
                do { file = try ArticleFile.parse(text, file: name) } catch { throw ValidationError(error.description) }
                let saved = try await store.writer.write { db in
                    try db.saveArticle(KnowledgeArticle(file: name, title: file.title, body: file.body, category: file.category), at: 1).article
                }
                ids[name] = saved.id
                texts.append((saved.id, KnowledgeArticle.embeddingText(title: saved.title, body: saved.body)))
            }
            let index = VectorIndex(dimensions: embedder.dimensions)
            let start = ContinuousClock.now
            let vectors = embedder.embed(batch: texts.map(\.1))
            index.upsert(zip(texts, vectors).map { ($0.0, $1) })
            print("\(directory): \(texts.count) articles embedded in \(BenchCommand.Embed.ms(ContinuousClock.now - start)) ms")
            return Corpus(store: store, ids: ids, index: index)
        }

        /// The best 10 for each question under the standard ranking (or keyword alone without a model).
        static func topHits(_ corpus: Corpus, _ questions: [String], embedder: Embedder?) throws -> [[KnowledgeHit]] {
            try questions.map { question in
                let semantic = embedder.map { model in corpus.index.nearest(to: model.embed(question), k: 50).map { ($0.id, Double($0.score)) } } ?? []
                var search = KnowledgeSearch(text: question)
                search.limit = 10
                return try corpus.store.pool.read { db in
                    try db.rankArticles(search, semantic: semantic, ranking: embedder == nil ? .keyword : HybridRanking.standard)
                }
            }
        }

        /// Prints hit@1, hit@3 and MRR per ranking; returns the standard ranking's top 10 per question.
        @discardableResult
        static func report(_ corpus: Corpus, _ queries: [(file: String, question: String)], embedder: Embedder)
            throws -> [(target: Int64, top: [KnowledgeHit])] {
            let missing = queries.filter { corpus.ids[$0.file] == nil }
            guard missing.isEmpty else { throw ValidationError("no article \(missing[0].file) for the question '\(missing[0].question)'") }
            let semantic = queries.map { corpus.index.nearest(to: embedder.embed($0.question), k: 50).map { ($0.id, Double($0.score)) } }
            print("| ranking | hit@1 | hit@3 | MRR@10 |")
            print("|---|---|---|---|")
            var standard: [(Int64, [KnowledgeHit])] = []
            for ranking in rankings {
                var hit1 = 0, hit3 = 0, reciprocal = 0.0
                for (index, query) in queries.enumerated() {
                    var search = KnowledgeSearch(text: query.question)
                    search.limit = 10
                    let found = semantic[index]
                    let hits = try corpus.store.pool.read { db in try db.rankArticles(search, semantic: found, ranking: ranking) }
                    let target = corpus.ids[query.file]!
                    if ranking == .standard { standard.append((target, hits)) }
                    guard let position = hits.firstIndex(where: { $0.article.id == target }) else { continue }
                    if position == 0 { hit1 += 1 }
                    if position < 3 { hit3 += 1 }
                    reciprocal += 1 / Double(position + 1)
                }
                print("| \(ranking)\(ranking == .standard ? " (standard)" : "") | \(percent(hit1, queries.count)) | \(percent(hit3, queries.count)) | "
                    + "\(String(format: "%.3f", reciprocal / Double(queries.count))) |")
            }
            return standard
        }

        static func percent(_ part: Int, _ whole: Int) -> String {
            whole == 0 ? "–" : String(format: "%.1f%%", 100 * Double(part) / Double(whole)) + " (\(part)/\(whole))"
        }
    }
}
