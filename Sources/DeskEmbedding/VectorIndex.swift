import COpenBLAS
import Synchronization

/// Unit-length vectors by id, searched by cosine similarity (their dot product): an exact scan, one
/// OpenBLAS `cblas_sgemv` per chunk of 4,096 rows, and a top-k selection in one pass.
///
/// Searches and changes may come from any task or thread at once. A search takes the chunks it scans
/// under a lock (copy-on-write: no floats are copied then) and scans without it, so searches never wait
/// for each other; a change made while a search holds a chunk copies that chunk only (6 MB at 384
/// dimensions), never the whole index.
///
/// The scan is exact and linear in the rows: about 150 MB of floats per 100,000 vectors of 384 dimensions,
/// read once per query (docs/BENCHMARKS.md has the measured cost). It is meant for the knowledge base's
/// articles; what does not fit its budget is not embedded (docs/ARCHITECTURE.md).
public final class VectorIndex: Sendable {
    /// Rows per chunk.
    static let chunkRows = 4_096

    private struct State {
        var ids: [Int64] = []
        var rows: [Int64: Int] = [:]
        var chunks: [[Float]] = []
    }

    public let dimensions: Int
    private let state = Mutex(State())

    public init(dimensions: Int) {
        precondition(dimensions > 0, "a vector has at least one dimension")
        self.dimensions = dimensions
    }

    /// Vectors held.
    public var count: Int { state.withLock { $0.ids.count } }

    /// Whether `id` has a vector here.
    public func contains(_ id: Int64) -> Bool { state.withLock { $0.rows[id] != nil } }

    /// Sets the vector of each id (adding the ids not held yet). Vectors of another length are ignored.
    public func upsert(_ entries: [(id: Int64, vector: [Float])]) {
        let width = dimensions
        state.withLock { state in
            for (id, vector) in entries where vector.count == width {
                let row: Int
                if let existing = state.rows[id] {
                    row = existing
                } else {
                    row = state.ids.count
                    state.ids.append(id)
                    state.rows[id] = row
                    if row / Self.chunkRows == state.chunks.count { state.chunks.append([]) }
                    state.chunks[row / Self.chunkRows].append(contentsOf: repeatElement(0, count: width))
                }
                let offset = (row % Self.chunkRows) * width
                state.chunks[row / Self.chunkRows].withUnsafeMutableBufferPointer { chunk in
                    vector.withUnsafeBufferPointer { source in
                        (chunk.baseAddress! + offset).update(from: source.baseAddress!, count: width)
                    }
                }
            }
        }
    }

    /// Drops the vector of `id`, if held (the last row moves into its place).
    public func remove(_ id: Int64) {
        let width = dimensions
        state.withLock { state in
            guard let row = state.rows.removeValue(forKey: id) else { return }
            let last = state.ids.count - 1
            if row != last {
                let moved = state.ids[last]
                let lastChunk = last / Self.chunkRows, lastOffset = (last % Self.chunkRows) * width
                let vector = Array(state.chunks[lastChunk][lastOffset..<lastOffset + width])
                let offset = (row % Self.chunkRows) * width
                state.chunks[row / Self.chunkRows].replaceSubrange(offset..<offset + width, with: vector)
                state.ids[row] = moved
                state.rows[moved] = row
            }
            state.ids.removeLast()
            let lastChunk = last / Self.chunkRows
            state.chunks[lastChunk].removeLast(width)
            if state.chunks[lastChunk].isEmpty { state.chunks.removeLast() }
        }
    }

    /// The `k` ids whose vectors are most similar to `query` (a unit vector of `dimensions` floats), most
    /// similar first, with their cosine similarity. Empty for a query of another length.
    public func nearest(to query: [Float], k: Int) -> [(id: Int64, score: Float)] {
        guard query.count == dimensions, k > 0 else { return [] }
        let (ids, chunks) = state.withLock { ($0.ids, $0.chunks) }
        guard !ids.isEmpty else { return [] }
        var top = TopK(k)
        var scores = [Float](repeating: 0, count: Self.chunkRows)
        query.withUnsafeBufferPointer { q in
            for (index, chunk) in chunks.enumerated() {
                let rows = chunk.count / dimensions
                chunk.withUnsafeBufferPointer { m in
                    scores.withUnsafeMutableBufferPointer { s in
                        cblas_sgemv(CblasRowMajor, CblasNoTrans, blasint(rows), blasint(dimensions), 1, m.baseAddress,
                                    blasint(dimensions), q.baseAddress, 1, 0, s.baseAddress, 1)
                    }
                }
                let base = index * Self.chunkRows
                for row in 0..<rows { top.offer(scores[row], base + row) }
            }
        }
        return top.sorted().map { (ids[$0.row], $0.score) }
    }
}

/// The `k` largest scores seen, in one pass: a min-heap of at most `k` entries.
struct TopK {
    private(set) var heap: [(score: Float, row: Int)] = []
    let k: Int

    init(_ k: Int) {
        self.k = k
        heap.reserveCapacity(k)
    }

    mutating func offer(_ score: Float, _ row: Int) {
        if heap.count < k {
            heap.append((score, row))
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard Self.less(heap[child], heap[parent]) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        } else if Self.less(heap[0], (score, row)) {
            heap[0] = (score, row)
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < heap.count, Self.less(heap[left], heap[smallest]) { smallest = left }
                if right < heap.count, Self.less(heap[right], heap[smallest]) { smallest = right }
                guard smallest != parent else { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
    }

    /// Lower score first; among equal scores the later row counts as lower, so the earlier row is kept.
    private static func less(_ a: (score: Float, row: Int), _ b: (score: Float, row: Int)) -> Bool {
        a.score != b.score ? a.score < b.score : a.row > b.row
    }

    /// Best first (ties: earlier row first).
    func sorted() -> [(score: Float, row: Int)] {
        heap.sorted { $0.score != $1.score ? $0.score > $1.score : $0.row < $1.row }
    }
}
