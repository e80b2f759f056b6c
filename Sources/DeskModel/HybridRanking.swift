/// How the knowledge base combines its two rankings of the same articles: keyword (SQLite FTS5's BM25,
/// title over body) and semantic (the cosine similarity of the question's and the article's embeddings).
///
/// The choice and its constants come from the relevance evaluation on the Python FAQ (`desk bench
/// kb-relevance`, docs/BENCHMARKS.md), which measures every fusion below on the same queries.
public enum HybridRanking: Sendable, Equatable, CustomStringConvertible {
    /// Keyword order alone.
    case keyword
    /// Semantic order alone.
    case semantic
    /// Reciprocal rank fusion: `Σ 1 / (k + rank)` over the two lists (rank from 1).
    case reciprocalRank(k: Double)
    /// The cosine plus `weight` times the BM25 score relative to the best keyword hit's (1 for the best,
    /// 0 for an article the keyword search did not find).
    case weighted(weight: Double)

    /// What the server ranks with when it has both rankings. On the Python FAQ asked in customers' words it
    /// finds the right article first for 73% of questions (keyword alone 39%, semantic alone 71%, reciprocal
    /// rank fusion 55%) and in the top 3 for 94% (keyword 52%): docs/BENCHMARKS.md has the evaluation.
    public static let standard = HybridRanking.weighted(weight: 0.1)

    public var description: String {
        switch self {
        case .keyword: "keyword"
        case .semantic: "semantic"
        case .reciprocalRank(let k): "rrf(k=\(Int(k)))"
        case .weighted(let weight): "weighted(\(weight))"
        }
    }

    /// One article as either ranking saw it.
    public struct Candidate: Sendable, Equatable {
        public var id: Int64
        /// SQLite's BM25 (lower is better, negative), when the keyword search found it.
        public var bm25: Double?
        /// The cosine similarity, when the semantic search found it.
        public var cosine: Double?
        /// The combined score: higher is better.
        public var score: Double = 0

        public init(id: Int64, bm25: Double? = nil, cosine: Double? = nil) {
            self.id = id
            self.bm25 = bm25
            self.cosine = cosine
        }
    }

    /// The candidates of both lists (each best first), merged by id and ordered by the combined score,
    /// best first; ties keep the keyword list's order, then the semantic list's.
    public func rank(keyword: [(id: Int64, bm25: Double)], semantic: [(id: Int64, cosine: Double)]) -> [Candidate] {
        var byID: [Int64: Int] = [:]
        var candidates: [Candidate] = []
        var keywordRank: [Int64: Int] = [:], semanticRank: [Int64: Int] = [:]
        for (rank, hit) in keyword.enumerated() where byID[hit.id] == nil {
            byID[hit.id] = candidates.count
            keywordRank[hit.id] = rank + 1
            candidates.append(Candidate(id: hit.id, bm25: hit.bm25))
        }
        for (rank, hit) in semantic.enumerated() where semanticRank[hit.id] == nil {
            semanticRank[hit.id] = rank + 1
            if let at = byID[hit.id] {
                candidates[at].cosine = hit.cosine
            } else {
                byID[hit.id] = candidates.count
                candidates.append(Candidate(id: hit.id, cosine: hit.cosine))
            }
        }
        let best = keyword.map(\.bm25).min() ?? 0
        for index in candidates.indices {
            let candidate = candidates[index]
            switch self {
            case .keyword:
                candidates[index].score = candidate.bm25.map { -$0 } ?? -.infinity
            case .semantic:
                candidates[index].score = candidate.cosine ?? -.infinity
            case .reciprocalRank(let k):
                candidates[index].score = (keywordRank[candidate.id].map { 1 / (k + Double($0)) } ?? 0)
                    + (semanticRank[candidate.id].map { 1 / (k + Double($0)) } ?? 0)
            case .weighted(let weight):
                let relative = best < 0 ? (candidate.bm25.map { $0 / best } ?? 0) : 0
                candidates[index].score = (candidate.cosine ?? 0) + weight * relative
            }
        }
        let order = Dictionary(uniqueKeysWithValues: candidates.enumerated().map { ($1.id, $0) })
        return candidates.filter { $0.score > -.infinity }.sorted {
            $0.score != $1.score ? $0.score > $1.score : order[$0.id]! < order[$1.id]!
        }
    }
}

/// When a suggestion is strong enough to show a customer before a ticket (or for the knowledge bot to
/// answer with): weak matches are not shown. With embeddings, the best article's cosine similarity to the
/// draft must reach `minimumCosine`; keyword-only, its BM25 must be at most `maximumBM25`. The constants come from the evaluation's questions
/// the corpus cannot answer (docs/BENCHMARKS.md).
public struct SuggestionThreshold: Sendable, Equatable {
    public var minimumCosine: Double
    public var maximumBM25: Double

    /// 0.35: none of 60 questions the Python FAQ cannot answer was offered an article, and 78% of 132
    /// answerable ones were offered theirs; -12 keyword-only: 3% wrongly offered, 36% offered anything.
    public init(minimumCosine: Double = 0.35, maximumBM25: Double = -12) {
        self.minimumCosine = minimumCosine
        self.maximumBM25 = maximumBM25
    }

    /// Whether a hit is strong enough to show: by its cosine when the search ranked by meaning (`semantic`),
    /// by its BM25 otherwise.
    public func isStrong(bm25: Double?, cosine: Double?, semantic: Bool) -> Bool {
        if semantic { return (cosine ?? -1) >= minimumCosine }
        return (bm25 ?? 0) <= maximumBM25
    }
}
