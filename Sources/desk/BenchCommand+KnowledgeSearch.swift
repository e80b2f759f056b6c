import ArgumentParser
import DeskEmbedding
import DeskModel
import DeskStore
import Foundation

extension BenchCommand {
    /// `desk bench kb-search`: knowledge search's cost with a big knowledge base (issue 16): p50/p99 of a
    /// search by keyword alone and with the query's embedding (embedding and vector scan beside the keyword
    /// candidates, then the combined ranking and snippets, as the server does it), on a scratch SQLite store
    /// of `--articles` articles; and how soon a new article is found.
    ///
    /// The articles' text is generated (deterministic: words drawn by Zipf's law, the support words the
    /// questions use among them at ranks 100 to 4,860), and their vectors are
    /// random unit vectors: the exact scan reads every vector whatever its values, so its cost is that of
    /// real ones, and embedding 100,000 real articles takes most of an hour on two cores (`desk bench
    /// embed` measures that throughput). The queries are real questions embedded by the real model.
    struct KnowledgeSearchCost: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kb-search",
            abstract: "Knowledge search latency with many articles: keyword alone and with the query's embedding (use a release build).")
        @Option(help: "Articles in the scratch store.") var articles = 100_000
        @Option(help: "Searches to time per ranking.") var queries = 500
        @Option(help: "The model directory (default: DESK_MODEL_DIR, else .desk/models/all-MiniLM-L6-v2).") var model: String?
        @Option(help: "OpenBLAS threads per matrix product (the server uses 1).") var blasThreads = 1
        @Option(help: "Past answers (resolved tickets' questions and replies) in the store beside the articles; searched by keyword.")
        var answers = 0

        /// The query's embedding and the vector scan, on a thread of their own (as the server's
        /// `KnowledgeService.nearest`), with the time each took.
        static func meaning(_ question: String, hybrid: Bool, embedder: Embedder, index: VectorIndex)
            async -> (hits: [(id: Int64, cosine: Double)], embed: Duration, scan: Duration) {
            guard hybrid else { return ([], .zero, .zero) }
            return await withCheckedContinuation { continuation in
                DispatchQueue.global(qos: .userInitiated).async {
                    let start = ContinuousClock.now
                    let vector = embedder.embed(question)
                    let embedded = ContinuousClock.now
                    let hits = index.nearest(to: vector, k: 50).map { ($0.id, Double($0.score)) }
                    continuation.resume(returning: (hits, embedded - start, ContinuousClock.now - embedded))
                }
            }
        }

        static let words = ("password reset sign login account email invoice billing refund payment card subscription plan upgrade "
            + "vpn network tunnel wifi printer scanner driver update install windows linux mac browser chrome firefox error crash "
            + "slow timeout upload download file export import csv pdf report dashboard user team admin permission role access "
            + "token api key webhook integration slack calendar reminder notification mobile app sync backup restore delete "
            + "archive search filter tag category ticket reply customer agent shift holiday language translation domain ssl "
            + "certificate proxy firewall port server database disk memory cpu quota limit storage share link invite").split(separator: " ")

        func run() async throws {
            guard articles > 0, queries > 0 else { throw ValidationError("articles and queries must be positive") }
            MatrixThreads.limit(to: blasThreads)
            let embedder = try Embedder(directory: model.map { URL(fileURLWithPath: $0) } ?? Embedder.defaultDirectory())
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("desk-kb-search-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let store = try TicketStore(directory: scratch, durability: .normal)
            var state: UInt64 = 7
            func next(_ bound: Int) -> Int {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Int((state >> 33) % UInt64(bound))
            }
            // Words as text has them: Zipf's law (s = 1) over 30,000 words, the support vocabulary the
            // questions use placed at ranks 100 to 4,860 (common to fairly rare), pseudo-words elsewhere.
            var vocabulary = (0..<30_000).map { "zq" + String($0, radix: 36) }
            for (index, word) in Self.words.enumerated() { vocabulary[100 + index * 40] = String(word) }
            var cumulative: [Double] = []
            cumulative.reserveCapacity(vocabulary.count)
            var total = 0.0
            for rank in 1...vocabulary.count { total += 1 / Double(rank); cumulative.append(total) }
            func word() -> String {
                let target = Double(next(1_000_000_000)) / 1_000_000_000 * total
                var low = 0, high = cumulative.count - 1
                while low < high { let mid = (low + high) / 2; if cumulative[mid] < target { low = mid + 1 } else { high = mid } }
                return vocabulary[low]
            }
            let loadStart = ContinuousClock.now
            var made = 0
            while made < articles {
                let count = min(5_000, articles - made)
                var batch: [KnowledgeArticle] = []
                for index in 0..<count {
                    let title = (0..<6).map { _ in word() }.joined(separator: " ")
                    let body = (0..<80).map { _ in word() }.joined(separator: " ")
                    batch.append(KnowledgeArticle(file: "a\(made + index).md", title: title.prefix(1).uppercased() + title.dropFirst(), body: body,
                                                  category: String(Self.words[next(20)])))
                }
                let toSave = batch
                try await store.writer.write { db in for article in toSave { _ = try db.saveArticle(article, at: 1) } }
                made += count
            }
            let index = VectorIndex(dimensions: embedder.dimensions)
            var id: Int64 = 1
            while id <= Int64(articles) {
                var entries: [(id: Int64, vector: [Float])] = []
                for row in id..<min(id + 5_000, Int64(articles) + 1) {
                    let raw = (0..<embedder.dimensions).map { _ in Float(next(2_000_001)) / 1_000_000 - 1 }
                    let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    entries.append((row, raw.map { $0 / norm }))
                }
                index.upsert(entries)
                id += 5_000
            }
            print("\(articles) articles stored and indexed in \(String(format: "%.1f", Embed.seconds(ContinuousClock.now - loadStart))) s "
                + "(\(index.count) vectors, \(index.count * embedder.dimensions * 4 / 1_048_576) MiB); OpenBLAS threads: \(MatrixThreads.current)")

            // Past answers first, so that the searches below run with them indexed beside the articles.
            if answers > 0 {
                let answersStart = ContinuousClock.now
                var written = 0
                while written < answers {
                    let count = min(20_000, answers - written)
                    let rows = (0..<count).map { index -> (Int64, String, String) in
                        (Int64(written + index + 1), (0..<12).map { _ in word() }.joined(separator: " "), (0..<60).map { _ in word() }.joined(separator: " "))
                    }
                    try await store.writer.write { db in try db.insertPastAnswersForBenchmark(rows, at: 1) }
                    written += count
                }
                print("\(answers) past answers stored and indexed in \(String(format: "%.1f", Embed.seconds(ContinuousClock.now - answersStart))) s")
            }
            let questions = Embed.questions
            for ranking in ["keyword", "hybrid"] {
                var latencies: [Duration] = []
                var stages: (embed: Duration, scan: Duration) = (.zero, .zero)
                for run in 0..<(queries + 20) {
                    let question = questions[run % questions.count]
                    var request = KnowledgeSearch(text: question)
                    request.limit = 10
                    let search = request, hybrid = ranking == "hybrid"
                    let start = ContinuousClock.now
                    // As the server does it: the embedding and vector scan on one thread while the keyword
                    // candidates are read on another, then the fusion and the final hits' snippets.
                    async let meaning: (hits: [(id: Int64, cosine: Double)], embed: Duration, scan: Duration) = Self.meaning(
                        question, hybrid: hybrid, embedder: embedder, index: index)
                    let keyword = try await store.pool.read { db in try db.keywordCandidates(search, limit: 50) }
                    let semantic = await meaning
                    _ = try await store.pool.read { db in
                        try db.rankArticles(search, keyword: keyword, semantic: semantic.hits, ranking: hybrid ? HybridRanking.standard : .keyword)
                    }
                    if run >= 20 {  // the first 20 warm the caches
                        latencies.append(ContinuousClock.now - start)
                        stages.embed += semantic.embed
                        stages.scan += semantic.scan
                    }
                }
                latencies.sort()
                print("\(ranking): \(queries) searches, p50 \(Embed.ms(Embed.percentile(latencies, 0.5))) ms, "
                    + "p99 \(Embed.ms(Embed.percentile(latencies, 0.99))) ms, max \(Embed.ms(latencies.last ?? .zero)) ms"
                    + (ranking == "hybrid" ? " (mean embedding \(Embed.ms(stages.embed / queries)) ms, mean vector scan \(Embed.ms(stages.scan / queries)) ms)" : ""))
            }
            if answers > 0 {
                var latencies: [Duration] = []
                for run in 0..<(queries + 20) {
                    let question = questions[run % questions.count]
                    let start = ContinuousClock.now
                    _ = try await store.pool.read { db in try db.searchAnswers(question, requester: nil, limit: 10) }
                    if run >= 20 { latencies.append(ContinuousClock.now - start) }
                }
                latencies.sort()
                print("past answers (keyword, staff): \(queries) searches, p50 \(Embed.ms(Embed.percentile(latencies, 0.5))) ms, "
                    + "p99 \(Embed.ms(Embed.percentile(latencies, 0.99))) ms, max \(Embed.ms(latencies.last ?? .zero)) ms")
                let newStart = ContinuousClock.now
                try await store.writer.write { db in try db.insertPastAnswersForBenchmark([(Int64(answers + 1), "Quokka gateway handshake fails", "Renew it.")], at: 2) }
                let found = try await store.pool.read { db in try db.searchAnswers("quokka handshake", requester: nil, limit: 1) }
                print("a new past answer: written and found by keyword in \(Embed.ms(ContinuousClock.now - newStart)) ms (found: \(found.first?.ticketID == Int64(answers + 1)))")
            }
            // A new article is searchable by keyword as soon as its write commits (the FTS5 index is updated in
            // the same transaction).
            let start = ContinuousClock.now
            _ = try await store.writer.write { db in
                try db.saveArticle(KnowledgeArticle(file: "new.md", title: "Quokka gateway handshake", body: "A brand new article."), at: 2)
            }
            var probe = KnowledgeSearch(text: "quokka handshake")
            probe.limit = 1
            let query = probe
            let hits = try await store.pool.read { db in try db.searchArticles(query) }
            print("a new article: written and found by keyword in \(Embed.ms(ContinuousClock.now - start)) ms "
                + "(found: \(hits.first?.article.file == "new.md"))")
            await store.close()
        }
    }
}
