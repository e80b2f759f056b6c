@testable import DeskEmbedding
import Testing

/// The vector index against a plain scan, across its chunk boundary, with changes and removals.
@Suite("vector index") struct VectorIndexTests {
    /// Deterministic pseudo-random unit vectors (a linear congruential generator: no seed from the clock).
    struct Generator {
        var state: UInt64
        mutating func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1_000_000
        }
        mutating func unit(_ dimensions: Int) -> [Float] {
            let raw = (0..<dimensions).map { _ in next() }
            let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return raw.map { $0 / norm }
        }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    @Test("nearest equals a plain scan's top k over more rows than one chunk, after updates and removals")
    func matchesAPlainScan() {
        var generator = Generator(state: 42)
        let dimensions = 16
        let index = VectorIndex(dimensions: dimensions)
        var vectors: [Int64: [Float]] = [:]
        let rows = VectorIndex.chunkRows + 500
        index.upsert((1...Int64(rows)).map { id in
            let vector = generator.unit(dimensions)
            vectors[id] = vector
            return (id, vector)
        })
        // Change some, remove some (among them rows in the first chunk, so that the last row moves there).
        for id in stride(from: Int64(3), to: Int64(rows), by: 97) {
            let vector = generator.unit(dimensions)
            vectors[id] = vector
            index.upsert([(id, vector)])
        }
        for id in stride(from: Int64(5), to: Int64(rows), by: 89) {
            vectors[id] = nil
            index.remove(id)
        }
        index.remove(999_999)  // not held: nothing happens
        #expect(index.count == vectors.count)
        for _ in 0..<20 {
            let query = generator.unit(dimensions)
            let expected = vectors.map { (id: $0.key, score: Self.dot($0.value, query)) }
                .sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }.prefix(10)
            let found = index.nearest(to: query, k: 10)
            #expect(found.map(\.id) == expected.map(\.id))
            for (a, b) in zip(found, expected) { #expect(abs(a.score - b.score) < 1e-5) }
        }
        #expect(index.nearest(to: [1, 2], k: 3).isEmpty, "a query of another length finds nothing")
        #expect(VectorIndex(dimensions: 4).nearest(to: [1, 0, 0, 0], k: 3).isEmpty)
    }

    @Test("removing every row empties the index; a search holding old chunks is unaffected by later changes")
    func removeAllAndSnapshot() {
        let index = VectorIndex(dimensions: 2)
        index.upsert([(1, [1, 0]), (2, [0, 1]), (3, [0.6, 0.8])])
        #expect(index.nearest(to: [1, 0], k: 2).map(\.id) == [1, 3])
        for id in [2, 1, 3] as [Int64] { index.remove(id) }
        #expect(index.count == 0 && index.nearest(to: [1, 0], k: 2).isEmpty)
        index.upsert([(7, [0, 1])])
        #expect(index.nearest(to: [0, 1], k: 5).map(\.id) == [7])
    }

    @Test("top k keeps the largest scores, best first, ties by earlier row")
    func topK() {
        var top = TopK(3)
        for (row, score) in [0.1, 0.9, 0.5, 0.9, 0.2, 0.7].enumerated() { top.offer(Float(score), row) }
        #expect(top.sorted().map(\.row) == [1, 3, 5])
    }
}

@Suite("clusters") struct ClustersTests {
    @Test("near vectors share a cluster, far ones start their own; largest first")
    func leaderClusters() {
        let a: [Float] = [1, 0, 0], a2: [Float] = [0.96, 0.28, 0], b: [Float] = [0, 1, 0], c: [Float] = [0, 0, 1], a3: [Float] = [0.96, 0, 0.28]
        #expect(Clusters.group([b, a, a2, c, a3], threshold: 0.9) == [[1, 2, 4], [0], [3]])
        #expect(Clusters.group([a, b], threshold: 0.9) == [[0], [1]])
        #expect(Clusters.group([], threshold: 0.5).isEmpty)
    }
}
