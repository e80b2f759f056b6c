import DeskModel
import Testing

@Suite("hybrid ranking") struct HybridRankingTests {
    let keyword: [(id: Int64, bm25: Double)] = [(1, -10), (2, -5), (3, -1)]
    let semantic: [(id: Int64, cosine: Double)] = [(3, 0.8), (4, 0.6), (1, 0.2)]

    @Test("each ranking alone keeps its own order and drops what it did not find")
    func single() {
        #expect(HybridRanking.keyword.rank(keyword: keyword, semantic: semantic).map(\.id) == [1, 2, 3])
        #expect(HybridRanking.semantic.rank(keyword: keyword, semantic: semantic).map(\.id) == [3, 4, 1])
    }

    @Test("weighted: cosine plus the weight times BM25 relative to the best keyword hit")
    func weighted() {
        let ranked = HybridRanking.weighted(weight: 1).rank(keyword: keyword, semantic: semantic)
        // 1: 0.2 + 1.0 = 1.2; 3: 0.8 + 0.1 = 0.9; 4: 0.6; 2: 0 + 0.5
        #expect(ranked.map(\.id) == [1, 3, 4, 2])
        #expect(abs(ranked[0].score - 1.2) < 1e-9 && ranked[0].cosine == 0.2 && ranked[0].bm25 == -10)
        #expect(HybridRanking.weighted(weight: 0.1).rank(keyword: keyword, semantic: semantic).map(\.id) == [3, 4, 1, 2])
    }

    @Test("reciprocal rank fusion sums 1/(k+rank); ties keep the keyword order")
    func reciprocal() {
        let ranked = HybridRanking.reciprocalRank(k: 60).rank(keyword: keyword, semantic: semantic)
        // 1: 1/61 + 1/63; 3: 1/63 + 1/61 (tie: keyword order, 1 before 3); 2: 1/62; 4: 1/62 (tie: 2 before 4)
        #expect(ranked.map(\.id) == [1, 3, 2, 4])
    }

    @Test("no semantic list: the weighted ranking is the keyword order; no keyword list: the semantic order")
    func oneSided() {
        #expect(HybridRanking.standard.rank(keyword: keyword, semantic: []).map(\.id) == [1, 2, 3])
        #expect(HybridRanking.standard.rank(keyword: [], semantic: semantic).map(\.id) == [3, 4, 1])
    }

    @Test("a suggestion is strong by its cosine with embeddings, by its BM25 without")
    func threshold() {
        let threshold = SuggestionThreshold(minimumCosine: 0.35, maximumBM25: -12)
        #expect(threshold.isStrong(bm25: nil, cosine: 0.35, semantic: true))
        #expect(!threshold.isStrong(bm25: -30, cosine: 0.34, semantic: true))
        #expect(!threshold.isStrong(bm25: nil, cosine: nil, semantic: true))
        #expect(threshold.isStrong(bm25: -12, cosine: nil, semantic: false))
        #expect(!threshold.isStrong(bm25: -11.9, cosine: 0.9, semantic: false))
    }
}
